"""Ablation grid: train configs (x variants) x seeds and tabulate them with ``compare_runs``.

With ``--seeds``, every (arm, seed) trains into ``WORK_DIR/<arm>/seed<S>/`` one at a time
(``randomness.seed=S``, nothing else differs between seeds); finished runs are skipped,
interrupted ones resumed from their last checkpoint, and the arms are then compared with
means, 95 % CIs over seeds, seed-paired tests, Holm correction and verdicts
(``WORK_DIR/summary.{md,csv,json}``)::

    python tools/analysis_tools/ablation.py configs/a.py configs/b.py --seeds 0 1 2 \
        --work-dir work_dirs/a_vs_b [--cfg-options k=v ...] [--amp] [--dry-run]
    python tools/analysis_tools/ablation.py --grid 004-loss-presets-camvid --seeds 0 1 2 \
        --work-dir work_dirs/004_presets

Without ``--seeds`` it prints (default) or runs the training commands for configs x
variants, then collects the finished runs into one table with ``compare_runs``.

Each run trains into ``WORK_ROOT/<name>`` where ``<name>`` is the config's file stem, the
variant name, or ``<stem>_<variant>`` when there are several configs and variants.

Examples::

    # the seven loss presets of study 004 (one config each): print the commands
    python tools/analysis_tools/ablation.py configs/004_loss-weighting/attention-unet_*camvid*.py
    # one config, --cfg-options variants, run them and tabulate against 'ce'
    python tools/analysis_tools/ablation.py configs/quickstart/unet-w8_1xb2-8it_synthvoc-64x64.py \
        --variant ce "model.decode_head.loss_decode.type=CrossEntropyLoss" \
        --variant dice "model.decode_head.loss_decode.type=MultiClassDiceLoss" \
        --run --baseline ce --out work_dirs/ablation/table
"""
import argparse
import glob
import importlib.util
import os.path as osp
import shlex
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Print or run a grid of trainings (configs x --cfg-options variants) '
                    'and tabulate the finished ones with compare_runs.')
    parser.add_argument('configs', nargs='*', metavar='CONFIG')
    parser.add_argument('--grid', choices=sorted(GRIDS), default=None,
                        help='a named study grid (its configs are added to CONFIG...)')
    parser.add_argument('--seeds', type=int, nargs='+', default=None, metavar='S',
                        help='train every arm with each seed into WORK_DIR/<arm>/seed<S>/')
    parser.add_argument('--work-dir', default=None, metavar='WORK_DIR',
                        help='with --seeds: root of the arm folders (default '
                             'work_dirs/ablation)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='with --seeds: cfg-options of every run')
    parser.add_argument('--amp', action='store_true', help='with --seeds: train with --amp')
    parser.add_argument('--dry-run', action='store_true',
                        help='with --seeds: print each run\'s state and command, train nothing')
    parser.add_argument('--select', choices=('final', 'best'), default='final',
                        help='with --seeds: which evaluation of each run the table uses')
    parser.add_argument('--latex', action='store_true',
                        help='with --seeds: also write the LaTeX table')
    parser.add_argument('--variant', nargs=2, action='append', default=[],
                        metavar=('NAME', 'OPTIONS'),
                        help='a named variant: space-separated key=value cfg-options '
                             '(repeatable)')
    parser.add_argument('--common-options', default='', metavar='OPTIONS',
                        help='cfg-options added to every run (e.g. data_root overrides)')
    parser.add_argument('--work-root', default='work_dirs/ablation')
    parser.add_argument('--run', action='store_true',
                        help='run the commands one after another (default: only print)')
    parser.add_argument('--skip-finished', action='store_true',
                        help='with --run, skip runs whose work dir already has results')
    parser.add_argument('--baseline', default=None, help='baseline run name for the table')
    parser.add_argument('--out', default=None, metavar='PREFIX',
                        help='table files PREFIX.md/.csv (compare_runs --out)')
    return parser.parse_args(argv)


# Study presets as named grids (globs relative to the repository).
GRIDS = {
    '004-loss-presets-camvid':
        'configs/004_loss-weighting/attention-unet_1xb4-*-20e_camvid-360x480.py',
    '004-loss-presets-cityscapes':
        'configs/004_loss-weighting/attention-unet_1xb4-*-20e_cityscapes-512x256.py',
    '003-losses-camvid': 'configs/003_cdfl/fcn_r50-d8-dropout_1xb4-*-20k_camvid-360x480.py',
}


def grid_configs(name):
    configs = sorted(glob.glob(osp.join(REPO, GRIDS[name])))
    if not configs:
        raise SystemExit(f'--grid {name}: no config matches {GRIDS[name]}')
    return configs


def main_seeds(args):
    from seglab.analysis.seed_runner import plan, run_grid
    root = args.work_dir or 'work_dirs/ablation'
    try:
        jobs = plan(args.configs, args.seeds, root, args.cfg_options, args.variant)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    records = run_grid(jobs, REPO, amp=args.amp, dry_run=args.dry_run)
    if args.dry_run:
        return records
    failed = [r for r in records if r['status'] == 'failed']
    busy = [r for r in records if r['status'] == 'busy']
    arms = list(dict.fromkeys(j.arm for j in jobs))
    table = [osp.join(root, a) for a in arms] + ['--select', args.select,
                                                  '--out', args.out or osp.join(root, 'summary')]
    if args.baseline:
        table += ['--baseline', args.baseline]
    if args.latex:
        table += ['--latex']
    if failed or busy:
        table += ['--failed'] + [f"{r['arm']}/seed{r['seed']}" for r in failed + busy]
    load_compare_runs().main(table)
    problems = [f'{len(rs)} run(s) {what}: ' + ', '.join(f"{r['arm']} seed{r['seed']}" for r in rs)
                for rs, what in ((failed, 'failed'),
                                 (busy, 'still training under another runner (rerun this '
                                        'command after it to tabulate them)')) if rs]
    if problems:
        raise SystemExit('; '.join(problems))
    return records


def load_compare_runs():
    spec = importlib.util.spec_from_file_location(
        'compare_runs', osp.join(osp.dirname(osp.abspath(__file__)), 'compare_runs.py'))
    compare_runs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare_runs)
    return compare_runs


def grid(configs, variants, work_root, common_options=''):
    """``[(name, work_dir, argv)]`` of the training commands."""
    variants = variants or [(None, '')]
    jobs = []
    for config in configs:
        stem = osp.splitext(osp.basename(config))[0]
        for vname, options in variants:
            if vname is None:
                name = stem
            elif len(configs) == 1:
                name = vname
            else:
                name = f'{stem}_{vname}'
            work_dir = osp.join(work_root, name)
            argv = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
                    '--work-dir', work_dir]
            opts = shlex.split(common_options) + shlex.split(options)
            if opts:
                argv += ['--cfg-options', *opts]
            jobs.append((name, work_dir, argv))
    names = [j[0] for j in jobs]
    if len(set(names)) != len(names):
        raise SystemExit(f'duplicate run names {names}: give configs/variants unique names')
    return jobs


def has_results(work_dir):
    from seglab.analysis.run_results import load_run
    try:
        load_run(work_dir)
    except (FileNotFoundError, ValueError):
        return False
    return True


def main(argv=None):
    args = parse_args(argv)
    if args.grid:
        args.configs = args.configs + grid_configs(args.grid)
    if not args.configs:
        raise SystemExit('give CONFIG... or --grid NAME')
    if args.seeds:
        return main_seeds(args)
    jobs = grid(args.configs, args.variant, args.work_root, args.common_options)
    for name, work_dir, cmd in jobs:
        print(shlex.join(cmd))
        if not args.run:
            continue
        if args.skip_finished and osp.isdir(work_dir) and has_results(work_dir):
            print(f'  {name}: already finished, skipped')
            continue
        proc = subprocess.run(cmd)
        if proc.returncode != 0:
            print(f'  {name}: training failed (exit {proc.returncode})', file=sys.stderr)
    finished = [(n, w) for n, w, _ in jobs if osp.isdir(w) and has_results(w)]
    if not finished:
        print('no finished run yet: run the commands above (or pass --run), then call this '
              'again to get the table')
        return []
    compare_runs = load_compare_runs()
    table_args = [w for _, w in finished] + ['--names'] + [n for n, _ in finished]
    if args.baseline and args.baseline in [n for n, _ in finished]:
        table_args += ['--baseline', args.baseline]
    if args.out:
        table_args += ['--out', args.out]
    compare_runs.main(table_args)
    return [n for n, _ in finished]


if __name__ == '__main__':
    main()
