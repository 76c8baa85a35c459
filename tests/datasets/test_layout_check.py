"""check_split_layout: the error every seglab dataset gives for a missing data_root/split list."""
import re
from types import SimpleNamespace

import pytest

from seglab.datasets.layout_check import check_split_layout


class FakeDataset(SimpleNamespace):
    pass


def test_missing_data_root_and_split_list_name_class_path_and_layout(tmp_path):
    missing_root = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError) as err:
        check_split_layout(FakeDataset(data_root=missing_root, ann_file='x.txt'), 'LAYOUT')
    assert str(err.value) == (f'FakeDataset: data_root {missing_root!r} does not exist. '
                              'Expected LAYOUT.')
    split = str(tmp_path / 'train.txt')
    message = f'FakeDataset: split list {split!r} not found. Expected LAYOUT.'
    with pytest.raises(FileNotFoundError, match=f'^{re.escape(message)}$'):
        check_split_layout(FakeDataset(data_root=str(tmp_path), ann_file=split), 'LAYOUT')
    (tmp_path / 'train.txt').write_text('a\n')
    check_split_layout(FakeDataset(data_root=str(tmp_path), ann_file=split), 'LAYOUT')
    check_split_layout(FakeDataset(data_root='', ann_file=split), 'LAYOUT')
