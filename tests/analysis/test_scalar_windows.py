"""Window means of a logged training scalar against hand-computed values."""
import json
import math

import pytest

from seglab.analysis.scalar_windows import arm_windows, to_markdown, window_means, windows_of

import helpers


def _run(folder, ratios, every=10, finished=True, key='decode.cdfl_df_to_ce'):
    vis = folder / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [{'loss': 1.0, key: r, 'step': (i + 1) * every} for i, r in enumerate(ratios)]
    lines.append({'mIoU': 50.0, 'step': len(ratios) * every})  # a validation line: ignored
    (vis / 'scalars.json').write_text(''.join(json.dumps(x) + '\n' for x in lines))
    if finished:
        (folder / 'ablation_run.json').write_text('{}')


def test_windows_cover_training_in_equal_spans():
    assert windows_of(1000, 4) == [(0, 250), (250, 500), (500, 750), (750, 1000)]
    with pytest.raises(ValueError, match='n_windows must be >= 1, got 0'):
        windows_of(1000, 0)
    # (start, end]: the point at 20 is in the first window, not the second
    assert window_means([(10, 1.0), (20, 3.0), (30, 5.0)], [(0, 20), (20, 40), (40, 60)])[:2] \
        == [2.0, 5.0]
    assert math.isnan(window_means([(10, 1.0)], [(10, 20)])[0])


def test_arm_table_means_and_seed_range(tmp_path):
    # 8 logs at iterations 10..80, two windows (0, 40] and (40, 80]
    _run(tmp_path / 'arm' / 'seed0', [1, 2, 3, 4, 5, 6, 7, 8])
    _run(tmp_path / 'arm' / 'seed1', [3, 4, 5, 6, 7, 8, 9, 10])
    _run(tmp_path / 'arm' / 'seed2', [100] * 8, finished=False)  # still running: left out
    t = arm_windows(str(tmp_path / 'arm'), 'decode.cdfl_df_to_ce', 2)
    assert t['n_seeds'] == 2 and t['windows'] == [(0, 40), (40, 80)]
    # seed0: 2.5, 6.5; seed1: 4.5, 8.5
    assert t['mean'] == [3.5, 7.5] and t['low'] == [2.5, 6.5] and t['high'] == [4.5, 8.5]
    text = to_markdown({'CDFL': t}, '.1f')
    assert '| Arm | seeds | iter 1-40 | iter 41-80 |' in text
    assert '| CDFL | 2 | 3.5 (2.5-4.5) | 7.5 (6.5-8.5) |' in text


def test_an_arm_that_never_logged_the_key_is_named(tmp_path):
    _run(tmp_path / 'ce' / 'seed0', [1, 2], key='decode.loss_ce')
    with pytest.raises(ValueError, match=r"ce: no run logged 'decode.cdfl_df_to_ce'"):
        arm_windows(str(tmp_path / 'ce'), 'decode.cdfl_df_to_ce')


def test_tool_writes_markdown_and_csv(tmp_path):
    main = helpers.load_tool('tools/analysis_tools/logged_scalar_table.py',
                             'logged_scalar_table').main
    _run(tmp_path / 'arm' / 'seed0', [1e-7, 3e-7, 5e-7, 7e-7])
    main([str(tmp_path / 'arm'), '--key', 'decode.cdfl_df_to_ce', '--windows', '2',
          '--names', 'CDFL (ω = 0.01)', '--out', str(tmp_path / 'ratio')])
    assert '| CDFL (ω = 0.01) | 1 | 2.00e-07 (2.00e-07-2.00e-07) | 6.00e-07' \
        in (tmp_path / 'ratio.md').read_text()
    rows = (tmp_path / 'ratio.csv').read_text().splitlines()
    assert rows[0] == 'arm,n_seeds,window_start,window_end,mean,min,max'
    assert rows[2].startswith('CDFL (ω = 0.01),1,20,40,6')
