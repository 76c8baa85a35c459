"""DetailedIoUMetric and boundary IoU against hand-made masks and independent numpy loops."""
import csv
import json
import math

import numpy as np
import pytest
import torch

import seglab  # noqa: F401
from mmseg.registry import METRICS
from seglab.evaluation.boundary import (boundary_intersect_and_union, boundary_width,
                                        mask_boundary)
from seglab.evaluation.metric_files import (AREA_KEYS, BOUNDARY_METRIC, CLASS_METRICS,
                                            DETAILED_METRICS, DETAILED_METRICS_CSV,
                                            DETAILED_METRICS_HISTORY, PER_IMAGE,
                                            PER_IMAGE_KEYS, RECORD_KEYS, area_column)


def ref_boundary(mask: np.ndarray, d: int) -> np.ndarray:
    """Cheng et al.'s mask_to_boundary: zero pad 1, d iterations of a 3x3 erosion."""
    m = np.pad(mask.astype(bool), 1)
    for _ in range(d):
        e = np.zeros_like(m)
        for y in range(1, m.shape[0] - 1):
            for x in range(1, m.shape[1] - 1):
                e[y, x] = m[y - 1:y + 2, x - 1:x + 2].all()
        m = e
    return mask.astype(bool) & ~m[1:-1, 1:-1]


def sample(pred, gt, path='img.png'):
    return dict(pred_sem_seg=dict(data=torch.as_tensor(np.asarray(pred))[None]),
                gt_sem_seg=dict(data=torch.as_tensor(np.asarray(gt))[None]), img_path=path)


def make_metric(tmp_path, classes=('background', 'object'), **kwargs):
    metric = METRICS.build(dict(type='DetailedIoUMetric', metrics_dir=str(tmp_path), **kwargs))
    metric.dataset_meta = dict(classes=classes)
    return metric


def run_batches(metric, batches):
    for batch in batches:
        metric.process({}, [sample(*s) for s in batch])
    return metric.evaluate(sum(len(b) for b in batches))


def test_boundary_width_follows_the_diagonal():
    assert boundary_width(300, 400, 0.02) == 10  # 0.02 * 500
    assert boundary_width(10, 10, 0.02) == 1  # at least one pixel
    with pytest.raises(ValueError, match='dilation_ratio'):
        boundary_width(10, 10, 0.0)


def test_full_mask_boundary_is_the_image_border():
    boundary = mask_boundary(torch.ones(5, 5, dtype=torch.bool), 1).numpy()
    expected = np.ones((5, 5), bool)
    expected[1:-1, 1:-1] = False
    np.testing.assert_array_equal(boundary, expected)


@pytest.mark.parametrize('d', [1, 2, 3])
def test_mask_boundary_matches_iterated_3x3_erosion(d):
    rng = np.random.default_rng(d)
    for _ in range(3):
        mask = rng.random((13, 17)) > 0.35
        np.testing.assert_array_equal(mask_boundary(torch.from_numpy(mask), d).numpy(),
                                      ref_boundary(mask, d))


@pytest.mark.parametrize('d', [1, 2, 5])
def test_all_class_boundary_areas_match_per_class_erosion(d):
    rng = np.random.default_rng(10 + d)
    # blobby multi-class maps (upsampled noise) with an ignore band and a class out of view
    gt = np.kron(rng.integers(0, 4, (5, 6)), np.ones((4, 3), np.int64))[:19, :17]
    pred = np.kron(rng.integers(0, 4, (7, 5)), np.ones((3, 4), np.int64))[:19, :17]
    gt[7:9, :] = 255
    inter, union = boundary_intersect_and_union(torch.from_numpy(pred), torch.from_numpy(gt),
                                                5, 255, dilation_ratio=d / math.hypot(19, 17))
    valid = gt != 255
    for c in range(5):
        g = ref_boundary(gt == c, d) & valid
        p = ref_boundary(pred == c, d) & valid
        assert (inter[c].item(), union[c].item()) == ((g & p).sum(), (g | p).sum()), c


def test_stored_results_stay_small(tmp_path):
    import pickle
    metric = make_metric(tmp_path, classes=tuple(f'c{i}' for i in range(21)), per_image=True)
    gt = np.random.default_rng(0).integers(0, 21, (256, 256))
    metric.process({}, [sample(gt, gt, '/data/x.jpg')])
    # six 21-class float64 vectors + path + batch key, whatever the image size
    assert len(pickle.dumps(metric.results)) < 2000


def test_boundary_iou_of_shifted_square_is_one_third():
    gt = np.zeros((10, 10), np.int64)
    gt[2:8, 2:8] = 1
    pred = np.zeros((10, 10), np.int64)
    pred[2:8, 3:9] = 1
    # d = round(0.05 * 14.14) = 1: each 6x6 ring has 20 pixels, they share the 2 x 5 pixels
    # of the top and bottom rows -> 10 / 30.
    inter, union = boundary_intersect_and_union(torch.from_numpy(pred), torch.from_numpy(gt),
                                                2, 255, dilation_ratio=0.05)
    assert (inter[1].item(), union[1].item()) == (10, 30)
    g0, p0 = ref_boundary(gt == 0, 1), ref_boundary(pred == 0, 1)
    assert (inter[0].item(), union[0].item()) == ((g0 & p0).sum(), (g0 | p0).sum())


def test_boundary_iou_excludes_ignore_pixels():
    gt = np.zeros((10, 10), np.int64)
    gt[2:8, 2:8] = 1
    gt[:, 8:] = 255
    pred = gt.copy()
    pred[:, 8:] = 1  # predictions inside the ignore band must not count
    inter, union = boundary_intersect_and_union(torch.from_numpy(pred), torch.from_numpy(gt),
                                                2, 255, dilation_ratio=0.05)
    valid = gt != 255
    for c in (0, 1):
        g = ref_boundary(gt == c, 1) & valid
        p = ref_boundary(pred == c, 1) & valid
        assert (inter[c].item(), union[c].item()) == ((g & p).sum(), (g | p).sum())


def test_batch_averaged_differs_from_dataset_miou_as_by_hand(tmp_path):
    metric = make_metric(tmp_path, batch_averaged=True, boundary_iou=False)
    all0 = np.zeros((2, 2), np.int64)
    all1 = np.ones((2, 2), np.int64)
    half = np.array([[1, 1], [0, 0]])
    # batch 1 = a + b: class 0 I=4+0 U=4+2 (2/3), class 1 I=0+2 U=0+4 (1/2) -> 7/12
    # batch 2 = c:      class 0 I=0 U=2 (0),       class 1 I=2 U=4 (1/2)     -> 1/4
    # batch average: (7/12 + 1/4) / 2 = 5/12 = 0.41667
    # dataset: class 0 I=4 U=8, class 1 I=4 U=8 -> 0.5
    metrics = run_batches(metric, [[(all0, all0, 'a.png'), (half, all1, 'b.png')],
                                   [(half, all1, 'c.png')]])
    assert metrics['mIoU_batch_avg'] == round(100 * 5 / 12, 2) == 41.67
    assert metrics['mIoU'] == 50.0
    assert metrics['IoU.background'] == 50.0 and metrics['IoU.object'] == 50.0


def test_batch_average_skips_classes_absent_from_a_batch(tmp_path):
    metric = make_metric(tmp_path, classes=('a', 'b', 'c'), batch_averaged=True,
                         boundary_iou=False)
    gt1 = np.array([[0, 0], [0, 0]])  # only class a present in batch 1: mIoU 1.0
    gt2 = np.array([[1, 2], [1, 2]])
    pred2 = np.array([[1, 1], [1, 2]])  # b: 2/3, c: 1/2 ; a absent -> (2/3 + 1/2) / 2
    metrics = run_batches(metric, [[(gt1, gt1)], [(pred2, gt2)]])
    assert metrics['mIoU_batch_avg'] == round(100 * (1 + (2 / 3 + 1 / 2) / 2) / 2, 2)


def test_ignore_pixels_are_excluded_everywhere(tmp_path):
    gt = np.array([[0, 0, 255], [1, 1, 255]])
    pred_a = np.array([[0, 0, 1], [1, 1, 0]])
    pred_b = np.array([[0, 0, 0], [1, 1, 1]])
    ma = run_batches(make_metric(tmp_path / 'a'), [[(pred_a, gt)]])
    mb = run_batches(make_metric(tmp_path / 'b'), [[(pred_b, gt)]])
    assert ma == mb
    assert ma['mIoU'] == ma['aAcc'] == 100.0 and ma['mBIoU'] == 100.0


def test_per_class_metrics_match_numpy_and_saved_files(tmp_path):
    rng = np.random.default_rng(0)
    classes = ('background', 'cat', 'dog', 'car')
    metric = make_metric(tmp_path, classes=classes, batch_averaged=True, per_image=True)
    samples = []
    for i in range(5):
        gt = rng.integers(0, 3, (12, 16))  # 'car' never in GT
        gt[0, :3] = 255
        pred = np.where(rng.random((12, 16)) < 0.7, gt, rng.integers(0, 4, (12, 16)))
        pred[pred == 255] = 0
        samples.append((pred, gt, f'/data/img_{i}.jpg'))
    metrics = run_batches(metric, [samples[:2], samples[2:4], samples[4:]])

    tp = np.zeros(4)
    fp = np.zeros(4)
    fn = np.zeros(4)
    for pred, gt, _ in samples:
        for p, g in zip(pred.ravel(), gt.ravel()):
            if g == 255:
                continue
            if p == g:
                tp[g] += 1
            else:
                fp[p] += 1
                fn[g] += 1
    with np.errstate(invalid='ignore', divide='ignore'):
        expected = dict(IoU=tp / (tp + fp + fn), Acc=tp / (tp + fn),
                        Dice=2 * tp / (2 * tp + fp + fn), Precision=tp / (tp + fp),
                        Recall=tp / (tp + fn))
    for name, values in expected.items():
        for cls, value in zip(classes, values):
            got = metrics[f'{name}.{cls}']
            if np.isnan(value):
                assert math.isnan(got), (name, cls)
            else:
                assert got == pytest.approx(round(value * 100, 2), abs=1e-9), (name, cls)
        assert metrics['m' + name] == pytest.approx(round(np.nanmean(values) * 100, 2))
    assert metrics['IoU.car'] == 0.0 and math.isnan(metrics['Acc.car'])

    saved = json.load(open(tmp_path / DETAILED_METRICS))
    assert tuple(saved) == RECORD_KEYS
    assert all(tuple(row) == CLASS_METRICS + (BOUNDARY_METRIC,) + tuple(
        area_column(k) for k in AREA_KEYS) for row in saved['per_class'].values())
    assert saved['num_images'] == 5
    for key, value in saved['summary'].items():
        assert value == metrics[key], key
    rows = list(csv.DictReader(open(tmp_path / DETAILED_METRICS_CSV)))
    assert [r['Class'] for r in rows] == list(classes)
    for row in rows:
        assert int(row['area_intersect']) == tp[classes.index(row['Class'])]
        for name in ('IoU', 'Acc', 'Dice', 'Precision', 'Recall', 'BIoU'):
            json_value = saved['per_class'][row['Class']][name]
            if json_value is None:
                assert row[name] == ''
            else:
                assert float(row[name]) == json_value
                if name != 'BIoU':
                    assert json_value == metrics[f'{name}.{row["Class"]}']
    lines = [json.loads(line) for line in open(tmp_path / PER_IMAGE)]
    assert all(tuple(line) == PER_IMAGE_KEYS for line in lines)
    assert [line['img_path'] for line in lines] == [s[2] for s in samples]
    for line, (pred, gt, _) in zip(lines, samples):
        valid = gt != 255
        ious = []
        for c, cls in enumerate(classes):
            inter = ((pred == c) & (gt == c) & valid).sum()
            union = (((pred == c) | (gt == c)) & valid).sum()
            if union == 0:
                assert line['IoU'][cls] is None
            else:
                assert line['IoU'][cls] == pytest.approx(inter / union)
                ious.append(inter / union)
        assert line['mIoU'] == pytest.approx(np.mean(ious))
    history = open(tmp_path / DETAILED_METRICS_HISTORY).read().splitlines()
    assert len(history) == 1


def test_no_metrics_dir_warns_and_writes_nothing(tmp_path, monkeypatch):
    import seglab.evaluation.metrics.metrics_dir as module
    monkeypatch.setattr(module, 'logger_log_dir', lambda: None)
    metric = METRICS.build(dict(type='DetailedIoUMetric'))
    metric.dataset_meta = dict(classes=('a', 'b'))
    with pytest.warns(UserWarning, match='metrics_dir'):
        metrics = run_batches(metric, [[(np.zeros((3, 3), int), np.zeros((3, 3), int))]])
    assert metrics['mIoU'] == 100.0


def test_the_runner_hands_its_log_dir_to_the_metrics(tmp_path, monkeypatch):
    import seglab.evaluation.metrics.metrics_dir as module
    from mmengine.registry import DefaultScope

    from seglab.engine import SafeResumeRunner
    monkeypatch.setattr(module, 'logger_log_dir', lambda: str(tmp_path / 'from_logger'))
    runner = SafeResumeRunner.__new__(SafeResumeRunner)  # build_evaluator needs log_dir only
    runner._log_dir = str(tmp_path / 'run')
    with DefaultScope.overwrite_default_scope('mmseg'):  # as the Runner sets it
        evaluator = runner.build_evaluator([
            dict(type='DetailedIoUMetric'), dict(type='ImageLevelMetric'),
            dict(type='DetailedIoUMetric', metrics_dir=str(tmp_path / 'named'))])
    assert [m.resolve_metrics_dir() for m in evaluator.metrics] == [
        str(tmp_path / 'run'), str(tmp_path / 'run'), str(tmp_path / 'named')]
    # Under another Runner the log file's folder is the default, as before.
    assert METRICS.build(dict(type='DetailedIoUMetric')).resolve_metrics_dir() == str(
        tmp_path / 'from_logger')


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='class_metrics'):
        METRICS.build(dict(type='DetailedIoUMetric', class_metrics=['F2']))
    with pytest.raises(ValueError, match='boundary_dilation_ratio'):
        METRICS.build(dict(type='DetailedIoUMetric', boundary_dilation_ratio=0))


def test_recorded_iteration_and_epoch_count_what_is_done(tmp_path):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('detailed_metric_epoch_test')
    # During the validation after the 3rd epoch (30 iterations), the hub still holds the
    # 0-based index of that epoch and of the last iteration started.
    hub.update_info('epoch', 2)
    hub.update_info('iter', 29)
    hub.update_info('loop_stage', 'val')
    metric = make_metric(tmp_path)
    run_batches(metric, [[(np.zeros((4, 4), int), np.zeros((4, 4), int), '/d/a/x.png'),
                          (np.ones((4, 4), int), np.ones((4, 4), int), '/d/a/y.png')]])
    record = json.load(open(tmp_path / DETAILED_METRICS))
    assert (record['step'], record['iter'], record['epoch']) == (30, 30, 3)
    assert record['stage'] == 'val' and len(record['image_set']) == 12
