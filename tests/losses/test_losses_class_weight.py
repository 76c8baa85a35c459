"""CombinedLoss's class-weighted CE term from a list or a class-frequency JSON."""
import json

import numpy as np
import pytest
import torch

from seglab.losses import CombinedLoss


def _batch(seed=0, classes=4):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, classes, 5, 6, generator=gen)
    label = torch.randint(0, classes, (2, 5, 6), generator=gen)
    label[0, 0] = 255
    return logits, label


def _weighted_ce(logits, label, weights):
    """-(1/N) sum_i w_{y_i} log p_{i,y_i} over the valid pixels, in numpy."""
    x = logits.double().numpy()
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    lab = label.numpy()
    valid = lab != 255
    n, h, w = np.nonzero(valid)
    y = lab[valid]
    return float((-np.asarray(weights)[y] * logp[n, y, h, w]).sum() / valid.sum())


def _write(path, **fields):
    path.write_text(json.dumps(dict(classes=['a', 'b', 'c', 'd'], **fields)))
    return str(path)


def test_ce_term_reads_the_json_weights(tmp_path):
    weights = [0.5, 2.0, 1.0, 4.0]
    path = _write(tmp_path / 'freq.json', median_frequency_weights=weights,
                  inverse_frequency_weights=[1.0, 1.0, 1.0, 9.0])
    logits, label = _batch()
    got = CombinedLoss(preset='ce_only', class_weight=path)(logits, label).item()
    assert got == pytest.approx(_weighted_ce(logits, label, weights), rel=1e-5)
    assert got != pytest.approx(_weighted_ce(logits, label, [1.0] * 4), rel=1e-3)
    inv = CombinedLoss(preset='ce_only', class_weight=path,
                       class_weight_key='inverse_frequency_weights')(logits, label).item()
    assert inv == pytest.approx(_weighted_ce(logits, label, [1.0, 1.0, 1.0, 9.0]), rel=1e-5)
    as_list = CombinedLoss(preset='ce_only', class_weight=weights)(logits, label).item()
    assert as_list == pytest.approx(got, rel=1e-6)


def test_missing_json_builds_and_fails_at_the_first_step(tmp_path):
    path = str(tmp_path / 'cityscapes_train.json')
    loss = CombinedLoss(preset='dice_dominant', class_weight=path)  # builds without the file
    logits, label = _batch()
    with pytest.raises(FileNotFoundError, match='tools/analysis_tools/class_frequency.py'):
        loss(logits, label)
    # Written afterwards (e.g. by the tool): read at the next step.
    weights = [1.0, 3.0, 1.0, 1.0]
    _write(tmp_path / 'cityscapes_train.json', median_frequency_weights=weights)
    ce_only = CombinedLoss(preset='ce_only', class_weight=path)
    assert ce_only(logits, label).item() == pytest.approx(
        _weighted_ce(logits, label, weights), rel=1e-5)
    # A preset without a CE term never needs the file.
    missing = str(tmp_path / 'absent.json')
    assert torch.isfinite(CombinedLoss(preset='dice_only', class_weight=missing)(logits, label))


def test_json_without_the_field_is_a_clear_error(tmp_path):
    path = _write(tmp_path / 'freq.json', frequency=[0.25] * 4)
    with pytest.raises(ValueError, match="field 'median_frequency_weights' must be a non-empty"):
        CombinedLoss(preset='ce_only', class_weight=path)
