"""Resolve every shipped config to a plain, path-independent dict.

``python tests/configs/resolved_snapshot.py`` rewrites ``tests/configs/resolved_configs.json``:
run it only when a config change is intended, and say in the commit what changed and why.
"""
import glob
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SNAPSHOT = osp.join(REPO, 'tests', 'configs', 'resolved_configs.json')


def _portable(value):
    """The resolved dict with the checkout's absolute path replaced by ``<repo>``."""
    if isinstance(value, dict):
        return {str(k): _portable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_portable(v) for v in value]
    if isinstance(value, str):
        return value.replace(REPO, '<repo>')
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return repr(value)


def config_paths():
    paths = glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, REPO) for p in paths if '_base_' not in p.split(osp.sep))


def resolve(rel_path):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, rel_path))
    return _portable(cfg.to_dict())


def main():
    sys.path.insert(0, REPO)
    snapshot = {p: resolve(p) for p in config_paths()}
    with open(SNAPSHOT, 'w') as f:
        for path, cfg in snapshot.items():  # one config per line: reviewable diffs
            f.write(json.dumps({path: cfg}, sort_keys=True) + '\n')
    print(f'{len(snapshot)} configs -> {osp.relpath(SNAPSHOT, REPO)}')


if __name__ == '__main__':
    main()
