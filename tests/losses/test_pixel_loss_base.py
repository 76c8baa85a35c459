"""PixelLossBase.forward: what a subclass's compute_loss receives and how its result is scaled."""
import pytest
import torch

import seglab  # noqa: F401
from seglab.losses.utils import PixelLossBase


class RecordingLoss(PixelLossBase):
    """Returns a fixed value and keeps the arguments it was given."""

    def compute_loss(self, logits, safe_label, valid, weight, **kwargs):
        self.seen = dict(logits=logits, safe_label=safe_label, valid=valid, weight=weight,
                         kwargs=kwargs)
        return logits.new_tensor(3.0)


def test_compute_loss_gets_prepared_inputs_and_result_is_scaled():
    loss = RecordingLoss(loss_weight=0.5, loss_name='loss_rec')
    cls_score = torch.randn(1, 3, 2, 2).half()
    label = torch.tensor([[[0, 255], [2, 7]]])  # 255 ignored, 7 out of range
    weight = torch.ones(1, 2, 2)
    out = loss(cls_score, label, weight=weight, ignore_index=255, mc_probs='passed on')
    assert out.item() == 1.5
    seen = loss.seen
    assert seen['logits'].dtype == torch.float32
    assert torch.equal(seen['logits'], cls_score.float())
    assert seen['valid'].tolist() == [[[True, False], [True, False]]]
    assert seen['safe_label'].tolist() == [[[0, 0], [2, 0]]]
    assert seen['weight'] is weight
    assert seen['kwargs'] == {'mc_probs': 'passed on'}


def test_subclass_without_compute_loss_is_a_clear_error():

    class Incomplete(PixelLossBase):
        pass

    with pytest.raises(NotImplementedError, match='^Incomplete must implement compute_loss$'):
        Incomplete()(torch.zeros(1, 2, 1, 1), torch.zeros(1, 1, 1, dtype=torch.long))
