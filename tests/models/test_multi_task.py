"""The study-002 §6 multi-task model: image-level heads, targets, metrics, end to end.

Heads against hand-computed losses; the Oxford-IIIT Pet breed labels and head boxes parsed
from generated files in the official layout; VOC presence / label / box derived from generated
masks against an independent numpy computation; a multi-task config trains, validates, tests
and infers on the synthetic VOC data.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample
from PIL import Image

import seglab  # noqa: F401
from seglab.datasets import OxfordPetDataset
from seglab.evaluation.metric_files import DETAILED_METRICS, IMAGE_METRICS
from seglab.evaluation.metrics.image_level_metric import ImageLevelMetric

from helpers import REPO

VOC_MULTITASK = osp.join(REPO, 'configs', '002_transfer',
                         'multitask_m-v2_1xb32-12e_voc8-256x256_cpu-reduced.py')


def _sample(**fields):
    sample = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32),
                                         pad_shape=(32, 32)))
    for key, value in fields.items():
        setattr(sample, key, value)
    return sample


def _linear_head(head, weight, bias):
    with torch.no_grad():
        head.fc.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        head.fc.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))
    return head


# ----------------------------------------------------------------------------- heads
def test_neck_pools_then_fc_relu_bn():
    init_default_scope('mmseg')
    neck = MODELS.build(dict(type='GlobalPoolFCNeck', in_channels=3, hidden_channels=(4, 2)))
    neck.eval()
    x = torch.randn(2, 3, 5, 7)
    out = neck([torch.zeros(1), x])
    assert out.shape == (2, 2)
    h = x.mean(dim=(2, 3))
    for fc, bn in ((neck.blocks[0], neck.blocks[2]), (neck.blocks[3], neck.blocks[5])):
        h = torch.relu(h @ fc.weight.T + fc.bias)
        h = (h - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    torch.testing.assert_close(out, h)


def test_single_label_head_sparse_ce_and_ignored_label():
    init_default_scope('mmseg')
    head = _linear_head(MODELS.build(dict(type='ImageClassificationHead', in_channels=2,
                                          num_classes=3)),
                        [[1, 0], [0, 1], [1, 1]], [0, 0.5, -1])
    x = torch.tensor([[1., 2.], [0., -1.], [3., 3.]])
    samples = [_sample(gt_label=torch.tensor(2)), _sample(gt_label=torch.tensor(0)),
               _sample(gt_label=torch.tensor(-1))]
    logits = np.array([[1, 2.5, 2], [0, -0.5, -2]])  # the third image has no label
    want = np.mean([np.log(np.exp(row).sum()) - row[t] for row, t in zip(logits, (2, 0))])
    losses = head.loss(x, samples)
    assert list(losses) == ['loss_ce']
    assert abs(losses['loss_ce'].item() - want) < 1e-5
    head.predict(x, samples)
    assert samples[0].pred_label.item() == 1 and samples[0].pred_scores.shape == (3, )
    torch.testing.assert_close(samples[0].pred_scores.sum(), torch.tensor(1.))
    assert abs(head.loss_from_predictions(samples[:2])['loss_ce'].item() - want) < 1e-5


def test_multi_label_head_binary_ce():
    init_default_scope('mmseg')
    head = _linear_head(MODELS.build(dict(type='ImageClassificationHead', in_channels=1,
                                          num_classes=2, multi_label=True)),
                        [[1], [-2]], [0, 1])
    x = torch.tensor([[1.], [2.]])
    target = np.array([[1., 0.], [1., 1.]])
    z = np.array([[1., -1.], [2., -3.]])
    p = 1 / (1 + np.exp(-z))
    want = -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))
    samples = [_sample(gt_presence=torch.tensor(t, dtype=torch.float32)) for t in target]
    assert abs(head.loss(x, samples)['loss_ce'].item() - want) < 1e-5
    head.predict(x, samples)
    torch.testing.assert_close(samples[1].pred_scores, torch.tensor(p[1], dtype=torch.float32))
    assert 'pred_label' not in samples[1]


@pytest.mark.parametrize('box_format', ['xyxy', 'cxcywh'])
def test_box_head_l1_on_valid_boxes(box_format):
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='BoxRegressionHead', in_channels=1, box_format=box_format,
                             loss_weight=2.0))
    _linear_head(head, [[0], [0], [0], [0]], [0, np.log(3), -np.log(3), 0])
    raw = np.array([0.5, 0.75, 0.25, 0.5])  # sigmoid of the biases, for any input
    target = np.array([0.1, 0.2, 0.5, 0.6])
    samples = [_sample(gt_bbox=torch.tensor(target, dtype=torch.float32),
                       gt_bbox_valid=torch.tensor(True)),
               _sample(gt_bbox=torch.zeros(4), gt_bbox_valid=torch.tensor(False))]
    if box_format == 'cxcywh':
        target = np.array([0.3, 0.4, 0.4, 0.4])
    want = 2.0 * np.abs(raw - target).mean()
    x = torch.zeros(2, 1)
    assert abs(head.loss(x, samples)['loss_l1'].item() - want) < 1e-6
    head.predict(x, samples)
    # cx .5, cy .75, w .25, h .5 -> x .375-.625, y .5-1.0
    want_box = raw if box_format == 'xyxy' else np.array([0.375, 0.5, 0.625, 1.0])
    np.testing.assert_allclose(samples[0].pred_bbox.numpy(), want_box, atol=1e-6)


def test_heads_name_the_missing_target():
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='BoxRegressionHead', in_channels=1))
    with pytest.raises(KeyError, match='has no gt_bbox; pack the dataset targets with '
                                       'PackMultiTaskInputs'):
        head.loss(torch.zeros(1, 1), [_sample()])


# ----------------------------------------------------------------------------- segmentor
def _voc_model(**overrides):
    cfg = Config.fromfile(VOC_MULTITASK)
    init_default_scope('mmseg')
    cfg.model.backbone.init_cfg = None
    cfg.model.update(overrides)
    return MODELS.build(cfg.model)


def _voc_batch(num=2, size=64):
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(num, 3, size, size, generator=gen)
    samples = []
    for _ in range(num):
        label = torch.randint(0, 8, (1, size, size), generator=gen)
        sample = _sample(gt_presence=torch.ones(8), gt_label=torch.tensor(1),
                         gt_bbox=torch.tensor([.1, .2, .6, .9]),
                         gt_bbox_valid=torch.tensor(True))
        sample.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size),
                                 pad_shape=(size, size)))
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return inputs, samples


def test_segmentor_logs_each_head_and_predicts_all_outputs():
    torch.manual_seed(0)
    model = _voc_model()
    inputs, samples = _voc_batch()
    model.train()
    losses = model.loss(inputs, samples)
    assert {'decode.loss_ce', 'cls.loss_ce', 'box.loss_l1'} <= set(losses)
    # The image losses are the heads' losses on the pooled backbone output.
    model.eval()
    with torch.no_grad():
        pooled = model.image_neck(model.extract_feat(inputs))
        want = model.image_heads['box'].loss(pooled, samples)['loss_l1']
        model.predict(inputs, samples)
        got = model.image_head_losses_from_predictions(samples)['box.loss_l1']
    torch.testing.assert_close(got, want)
    for field in ('pred_sem_seg', 'seg_logits', 'pred_scores', 'pred_bbox'):
        assert field in samples[0], field
    assert samples[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert samples[0].pred_scores.shape == (8, ) and samples[0].pred_bbox.shape == (4, )


def test_segmentor_without_decode_head_or_without_heads():
    model = _voc_model(decode_head=None)
    assert not model.with_decode_head
    inputs, samples = _voc_batch(num=2)
    model.train()
    assert set(model.loss(inputs, samples)) == {'cls.loss_ce', 'box.loss_l1'}
    model.eval()
    with torch.no_grad():
        (pred, ) = model.predict(inputs[:1])
    assert 'pred_bbox' in pred and 'pred_sem_seg' not in pred
    with pytest.raises(ValueError, match='set model.decode_head, model.image_heads or both'):
        _voc_model(decode_head=None, image_heads=None)


# ----------------------------------------------------------------------------- Oxford Pet
def _write_pet(root, names, xml_boxes, bad=None):
    (root / 'images').mkdir(parents=True)
    (root / 'annotations' / 'trimaps').mkdir(parents=True)
    (root / 'annotations' / 'xmls').mkdir()
    lines = []
    for i, name in enumerate(names):
        Image.fromarray(np.full((40, 60, 3), 100, np.uint8)).save(root / 'images' / f'{name}.jpg')
        Image.fromarray(np.full((40, 60), 2, np.uint8)).save(
            root / 'annotations' / 'trimaps' / f'{name}.png')
        lines.append(f'{name} {i + 5} 1 {i + 1}')
        box = xml_boxes.get(name)
        if box is not None:
            (root / 'annotations' / 'xmls' / f'{name}.xml').write_text(
                '<annotation><filename>{0}.jpg</filename><size><width>60</width>'
                '<height>40</height><depth>3</depth></size><object><name>cat</name>'
                '<bndbox><xmin>{1}</xmin><ymin>{2}</ymin><xmax>{3}</xmax><ymax>{4}</ymax>'
                '</bndbox></object></annotation>'.format(name, *box))
    if bad is not None:
        (root / 'annotations' / 'xmls' / f'{names[0]}.xml').write_text(bad)
    (root / 'annotations' / 'trainval.txt').write_text('\n'.join(lines) + '\n')


def _pet(root, **kwargs):
    return OxfordPetDataset(data_root=str(root), ann_file='annotations/trainval.txt',
                            **kwargs)


def test_pet_breed_labels_and_head_boxes(tmp_path, capsys):
    _write_pet(tmp_path, ['Abyssinian_1', 'beagle_2', 'pug_3'],
               {'Abyssinian_1': (11, 6, 30, 25), 'pug_3': (1, 1, 60, 40)})
    from mmengine.logging import MMLogger
    MMLogger.get_instance('multitask_pet_test', log_level='INFO')
    ds = _pet(tmp_path, with_bbox=True, lazy_init=True)
    infos = ds.load_data_list()
    assert [i['gt_label'] for i in infos] == [4, 5, 6]  # list file ids 5, 6, 7 minus 1
    np.testing.assert_array_equal(infos[0]['gt_bboxes'], [[10, 5, 30, 25]])
    assert infos[1]['gt_bboxes'].shape == (0, 4)
    np.testing.assert_array_equal(infos[2]['gt_bboxes'], [[0, 0, 60, 40]])
    assert '1 of 3 images have no head box XML' in capsys.readouterr().out
    assert 'gt_bboxes' not in _pet(tmp_path, lazy_init=True).load_data_list()[0]


def test_pet_box_follows_resize_and_flip(tmp_path):
    _write_pet(tmp_path, ['Abyssinian_1'], {'Abyssinian_1': (11, 6, 30, 25)})
    init_default_scope('mmseg')
    pipeline = [dict(type='CheckedLoadImageFromFile'), dict(type='CheckedLoadAnnotations'),
                dict(type='Resize', scale=(30, 80), keep_ratio=False),
                dict(type='RandomFlip', prob=1.0, direction='horizontal'),
                dict(type='PackMultiTaskInputs')]
    sample = _pet(tmp_path, with_bbox=True, pipeline=pipeline)[0]['data_samples']
    # [10, 5, 30, 25] in a 60x40 image, flipped: x -> 60 - x; normalised by 60 and 40.
    np.testing.assert_allclose(sample.gt_bbox.numpy(), [30 / 60, 5 / 40, 50 / 60, 25 / 40],
                               atol=1e-6)
    assert sample.gt_bbox_valid.item() and sample.gt_label.item() == 4
    assert sample.img_shape == (80, 30)


@pytest.mark.parametrize('bad, message', [
    ('<annotation><size>', 'is not a Pascal VOC XML'),
    ('<annotation><size><width>60</width><height>40</height></size><object><bndbox><xmin>5'
     '</xmin><ymin>5</ymin><xmax>61</xmax><ymax>20</ymax></bndbox></object></annotation>',
     r'is empty or outside its 60x40 image'),
])
def test_pet_bad_xml_names_the_file(tmp_path, bad, message):
    _write_pet(tmp_path, ['Abyssinian_1'], {}, bad=bad)
    with pytest.raises(ValueError, match=message) as err:
        _pet(tmp_path, with_bbox=True)
    assert 'Abyssinian_1.xml' in str(err.value)


def test_pet_xml_size_must_match_the_image(tmp_path):
    _write_pet(tmp_path, ['Abyssinian_1'], {'Abyssinian_1': (11, 6, 30, 25)})
    xml = tmp_path / 'annotations' / 'xmls' / 'Abyssinian_1.xml'
    xml.write_text(xml.read_text().replace('<width>60</width>', '<width>70</width>'))
    init_default_scope('mmseg')
    ds = _pet(tmp_path, with_bbox=True, pipeline=[
        dict(type='CheckedLoadImageFromFile'), dict(type='PackMultiTaskInputs')])
    with pytest.raises(ValueError, match=r'Abyssinian_1.xml states an image size of 70x40 but '
                                         r'.*Abyssinian_1.jpg is 60x40'):
        ds[0]


def test_pet_refuses_crops_with_boxes(tmp_path):
    _write_pet(tmp_path, ['Abyssinian_1'], {})
    with pytest.raises(ValueError, match=r"the pipeline has \['RandomCrop'\], which move "
                                         r'pixels without moving gt_bboxes'):
        _pet(tmp_path, with_bbox=True, lazy_init=True,
             pipeline=[dict(type='RandomCrop', crop_size=(8, 8))])


# ----------------------------------------------------------------------------- VOC targets
def _components_bfs(binary):
    """8-neighbour flood fill, independent of scipy."""
    h, w = binary.shape
    seen = np.zeros_like(binary, bool)
    comps = []
    for y0 in range(h):
        for x0 in range(w):
            if binary[y0, x0] and not seen[y0, x0]:
                stack, pix = [(y0, x0)], []
                seen[y0, x0] = True
                while stack:
                    y, x = stack.pop()
                    pix.append((y, x))
                    for dy in (-1, 0, 1):
                        for dx in (-1, 0, 1):
                            yy, xx = y + dy, x + dx
                            if 0 <= yy < h and 0 <= xx < w and binary[yy, xx] and \
                                    not seen[yy, xx]:
                                seen[yy, xx] = True
                                stack.append((yy, xx))
                comps.append(pix)
    return comps


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_mask_targets_match_numpy(seed):
    rng = np.random.default_rng(seed)
    mask = np.zeros((30, 40), np.uint8)
    for _ in range(5):
        c = int(rng.integers(1, 5))
        y, x = rng.integers(0, 25), rng.integers(0, 35)
        mask[y:y + rng.integers(2, 8), x:x + rng.integers(2, 8)] = c
    mask[:2] = 255
    init_default_scope('mmseg')
    out = TRANSFORMS.build(dict(type='MaskImageTargets', num_classes=6))(
        dict(gt_seg_map=mask.copy()))
    present = [c for c in range(6) if (mask == c).any()]
    np.testing.assert_array_equal(np.nonzero(out['gt_presence'])[0], present)
    counts = [(mask == c).sum() for c in range(1, 6)]
    label = int(np.argmax(counts)) + 1
    assert out['gt_label'] == label
    biggest = max(_components_bfs(mask == label), key=len)
    ys, xs = zip(*biggest)
    np.testing.assert_array_equal(out['gt_bboxes'],
                                  [[min(xs), min(ys), max(xs) + 1, max(ys) + 1]])
    assert out['gt_bboxes_shape'] == (30, 40)


def test_mask_targets_without_objects_ignore_the_box():
    init_default_scope('mmseg')
    out = TRANSFORMS.build(dict(type='MaskImageTargets', num_classes=3))(
        dict(gt_seg_map=np.zeros((4, 4), np.uint8), img_shape=(4, 4), ori_shape=(4, 4)))
    assert out['gt_label'] == -1 and out['gt_bboxes'].shape == (0, 4)
    np.testing.assert_array_equal(out['gt_presence'], [1, 0, 0])


# ----------------------------------------------------------------------------- metric
def test_image_level_metric_against_hand_values(tmp_path):
    metric = ImageLevelMetric(metrics_dir=str(tmp_path))
    t = torch.tensor
    metric.process({}, [
        dict(gt_label=t(0), pred_label=t(0), gt_presence=t([1., 0.]), pred_scores=t([.9, .2]),
             gt_bbox=t([0., 0., .5, .5]), pred_bbox=t([0., 0., .5, .25]),
             gt_bbox_valid=t(True)),
        dict(gt_label=t(1), pred_label=t(0), gt_presence=t([0., 1.]), pred_scores=t([.8, .1]),
             gt_bbox=t([0., 0., 1., 1.]), pred_bbox=t([0., 0., 1., 1.]),
             gt_bbox_valid=t(False)),
        dict(gt_label=t(1), pred_label=t(1), gt_presence=t([1., 1.]), pred_scores=t([.1, .3]),
             gt_bbox=t([.5, .5, 1., 1.]), pred_bbox=t([.5, .5, 1., 1.]),
             gt_bbox_valid=t(True)),
        dict(gt_label=t(-1), pred_label=t(1)),
    ])
    got = metric.compute_metrics(metric.results)
    assert abs(got['label_acc'] - 200 / 3) < 1e-9
    assert abs(got['label_mAcc'] - 75.0) < 1e-9  # class 0: 1/1, class 1: 1/2
    # Class 0: scores .9 (+), .8 (-), .1 (+): AP = (1 + 2/3) / 2; class 1: .3 (+), .2 (-),
    # .1 (+): AP = (1 + 2/3) / 2.
    assert abs(got['presence_mAP'] - 100 * 5 / 6) < 1e-6
    assert abs(got['box_MAE'] - 0.25 / 8) < 1e-7  # 2 valid boxes x 4 coordinates
    assert abs(got['box_mIoU'] - 100 * (0.5 + 1) / 2) < 1e-6
    saved = json.loads((tmp_path / IMAGE_METRICS).read_text())
    assert saved['num_boxes'] == 2 and saved['label_acc_per_class'] == {'0': 100.0, '1': 50.0}


# ----------------------------------------------------------------------------- end to end
def _small_voc_cfg(voc_root, tmp_path):
    cfg = Config.fromfile(VOC_MULTITASK)
    cfg.work_dir = str(tmp_path / 'run')
    cfg.model.backbone.init_cfg = None
    cfg.train_cfg.max_epochs = 1
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[loader].dataset.update(data_root=voc_root, cache_dir=str(tmp_path))
        for t in cfg[loader].dataset.pipeline:
            if t['type'] == 'SegRandomResizedCrop':
                t['size'] = (64, 64)
            elif t['type'] == 'Resize':
                t['scale'] = (64, 64)
    cfg.default_hooks.logger.interval = 1
    return cfg


def _val_scalars(runner):
    # From the message hub, not vis_data/scalars.json: a second Runner in one process may
    # reuse an earlier one's visualizer (mmengine keeps one current instance).
    return {k[4:]: v.current() for k, v in runner.message_hub.log_scalars.items()
            if k.startswith('val/')}


def test_multitask_config_trains_validates_tests_and_infers(synthetic_voc_root, tmp_path):
    cfg = _small_voc_cfg(synthetic_voc_root, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert {'train/decode.loss_ce', 'train/cls.loss_ce', 'train/box.loss_l1'} <= set(
        runner.message_hub.log_scalars)
    val = _val_scalars(runner)
    for key in ('mIoU', 'presence_mAP', 'box_MAE', 'box_mIoU', 'cls.loss_ce', 'box.loss_l1'):
        assert key in val, key
    # Logged once per validation: the log processor reports the mean of an epoch's entries.
    assert len(runner.message_hub.log_scalars['val/val_loss'].data[0]) == 1
    total = val['decode.loss_ce'] + val['cls.loss_ce'] + val['box.loss_l1']
    assert abs(val["val_loss"] - total) < 1e-3, {k: v for k, v in val.items() if "loss" in k}
    assert osp.isfile(osp.join(runner.log_dir, IMAGE_METRICS))
    assert osp.isfile(osp.join(runner.log_dir, DETAILED_METRICS))
    metrics = runner.test()
    assert 'box_MAE' in metrics and 'mIoU' in metrics

    from seglab.apis import inference_model, init_model
    ckpt = osp.join(cfg.work_dir, 'epoch_1.pth')
    model = init_model(cfg, ckpt, device='cpu')
    img = osp.join(synthetic_voc_root, 'JPEGImages',
                   open(osp.join(synthetic_voc_root, 'ImageSets', 'Segmentation',
                                 'val.txt')).readline().strip() + '.jpg')
    result = inference_model(model, img)
    h, w = Image.open(img).size[::-1]
    assert result.pred_sem_seg.data.shape == (1, h, w)
    assert result.pred_scores.shape == (8, ) and result.pred_bbox.shape == (4, )
    assert 'gt_bbox' not in result


def test_neck_trains_on_a_batch_of_one():
    """An epoch's last batch may hold one image: BatchNorm1d would raise."""
    init_default_scope('mmseg')
    neck = MODELS.build(dict(type='GlobalPoolFCNeck', in_channels=3, hidden_channels=(4, )))
    neck.train()
    before = neck.blocks[2].running_mean.clone()
    assert neck(torch.randn(1, 3, 2, 2)).shape == (1, 4)
    torch.testing.assert_close(neck.blocks[2].running_mean, before)


def test_pack_normalises_a_mask_box_by_the_mask_size():
    """A test pipeline resizes the image only: a box from the mask is in the mask's pixels."""
    init_default_scope('mmseg')
    pipeline = [dict(type='MaskImageTargets', num_classes=3), dict(type='PackMultiTaskInputs')]
    mask = np.zeros((20, 40), np.uint8)
    mask[5:10, 10:30] = 2
    results = dict(img=np.zeros((64, 64, 3), np.uint8), img_shape=(64, 64),
                   ori_shape=(20, 40), gt_seg_map=mask, seg_fields=['gt_seg_map'])
    for t in pipeline:
        results = TRANSFORMS.build(t)(results)
    sample = results['data_samples']
    np.testing.assert_allclose(sample.gt_bbox.numpy(), [10 / 40, 5 / 20, 30 / 40, 10 / 20])
    assert sample.gt_label.item() == 2
    np.testing.assert_array_equal(sample.gt_presence.numpy(), [1, 0, 1])


def test_image_only_model_val_loss_is_its_heads_sum(synthetic_voc_root, tmp_path):
    """The label + box counterpart (decode_head=None): val_loss = cls + box losses."""
    cfg = _small_voc_cfg(synthetic_voc_root, tmp_path)
    cfg.model.decode_head = None
    cfg.val_evaluator = cfg.test_evaluator = [dict(type='ImageLevelMetric')]
    # As the Pet label + box config (no mIoU to keep the best checkpoint by).
    pet = Config.fromfile(osp.join(REPO, 'configs', '002_transfer',
                                   'cls-box_m-v3-large_1xb32-100e_oxford-pet-224x224.py'))
    cfg.default_hooks.checkpoint.update(save_best=pet.default_hooks.checkpoint.save_best,
                                        rule=pet.default_hooks.checkpoint.rule)
    runner = Runner.from_cfg(cfg)
    runner.train()
    val = _val_scalars(runner)
    assert 'mIoU' not in val and 'decode.loss_ce' not in val and 'box_MAE' in val
    assert abs(val['val_loss'] - val['cls.loss_ce'] - val['box.loss_l1']) < 1e-6
