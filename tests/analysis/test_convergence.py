"""The convergence criterion against hand-computed seed means."""
import json

from seglab.analysis.arms import load_arm
from seglab.analysis.convergence import arm_convergence, convergence_table, to_markdown


def _run(folder, val_miou, iters_per_eval=10, finished=True):
    vis = folder / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = []
    for i, miou in enumerate(val_miou, 1):
        lines.append({'loss': 1.0 / i, 'step': i * iters_per_eval})
        lines.append({'mIoU': miou, 'step': i * iters_per_eval})
    (vis / 'scalars.json').write_text(''.join(json.dumps(x) + '\n' for x in lines))
    if finished:
        (folder / 'ablation_run.json').write_text('{}')


def test_still_climbing_and_flat_arms(tmp_path):
    # 10 evaluations at iterations 10..100: the window is iterations 80..100
    _run(tmp_path / 'climb' / 'seed0', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    _run(tmp_path / 'climb' / 'seed1', [1, 2, 3, 4, 5, 6, 7, 9, 11, 13])
    _run(tmp_path / 'flat' / 'seed0', [5, 9, 9, 9, 9, 9, 9, 20.0, 20.5, 20.2])
    _run(tmp_path / 'flat' / 'seed1', [5, 9, 9, 9, 9, 9, 9, 20.4, 20.1, 20.6])
    climb = arm_convergence(str(tmp_path / 'climb'))
    assert climb['window'] == (80, 100) and climb['n_seeds'] == 2
    assert climb['mean_start'] == 8.5 and climb['mean_end'] == 11.5  # (8+9)/2, (10+13)/2
    assert climb['range'] == 3.0 and climb['flat'] is False
    flat = arm_convergence(str(tmp_path / 'flat'))
    # seed means 20.2, 20.3, 20.4 over the window: range 0.2 (the jump before it is ignored)
    assert abs(flat['range'] - 0.2) < 1e-9 and flat['flat'] is True
    _run(tmp_path / 'swing' / 'seed0', [1, 2, 3, 4, 5, 6, 7, 10, 14, 10])
    swing = arm_convergence(str(tmp_path / 'swing'))
    assert swing['delta'] == 0 and swing['range'] == 4 and swing['flat'] is False
    table = convergence_table([load_arm(str(tmp_path / 'climb'), 'climbing'),
                               load_arm(str(tmp_path / 'flat'), 'flat')])
    text = to_markdown(table)
    assert '| climbing | 2 | 80-100 | 8.50 | 11.50 | 3.00 | **still moving** |' in text
    assert '| flat | 2 | 80-100 | 20.20 | 20.40 | 0.20 | flat |' in text


def test_unfinished_seeds_are_left_out_and_one_evaluation_is_undecided(tmp_path):
    _run(tmp_path / 'arm' / 'seed0', [1, 2, 3, 4, 5])
    _run(tmp_path / 'arm' / 'seed1', [9, 9, 9, 9, 9], finished=False)
    result = arm_convergence(str(tmp_path / 'arm'))
    assert result['n_seeds'] == 1 and result['mean_end'] == 5
    _run(tmp_path / 'one' / 'seed0', [7])
    assert arm_convergence(str(tmp_path / 'one'))['flat'] is None
