"""``norm_eval``: keep batch-norm statistics frozen while the rest of a module trains."""
import torch.nn as nn


class NormEvalMixin:
    """Put every BatchNorm layer in eval mode after ``train()`` when ``self.norm_eval``.

    Fine-tuning a pretrained encoder with small batches is often better with its BN running
    statistics frozen (mmseg's ResNet has the same switch). Mix in before ``nn.Module``.
    """

    norm_eval: bool = False

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self
