"""``MMSegInferencer`` never executes the config text a checkpoint stores."""
import pytest
import torch

import seglab  # noqa: F401
from seglab.apis import MMSegInferencer


@pytest.mark.parametrize('model', [None, {}])
@pytest.mark.parametrize('where', ['message_hub', 'meta'])
def test_config_stored_in_a_checkpoint_is_not_executed(tmp_path, model, where):
    marker = tmp_path / 'pwned'
    text = f"open({str(marker)!r}, 'w').close()\nmodel = dict(type='EncoderDecoder')\n"
    stored = ({'message_hub': {'runtime_info': {'cfg': text}}, 'meta': {}}
              if where == 'message_hub' else {'meta': {'cfg': text}})
    weights = str(tmp_path / 'downloaded.pth')
    torch.save({'state_dict': {}, **stored}, weights)
    with pytest.raises(ValueError) as excinfo:
        MMSegInferencer(model=model, weights=weights, device='cpu')
    assert str(excinfo.value) == (
        f'MMSegInferencer needs the model config: pass model=<config file> with '
        f'weights={weights!r}. Reading the config stored in a checkpoint would execute its '
        f'text, so seglab does not.')
    assert not marker.exists()
