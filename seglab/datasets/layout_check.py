"""The check seglab's datasets make before reading their split list."""
import os.path as osp

from mmseg.datasets import BaseSegDataset


def check_split_layout(dataset: BaseSegDataset, layout: str) -> None:
    """Raise ``FileNotFoundError`` when ``data_root`` or the split list is missing.

    The message names the dataset class and the missing path, then ``layout``, the folders
    the dataset expects, so a wrong ``data_root`` is fixed without reading the code.
    """
    name = type(dataset).__name__
    if dataset.data_root and not osp.isdir(dataset.data_root):
        raise FileNotFoundError(f'{name}: data_root {dataset.data_root!r} does not exist. '
                                f'Expected {layout}.')
    if not osp.isfile(dataset.ann_file):
        raise FileNotFoundError(f'{name}: split list {dataset.ann_file!r} not found. '
                                f'Expected {layout}.')
