"""tools/misc/export_runs.py: finished seeds copied without checkpoints, others skipped."""
from helpers import load_tool


def _tool():
    return load_tool('tools/misc/export_runs.py', 'export_runs')


def _touch(path, text='x'):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_export_copies_results_and_leaves_checkpoints(tmp_path, capsys):
    src, dest = tmp_path / 'work', tmp_path / 'repo' / 'runs'
    run = src / 'ce' / 'seed0'
    kept = ['ablation_run.json', '20260101_000000/20260101_000000.log',
            '20260101_000000/detailed_metrics.json', '20260101_000000/per_image.jsonl',
            '20260101_000000/vis_data/scalars.json']
    dropped = ['cfg.py', 'epoch_10.pth', 'best_mIoU_epoch_3.pth', 'last_checkpoint', 'train_output.log',
               'ablation.lock',
               '20260101_000000/vis_data/20260101_000000.json',
               '20260101_000000/vis_data/config.py', '.epoch_11.pth.tmp']
    for rel in kept + dropped:
        _touch(run / rel)
    _touch(src / 'ce' / 'seed1' / 'epoch_1.pth')  # unfinished: no ablation_run.json
    tool = _tool()
    tool.main([str(src), str(dest)])
    assert capsys.readouterr().out.strip() == 'exported ce/seed0'
    copied = sorted(str(p.relative_to(dest / 'ce' / 'seed0'))
                    for p in (dest / 'ce' / 'seed0').rglob('*') if p.is_file())
    assert copied == sorted(kept)
    assert not (dest / 'ce' / 'seed1').exists()
    tool.main([str(src), str(dest)])  # already exported: left as it is
    assert capsys.readouterr().out.strip() == 'nothing new to export'


def test_missing_source_is_named(tmp_path):
    import pytest
    with pytest.raises(SystemExit, match='nope: no such folder'):
        _tool().main([str(tmp_path / 'nope'), str(tmp_path / 'dest')])
