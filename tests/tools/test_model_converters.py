"""tools/model_converters/mobilenet_v2_to_mmseg.py: tonylins (../shared) and torchvision
MobileNetV2 state dicts -> mmseg MobileNetV2 with no missing key."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS

from helpers import REPO

CONVERTER = osp.join(REPO, 'tools', 'model_converters', 'mobilenet_v2_to_mmseg.py')
sys.path.insert(0, osp.dirname(CONVERTER))
import mobilenet_v2_to_mmseg as converter  # noqa: E402


def _mmseg_mobilenet_v2(checkpoint=None, out_indices=(0, 1, 2, 4, 6)):
    init_default_scope('mmseg')
    init_cfg = dict(type='Pretrained', checkpoint=checkpoint) if checkpoint else None
    torch.manual_seed(0)
    model = MODELS.build(dict(type='MobileNetV2', out_indices=out_indices, init_cfg=init_cfg))
    model.init_weights()
    model.eval()  # mmseg's MobileNetV2.train() returns None, so no chaining
    return model


def test_torchvision_layout_converts_to_identical_features(tmp_path):
    torchvision = pytest.importorskip('torchvision')
    torch.manual_seed(3)
    tv = torchvision.models.mobilenet_v2()
    for m in tv.modules():  # non-trivial BN statistics so that a mis-mapped BN shows
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    src, dst = str(tmp_path / 'tv.pth'), str(tmp_path / 'mmseg.pth')
    torch.save(tv.state_dict(), src)
    converted, dropped = converter.convert(converter.load_source(src))
    model = _mmseg_mobilenet_v2()
    assert set(model.state_dict()) == set(converted), 'no missing or extra encoder key'
    assert set(dropped) == {k for k in tv.state_dict()
                            if k.startswith(('features.18.', 'classifier.'))}
    torch.save({'state_dict': converted}, dst)
    model = _mmseg_mobilenet_v2(dst, out_indices=(6, ))
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        expected = tv.eval().features[:18](x)  # up to the 320-channel block
        got = model(x)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_unknown_layout_is_refused_with_explanation():
    with pytest.raises(ValueError, match='tonylins or torchvision'):
        converter.convert({'conv1.weight': torch.zeros(1)})


def test_real_imagenet_weights_convert_and_load(shared_dir, tmp_path):
    from mmengine.runner import load_checkpoint
    src = osp.join(shared_dir, 'weights', 'mobilenet_v2_imagenet.pt')
    if not osp.isfile(src):
        pytest.skip(f'{src} not found')
    dst = str(tmp_path / 'mobilenet_v2_mmseg.pth')
    run = subprocess.run([sys.executable, CONVERTER, src, dst], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert '306 tensors written' in run.stdout and 'features.18.0.weight' in run.stdout
    source = torch.load(src, map_location='cpu', weights_only=True)
    scratch = _mmseg_mobilenet_v2()
    # strict=True: seglab's key report raises on any missing/unexpected/mis-shaped key
    load_checkpoint(_mmseg_mobilenet_v2(), dst, strict=True)
    pretrained = _mmseg_mobilenet_v2(dst)
    torch.testing.assert_close(pretrained.conv1.conv.weight, source['features.0.0.weight'])
    torch.testing.assert_close(pretrained.layer7[0].conv[2].bn.running_var,
                               source['features.17.conv.7.running_var'])
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = scratch(x), pretrained(x)
    for fa, fb in zip(a, b):
        assert fa.shape == fb.shape
        assert not torch.allclose(fa, fb, atol=1e-3), 'weights change the features'
    # ImageNet features are sparse after ReLU6 but not dead, and differ per image
    assert 0.05 < (b[-1] != 0).float().mean() <= 1.0
    assert not torch.allclose(b[-1][0], b[-1][1])


class _CodeRunningPayload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture
def no_trusted_files(monkeypatch):
    from seglab.compat.safe_load import TRUST_ENV
    monkeypatch.setenv(TRUST_ENV, '')  # and undone after the test, also what main() adds


def test_unsafe_source_is_refused_with_seglab_message(tmp_path, no_trusted_files):
    from seglab.compat import UnsafeCheckpointError
    marker = tmp_path / 'pwned'
    src = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'extra': _CodeRunningPayload(marker)}, src)
    with pytest.raises(UnsafeCheckpointError) as excinfo:
        converter.load_source(src)
    message = str(excinfo.value)
    assert f'Refusing to load checkpoint {src!r}' in message
    assert f'--trust-checkpoint {src}' in message and 'model converter' in message
    assert not marker.exists()


def test_trust_flag_opts_in_one_legacy_source(tmp_path, monkeypatch, no_trusted_files):
    """A harmless legacy file (an argparse.Namespace beside the weights) converts once it is
    trusted by --trust-checkpoint, and only then."""
    import argparse

    from seglab.compat import UnsafeCheckpointError
    torchvision = pytest.importorskip('torchvision')
    src, dst = str(tmp_path / 'legacy.pth'), str(tmp_path / 'out.pth')
    torch.save({'state_dict': torchvision.models.mobilenet_v2().state_dict(),
                'args': argparse.Namespace(arch='mobilenet_v2')}, src)
    monkeypatch.setattr(sys, 'argv', ['convert', src, dst])
    with pytest.raises(UnsafeCheckpointError):
        converter.main()
    monkeypatch.setattr(sys, 'argv', ['convert', src, dst, '--trust-checkpoint', src])
    converter.main()
    assert len(torch.load(dst, weights_only=True)['state_dict']) == 306
