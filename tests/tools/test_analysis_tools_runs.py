"""compare_runs / plot_curves / significance on two tiny real training runs."""
import csv
import json
import math
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from seglab.evaluation.metric_files import (DETAILED_METRICS, DETAILED_METRICS_CSV,
                                            DETAILED_METRICS_HISTORY, PER_IMAGE, SCALARS)

import helpers
from helpers import REPO, SMOKE_CONFIG, tool_env

TOOLS = ('compare_runs', 'plot_curves', 'significance')


def load_tool(name):
    return helpers.load_tool(f'tools/analysis_tools/{name}.py', f'analysis_{name}')


@pytest.fixture(scope='session')
def two_runs(synthetic_voc_root, tmp_path_factory):
    """Two 8-iteration runs (seeds 1, 2) validated at iterations 4 and 8 with
    DetailedIoUMetric(per_image=True, batch_averaged=True, output_dir=WORK_DIR/val_preds)."""
    root = tmp_path_factory.mktemp('eval_runs')
    env = tool_env()
    dirs = []
    for seed in (1, 2):
        work_dir = str(root / f'seed{seed}')
        options = [f'{loader}.dataset.data_root={synthetic_voc_root}'
                   for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
        options += ['val_evaluator.type=DetailedIoUMetric', 'val_evaluator.per_image=True',
                    'val_evaluator.batch_averaged=True', 'train_cfg.val_interval=4',
                    f'randomness.seed={seed}', 'default_hooks.checkpoint.interval=8',
                    # prediction PNGs of the last validation, for qualitative/confusion
                    f'val_evaluator.output_dir={work_dir}/val_preds']
        proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'train.py'),
                               SMOKE_CONFIG, '--work-dir', work_dir, '--cfg-options',
                               *options], env=env, capture_output=True, text=True,
                              timeout=240)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        dirs.append(work_dir)
    return dirs


def log_dir(work_dir):
    (stamp,) = [d for d in os.listdir(work_dir) if re.fullmatch(r'\d{8}_\d{6}', d)]
    return osp.join(work_dir, stamp)


def nan_equal(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)


FIGURE_TOOLS = ('qualitative', 'confusion_matrix', 'ablation')


@pytest.mark.parametrize('tool', TOOLS + FIGURE_TOOLS)
def test_tools_have_help(tool, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_tool(tool).main(['--help'])
    assert exit_info.value.code == 0
    assert 'usage:' in capsys.readouterr().out


def test_metric_files_agree_with_the_logged_scalars(two_runs):
    for work_dir in two_runs:
        d = log_dir(work_dir)
        detailed = json.load(open(osp.join(d, DETAILED_METRICS)))
        scalars = [json.loads(line) for line in open(osp.join(d, SCALARS))]
        val = [r for r in scalars if 'mIoU' in r]
        assert [r['step'] for r in val] == [4, 8]
        assert detailed['step'] == 8 and detailed['num_images'] == 8
        assert detailed['iter'] == 8 and detailed['stage'] == 'val'
        for key, value in detailed['summary'].items():
            assert nan_equal(val[-1][key], value), key
        for cls, row in detailed['per_class'].items():
            assert nan_equal(val[-1][f'IoU.{cls}'], float('nan') if row['IoU'] is None
                             else row['IoU'])
        history = open(osp.join(d, DETAILED_METRICS_HISTORY)).read().splitlines()
        assert [json.loads(h)['step'] for h in history] == [4, 8]
        per_image = [json.loads(line) for line in open(osp.join(d, PER_IMAGE))]
        assert len(per_image) == 8
        # val batch size 1: study 000's batch average is the mean per-image mIoU.
        assert detailed['summary']['mIoU_batch_avg'] == pytest.approx(
            round(100 * np.mean([p['mIoU'] for p in per_image]), 2), abs=0.011)


def test_compare_runs_table_matches_metric_files(two_runs, tmp_path):
    with open(osp.join(two_runs[1], 'benchmark.json'), 'w') as f:
        json.dump(dict(params=1234567, flops=2.5e9, images_per_s=42.0), f)
    prefix = str(tmp_path / 'cmp' / 'table')
    load_tool('compare_runs').main([*two_runs, '--baseline', 'seed1', '--out', prefix])
    rows = list(csv.DictReader(open(prefix + '.csv')))
    assert [r['run'] for r in rows] == ['seed1', 'seed2']
    details = [json.load(open(osp.join(log_dir(w), DETAILED_METRICS))) for w in two_runs]
    for row, detailed in zip(rows, details):
        for key in ('aAcc', 'mIoU', 'mAcc', 'mDice', 'mBIoU', 'mIoU_batch_avg'):
            assert float(row[key]) == detailed['summary'][key], key
        for cls, values in detailed['per_class'].items():
            if f'IoU.{cls}' in row and values['IoU'] is not None:
                assert float(row[f'IoU.{cls}']) == values['IoU']
    m1, m2 = (d['summary']['mIoU'] for d in details)
    assert rows[0]['mIoU_rel_improvement_%'] == ''
    assert float(rows[1]['mIoU_rel_improvement_%']) == pytest.approx((m2 - m1) / m1 * 100)
    assert rows[0]['params'] == '' and float(rows[1]['params']) == 1234567
    assert float(rows[1]['images_per_s']) == 42.0
    markdown = open(prefix + '.md').read()
    assert f'{(m2 - m1) / m1 * 100:+.1f}%' in markdown
    assert '| 1.23 | 2.50 | 42.00 |' in markdown  # M params, GFLOPs, images/s
    assert '| background |' in markdown
    os.remove(osp.join(two_runs[1], 'benchmark.json'))


def test_compare_runs_falls_back_to_scalars_json(two_runs, tmp_path, capsys):
    copy = str(tmp_path / 'plain_iou_run')
    shutil.copytree(two_runs[0], copy)
    d = log_dir(copy)
    expected = json.load(open(osp.join(d, DETAILED_METRICS)))['summary']
    for name in (DETAILED_METRICS, DETAILED_METRICS_CSV, PER_IMAGE,
                 DETAILED_METRICS_HISTORY):
        os.remove(osp.join(d, name))
    load_tool('compare_runs').main([copy, two_runs[1]])
    out = capsys.readouterr().out
    line = [x for x in out.splitlines() if x.startswith('| plain_iou_run |')][0]
    assert f"| {expected['aAcc']:.2f} | {expected['mIoU']:.2f} |" in line


def test_plot_curves_writes_png_of_requested_size(two_runs, tmp_path):
    from PIL import Image
    out = str(tmp_path / 'curves.png')
    load_tool('plot_curves').main([*two_runs, '--out', out, '--size', '8', '3', '--dpi', '50'])
    with Image.open(out) as image:
        assert image.size == (400, 150)
        pixels = np.asarray(image.convert('L'))
    assert pixels.std() > 5  # something was drawn


def test_significance_on_real_runs_pairs_all_images(two_runs, tmp_path):
    result = load_tool('significance').main([*two_runs, '--json', str(tmp_path / 'sig.json')])
    assert result['n'] == 8
    assert json.load(open(tmp_path / 'sig.json'))['n'] == 8


def test_significance_matches_scipy_on_synthetic_pairs(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.2, 0.8, 40)
    b = np.clip(a + rng.normal(0.03, 0.05, 40), 0, 1)
    for name, scores in (('a', a), ('b', b)):
        with open(tmp_path / f'{name}.jsonl', 'w') as f:
            for i, s in enumerate(scores):
                f.write(json.dumps(dict(img_path=f'img_{i:03d}.jpg', mIoU=s, IoU={})) + '\n')
        # an image only in one file and an image with no valid class: not paired
        with open(tmp_path / f'{name}.jsonl', 'a') as f:
            f.write(json.dumps(dict(img_path=f'only_{name}.jpg', mIoU=0.5, IoU={})) + '\n')
            f.write(json.dumps(dict(img_path='empty.jpg', mIoU=None, IoU={})) + '\n')
    result = load_tool('significance').main([str(tmp_path / 'a.jsonl'),
                                             str(tmp_path / 'b.jsonl')])
    diff = b - a
    assert result['n'] == 40
    assert result['wilcoxon_p'] == pytest.approx(stats.wilcoxon(b, a).pvalue)
    assert result['wilcoxon_statistic'] == pytest.approx(stats.wilcoxon(b, a).statistic)
    assert result['ttest_p'] == pytest.approx(stats.ttest_rel(b, a).pvalue)
    t_manual = diff.mean() / (diff.std(ddof=1) / np.sqrt(40))
    assert result['ttest_statistic'] == pytest.approx(t_manual)
    assert result['cohens_dz'] == pytest.approx(diff.mean() / diff.std(ddof=1))


def test_significance_names_a_missing_per_image_file(tmp_path):
    (tmp_path / '20260101_000000').mkdir()
    with pytest.raises(FileNotFoundError, match='per_image=True'):
        load_tool('significance').main([str(tmp_path), str(tmp_path)])


@pytest.fixture(scope='session')
def test_run(two_runs, synthetic_voc_root, tmp_path_factory):
    """``tools/test.py CKPT --out PRED_DIR`` of the first run's final checkpoint."""
    root = tmp_path_factory.mktemp('eval_test_run')
    env = tool_env()
    pred_dir, test_dir = str(root / 'preds'), str(root / 'test')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), SMOKE_CONFIG,
         osp.join(two_runs[0], 'iter_8.pth'), '--work-dir', test_dir, '--out', pred_dir,
         '--cfg-options', f'test_dataloader.dataset.data_root={synthetic_voc_root}',
         'test_evaluator.type=DetailedIoUMetric'],
        env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return pred_dir, test_dir


def data_root_option(voc_root):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={voc_root}']


def test_test_run_reproduces_the_final_validation(two_runs, test_run):
    from PIL import Image
    pred_dir, test_dir = test_run
    val = json.load(open(osp.join(log_dir(two_runs[0]), DETAILED_METRICS)))
    test = json.load(open(osp.join(log_dir(test_dir), DETAILED_METRICS)))
    assert test['stage'] == 'test' and test['summary'] == {
        k: v for k, v in val['summary'].items() if k != 'mIoU_batch_avg'}
    val_preds = osp.join(two_runs[0], 'val_preds')
    names = sorted(os.listdir(pred_dir))
    assert len(names) == 8 and names == sorted(os.listdir(val_preds))
    for name in names:
        np.testing.assert_array_equal(np.asarray(Image.open(osp.join(pred_dir, name))),
                                      np.asarray(Image.open(osp.join(val_preds, name))))


def test_confusion_matrix_matches_metric_areas(test_run, synthetic_voc_root, tmp_path):
    pred_dir, test_dir = test_run
    out = str(tmp_path / 'confusion.png')
    counts = load_tool('confusion_matrix').main(
        [SMOKE_CONFIG, pred_dir, '--out', out, *data_root_option(synthetic_voc_root)])
    per_class = json.load(open(osp.join(log_dir(test_dir), DETAILED_METRICS)))[
        'per_class']
    areas = np.array([[v['area_intersect'], v['area_label'], v['area_pred']]
                      for v in per_class.values()])
    np.testing.assert_array_equal(np.diag(counts), areas[:, 0])
    np.testing.assert_array_equal(counts.sum(1), areas[:, 1])
    np.testing.assert_array_equal(counts.sum(0), areas[:, 2])
    rows = list(csv.reader(open(str(tmp_path / 'confusion.csv'))))
    assert rows[0][1:] == list(per_class) and int(rows[1][1]) == counts[0, 0]
    assert osp.getsize(out) > 0


def test_qualitative_picks_the_largest_disagreements(two_runs, synthetic_voc_root, tmp_path):
    from PIL import Image
    pred_a, pred_b = (osp.join(w, 'val_preds') for w in two_runs)
    gt_dir = osp.join(synthetic_voc_root, 'SegmentationClass')
    scores = {}
    for name in sorted(os.listdir(pred_a)):
        gt = np.asarray(Image.open(osp.join(gt_dir, name)))
        a = np.asarray(Image.open(osp.join(pred_a, name)))
        b = np.asarray(Image.open(osp.join(pred_b, name)))
        valid = gt != 255
        scores[osp.splitext(name)[0]] = (a[valid] != b[valid]).mean()
    expected = sorted(scores, key=lambda k: -scores[k])[:3]
    out = str(tmp_path / 'qualitative.png')
    picked = load_tool('qualitative').main(
        [SMOKE_CONFIG, pred_a, pred_b, '--names', 'A', 'B', '--num', '3', '--out', out,
         '--min-difference', '0', *data_root_option(synthetic_voc_root)])
    assert [osp.splitext(p)[0] for p in picked] == expected
    with Image.open(out) as image:
        assert image.size == (880, 660)  # 4 columns x 3 rows of 2.2 inch at 100 dpi
    # Default picking skips near copies of an image already picked (greedy by rank).
    from seglab.analysis.predictions import thumbnail
    thumbs = {osp.splitext(n)[0]: thumbnail(np.asarray(Image.open(
        osp.join(synthetic_voc_root, 'JPEGImages', n)).convert('RGB')))
        for n in os.listdir(osp.join(synthetic_voc_root, 'JPEGImages'))}
    greedy = []
    for stem in sorted(scores, key=lambda k: -scores[k]):
        if len(greedy) < 3 and all(np.abs(thumbs[stem] - thumbs[g]).mean() >= 0.1
                                   for g in greedy):
            greedy.append(stem)
    distinct = load_tool('qualitative').main(
        [SMOKE_CONFIG, pred_a, pred_b, '--num', '3', '--out', out, '--dpi', '50',
         *data_root_option(synthetic_voc_root)])
    assert [osp.splitext(p)[0] for p in distinct] == greedy
    with Image.open(out) as image:
        assert image.size == (440, 330)
    chosen = load_tool('qualitative').main(
        [SMOKE_CONFIG, pred_a, '--images', expected[-1], '--out', out,
         *data_root_option(synthetic_voc_root)])
    assert [osp.splitext(p)[0] for p in chosen] == [expected[-1]]


def test_ablation_prints_commands_and_tabulates_finished_runs(two_runs, tmp_path, capsys):
    root = osp.dirname(two_runs[0])
    prefix = str(tmp_path / 'ablation')
    names = load_tool('ablation').main(
        [SMOKE_CONFIG, '--variant', 'seed1', 'randomness.seed=1', '--variant', 'seed2',
         'randomness.seed=2', '--variant', 'seed3', 'randomness.seed=3',
         '--work-root', root, '--baseline', 'seed2', '--out', prefix])
    out = capsys.readouterr().out
    assert names == ['seed1', 'seed2']  # seed3 never ran
    assert f'--work-dir {osp.join(root, "seed3")} --cfg-options randomness.seed=3' in out
    rows = list(csv.DictReader(open(prefix + '.csv')))
    assert [r['run'] for r in rows] == ['seed1', 'seed2']
    assert rows[1]['mIoU_rel_improvement_%'] == ''  # seed2 is the baseline


@pytest.mark.slow
def test_ablation_runs_a_variant_grid(synthetic_voc_root, tmp_path, capsys):
    common = ' '.join([f'{loader}.dataset.data_root={synthetic_voc_root}'
                       for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
                      + ['val_evaluator.type=DetailedIoUMetric', 'train_cfg.max_iters=4'])
    prefix = str(tmp_path / 'table')
    names = load_tool('ablation').main(
        [SMOKE_CONFIG, '--variant', 'lr_high', 'optim_wrapper.optimizer.lr=0.01',
         '--variant', 'lr_low', 'optim_wrapper.optimizer.lr=0.0001',
         '--common-options', common, '--work-root', str(tmp_path / 'runs'), '--run',
         '--baseline', 'lr_low', '--out', prefix])
    assert names == ['lr_high', 'lr_low']
    rows = list(csv.DictReader(open(prefix + '.csv')))
    for row, name in zip(rows, names):
        detailed = json.load(open(osp.join(log_dir(str(tmp_path / 'runs' / name)),
                                           DETAILED_METRICS)))
        assert detailed['step'] == 4 and float(row['mIoU']) == detailed['summary']['mIoU']
