"""ValLossHook: the decode head's loss on the val split, where the plateau LR and early
stopping of study 002 read it (``val_loss``)."""
import copy
import os.path as osp
import types

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from torch import nn

from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from seglab.engine import ValLossHook
from seglab.losses import MultiClassDiceLoss

from helpers import REPO, keras_plateau_lrs, run_toy_epochs


def _sample(logits: torch.Tensor, label: torch.Tensor) -> SegDataSample:
    sample = SegDataSample()
    sample.seg_logits = PixelData(data=logits)
    sample.gt_sem_seg = PixelData(data=label[None])
    return sample


def _runner(head: nn.Module):
    model = nn.Module()
    model.decode_head = head
    return types.SimpleNamespace(model=model,
                                 message_hub=MessageHub.get_instance('val_loss_hook_test'))


def _head(losses) -> nn.Module:
    head = nn.Module()
    head.loss_decode = nn.ModuleList(losses) if isinstance(losses, list) else losses
    head.ignore_index, head.align_corners = 255, False
    return head


def test_val_loss_is_the_mean_of_the_images_losses():
    gen = torch.Generator().manual_seed(0)
    logits_a = torch.randn(4, 6, 8, generator=gen)
    label_a = torch.randint(0, 4, (6, 8), generator=gen)
    label_a[0] = 255  # an ignored row
    # The second prediction is smaller than its label: resized as loss_by_feat does.
    logits_b = torch.randn(4, 3, 5, generator=gen)
    label_b = torch.randint(0, 4, (6, 10), generator=gen)
    dice = MultiClassDiceLoss()
    head = _head([CrossEntropyLoss(loss_name='loss_ce', avg_non_ignore=True), dice])
    runner = _runner(head)
    hook = ValLossHook()
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, [_sample(logits_a, label_a)])
    hook.after_val_iter(runner, 1, None, [_sample(logits_b, label_b)])
    metrics = {'mIoU': 50.0}
    hook.after_val_epoch(runner, metrics)

    up_b = F.interpolate(logits_b[None], size=(6, 10), mode='bilinear', align_corners=False)
    ce = [F.cross_entropy(logits_a[None], label_a[None], ignore_index=255),
          F.cross_entropy(up_b, label_b[None], ignore_index=255)]
    dl = [dice(logits_a[None], label_a[None]), dice(up_b, label_b[None])]
    want_ce, want_dice = float(sum(ce)) / 2, float(sum(dl)) / 2
    assert metrics['decode.loss_ce'] == pytest.approx(want_ce, rel=1e-6)
    assert metrics['decode.loss_dice'] == pytest.approx(want_dice, rel=1e-6)
    assert metrics['val_loss'] == pytest.approx(want_ce + want_dice, rel=1e-6)
    assert metrics['mIoU'] == 50.0
    assert runner.message_hub.get_scalar('val/val_loss').current() == metrics['val_loss']

    # A new validation starts from zero.
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, [_sample(logits_a, label_a)])
    metrics = {}
    hook.after_val_epoch(runner, metrics)
    assert metrics['decode.loss_ce'] == pytest.approx(float(ce[0]), rel=1e-6)


def test_val_loss_equals_the_training_loss_of_a_real_segmentor():
    """Eval-mode model.loss on one image and the hook on that image's prediction agree:
    the hook sees mmseg's real predictions (seg_logits at the label's size)."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'quickstart',
                                   'unet-w8_1xb2-8it_synthvoc-64x64.py'))
    init_default_scope('mmseg')
    model = MODELS.build(copy.deepcopy(cfg.model)).eval()
    num_classes = model.decode_head.num_classes
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(1, 3, 64, 64, generator=gen)
    label = torch.randint(0, num_classes, (1, 64, 64), generator=gen)
    label[:, :5] = 255
    sample = SegDataSample(metainfo=dict(img_shape=(64, 64), pad_shape=(64, 64),
                                         ori_shape=(64, 64)))
    sample.gt_sem_seg = PixelData(data=label)
    with torch.no_grad():
        want = model.loss(inputs, [copy.deepcopy(sample)])
        outputs = model.predict(inputs, [sample])
    runner = _runner(model.decode_head)
    hook = ValLossHook()
    hook.before_val_epoch(runner)
    hook.after_val_iter(runner, 0, None, outputs)
    metrics = {}
    hook.after_val_epoch(runner, metrics)
    name = f'decode.{model.decode_head.loss_decode.loss_name}'
    assert metrics[name] == pytest.approx(float(want[name]), rel=1e-5)


def test_clear_errors():
    runner = _runner(_head(CrossEntropyLoss()))
    sample = SegDataSample()
    sample.seg_logits = PixelData(data=torch.zeros(2, 4, 4))
    with pytest.raises(ValueError, match='val pipeline must load the labels'):
        ValLossHook().after_val_iter(runner, 0, None, [sample])
    no_head = types.SimpleNamespace(model=nn.Linear(1, 1), message_hub=runner.message_hub)
    with pytest.raises(RuntimeError, match='has no decode_head with a loss_decode'):
        ValLossHook().after_val_iter(no_head, 0, None, [sample])


def test_plateau_lr_and_early_stopping_read_val_loss(tmp_path):
    """In a real runner, study 002's schedule and early stopping (as configured) react to the
    val_loss the hook adds: a scripted per-image loss 10, 5, then flat."""
    from mmengine.evaluator import BaseMetric
    from mmengine.model import BaseModel

    study = Config.fromfile(osp.join(REPO, 'configs', '002_transfer',
                                     'light_m-v2_1xb32-12e_camvid-180x240_cpu-reduced.py'))
    hooks = [h for h in study.custom_hooks
             if h['type'] in ('ValLossHook', 'ResumableEarlyStoppingHook')]
    assert [h['type'] for h in hooks] == ['ValLossHook', 'ResumableEarlyStoppingHook']
    values = [10.0, 5.0] + [5.0] * 40

    class ScriptedLoss(nn.Module):
        loss_name = 'loss_ce'
        calls = 0

        def forward(self, cls_score, label, weight=None, ignore_index=255):
            ScriptedLoss.calls += 1
            return torch.tensor(values[(ScriptedLoss.calls - 1) // 2])  # 2 val images

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.w = nn.Linear(1, 1)
            self.decode_head = _head(ScriptedLoss())

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.w(inputs.float().view(-1, 1))
            if mode == 'loss':
                return dict(loss=out.pow(2).mean())
            return [_sample(torch.zeros(2, 2, 2), torch.zeros(2, 2, dtype=torch.long))
                    for _ in range(len(out))]

    class NoMetric(BaseMetric):

        def process(self, data_batch, data_samples):
            self.results.append(0)

        def compute_metrics(self, results):
            return dict(mIoU=0.0)

    runner, lrs = run_toy_epochs(tmp_path, Toy(), NoMetric(), study.optim_wrapper.optimizer,
                                 study.param_scheduler, [copy.deepcopy(h) for h in hooks],
                                 val_batch_size=1)
    # Best at epoch 2; halve after two validations without improvement.
    assert lrs == pytest.approx(keras_plateau_lrs(len(lrs)))
    assert runner.epoch == 22, f'stopped after epoch {runner.epoch}'
    assert runner.message_hub.get_scalar('val/val_loss').current() == 5.0


def test_logged_val_losses_are_the_current_validation_not_a_running_mean():
    from seglab.engine import SummaryLogProcessor
    hub = MessageHub.get_instance('val_loss_log_processor_test')
    runner = types.SimpleNamespace(message_hub=hub,
                                   val_loop=types.SimpleNamespace(dataloader=[0, 0]))
    processor = SummaryLogProcessor(by_epoch=False)
    logged = []
    for loss in (3.0, 2.0, 1.0):
        hub.update_scalars({'val/val_loss': loss, 'val/decode.loss_ce': loss / 2,
                            'val/mIoU': 10 * loss})
        hub.update_scalar('val/time', loss)
        tag, line = processor.get_log_after_epoch(runner, 2, 'val')
        logged.append(tag)
        assert f'val_loss: {loss:.4f}' in line
    assert [t['val_loss'] for t in logged] == [3.0, 2.0, 1.0]
    assert [t['decode.loss_ce'] for t in logged] == [1.5, 1.0, 0.5]
    assert [t['mIoU'] for t in logged] == [30.0, 20.0, 10.0]
    # time keeps mmengine's per-evaluation-epoch statistic (a mean over this epoch's iters)
    assert logged[-1]['time'] == pytest.approx(2.0)
