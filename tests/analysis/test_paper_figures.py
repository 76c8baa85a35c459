"""Paper-figure helpers: near-duplicate picking, the class legend, confusion-matrix cells."""

import numpy as np
import pytest

from seglab.analysis.predictions import classes_shown, pick_distinct

import helpers


def load_tool(name):
    return helpers.load_tool(f'tools/analysis_tools/{name}.py', f'figures_{name}')


def test_pick_distinct_skips_near_copies_in_rank_order():
    ramp = np.linspace(0, 250, 64)[None, :, None]
    frame = np.broadcast_to(ramp, (48, 64, 3)).astype(np.int64)  # dark left, bright right
    samples = [dict(name='frame', img=frame),
               dict(name='next_frame', img=np.clip(frame + 6, 0, 255)),  # ~0.02 apart
               dict(name='other', img=255 - frame),
               dict(name='third', img=np.full_like(frame, 20))]
    assert [s['name'] for s in pick_distinct(samples, 3)] == ['frame', 'other', 'third']
    assert [s['name'] for s in pick_distinct(samples, 2, 0.0)] == ['frame', 'next_frame']


def test_classes_shown_leave_out_ignore_and_unknown():
    labels = [np.array([[0, 2], [255, 2]]), np.array([[5, 7]])]
    assert classes_shown(labels, num_classes=6) == [0, 2, 5]


def test_confusion_cells_carry_the_row_normalised_values(tmp_path):
    from PIL import Image
    tool = load_tool('confusion_matrix')
    shown = np.array([[0.75, 0.25, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 0.0]])
    out = str(tmp_path / 'cm.png')
    texts = tool.plot_confusion(shown, ['a', 'b', 'c'], out, 'cm', dpi=50)
    assert texts == ['0.75', '0.25', '', '0.10', '0.90', '', '', '', '']
    with Image.open(out) as image:
        assert image.size == (200, 200)  # 4 inch at 50 dpi
    assert tool.plot_confusion(shown, ['a', 'b', 'c'], out, 'cm', values=False) == []


@pytest.mark.parametrize('tool', ('qualitative', 'confusion_matrix'))
def test_figure_tools_take_dpi(tool):
    module = load_tool(tool)
    args = module.parse_args(['cfg.py', 'preds', '--out', 'x.png', '--dpi', '300'])
    assert args.dpi == 300
