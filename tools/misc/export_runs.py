"""Copy the result files of finished seed runs into the repository (never checkpoints).

    python tools/misc/export_runs.py work_dirs/studies/000 projects/000_voc8-unet/results/runs

Every ``SRC/<arm>/seed<S>/`` that the arms x seeds runner finished (it holds
``ablation_run.json``) is copied to ``DEST/<arm>/seed<S>/`` with its metric files, per-image
scores, scalars and log (which starts with the resolved config), so ``compare_runs.py``
rebuilds the tables from the repository alone. Checkpoints (``*.pth``), ``last_checkpoint``
(a path on this machine) and copies of what is kept anyway (the console log, mmengine's
second scalars file, the config dumps) stay behind. A seed already exported is left as it
is; unfinished seeds are skipped.
"""
import argparse
import fnmatch
import glob
import os
import os.path as osp
import shutil
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from seglab.analysis.seed_runner import STATE_FILE  # noqa: E402  (the runner's finished mark)
# fnmatch's * also matches '/': the patterns apply to the path inside the run folder
LEFT_BEHIND = ('*.pth', '*.tmp', 'last_checkpoint', 'train_output.log', '*.py', 'ablation.lock',
               '*vis_data/2*.json')


def _kept(rel_path: str) -> bool:
    return not any(fnmatch.fnmatch(rel_path, p) for p in LEFT_BEHIND)


def export_run(run_dir: str, dest: str) -> int:
    """Copy one finished run; returns the number of files copied."""
    copied = 0
    for root, _, files in os.walk(run_dir):
        for name in files:
            src = osp.join(root, name)
            rel = osp.relpath(src, run_dir)
            if not _kept(rel):
                continue
            os.makedirs(osp.dirname(osp.join(dest, rel)), exist_ok=True)
            shutil.copy2(src, osp.join(dest, rel))
            copied += 1
    return copied


def export_runs(src_root: str, dest_root: str) -> list:
    done = []
    for state in sorted(glob.glob(osp.join(src_root, '*', 'seed*', STATE_FILE))):
        run_dir = osp.dirname(state)
        rel = osp.relpath(run_dir, src_root)
        dest = osp.join(dest_root, rel)
        if osp.isfile(osp.join(dest, STATE_FILE)):
            continue
        export_run(run_dir, dest)
        done.append(rel)
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='root of the arm folders (the runner\'s --work-dir)')
    parser.add_argument('dest', help='where the arm folders go, e.g. '
                                     'projects/<study>/results/runs')
    args = parser.parse_args(argv)
    if not osp.isdir(args.src):
        raise SystemExit(f'{args.src}: no such folder (the runner\'s --work-dir)')
    done = export_runs(args.src, args.dest)
    print('\n'.join(f'exported {d}' for d in done) or 'nothing new to export')


if __name__ == '__main__':
    main()
