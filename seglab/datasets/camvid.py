"""CamVid as distributed with the SegNet tutorial (Badrinarayanan et al., TPAMI 2017)."""
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .layout_check import check_split_layout

VOID = 11  # the SegNet tutorial's "Unlabelled" class, ignored in training and metrics
SPLIT_PREFIX = '/SegNet/CamVid/'


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid, 11 classes, in the SegNet tutorial layout (the split of the SegNet paper).

    Layout under ``data_root``: ``train/ val/ test/`` (RGB 480x360 PNG), ``trainannot/
    valannot/ testannot/`` (label PNGs, values 0-10 and 11 = void) and ``train.txt val.txt
    test.txt`` (367 / 101 / 233 lines of ``/SegNet/CamVid/<split>/<name>.png
    /SegNet/CamVid/<split>annot/<name>.png``). The absolute ``/SegNet/CamVid/`` paths of the
    lists are resolved against ``data_root``; void (11) becomes 255 so mmseg ignores it.
    Every load checks that the labels are 0-10 or void (see ``CheckedLoadAnnotations``).

    Args:
        ann_file (str): The split list, relative to ``data_root``. Default: 'train.txt'.
        **kwargs: As :class:`mmseg.datasets.BaseSegDataset`.
    """

    # Names as the SegNet paper's CamVid table writes them (the SegNet tutorial's files call
    # them Sky, Building, Pole, Road, Pavement, Tree, SignSymbol, Fence, Car, Pedestrian,
    # Bicyclist); colours from the official CamVid colour list (the tutorial's own script
    # draws Pavement as [60, 40, 222] instead of CamVid's Sidewalk [0, 0, 192]).
    METAINFO = dict(
        classes=('Sky', 'Building', 'Column-Pole', 'Road', 'Side-walk', 'Tree', 'Sign-Symbol',
                 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [0, 0, 192],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])

    def __init__(self, ann_file: str = 'train.txt', **kwargs) -> None:
        super().__init__(ann_file=ann_file, img_suffix='.png', seg_map_suffix='.png', **kwargs)

    def load_data_list(self) -> List[dict]:
        layout = ('train/ val/ test/ (images), trainannot/ valannot/ testannot/ (labels) and '
                  'train.txt/val.txt/test.txt under data_root (see docs/datasets.md)')
        check_split_layout(self, f'the SegNet tutorial layout: {layout}')
        # Selecting classes by name gives a label map; void must be ignored either way.
        label_map = {**(self.label_map or {}), VOID: 255}
        data_list = []
        with open(self.ann_file) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(f'CamVidDataset: {self.ann_file} line {line_no} should be '
                                     f'"<image> <label>", got {line.strip()!r}')
                img_path, seg_path = (self._resolve(p) for p in parts)
                for path in (img_path, seg_path):
                    if not osp.isfile(path):
                        raise FileNotFoundError(
                            f'CamVidDataset: {path} (from {self.ann_file} line {line_no}) does '
                            f'not exist. Expected the SegNet tutorial layout: {layout}.')
                data_list.append(dict(img_path=img_path, seg_map_path=seg_path,
                                      label_map=label_map, reduce_zero_label=False,
                                      seg_fields=[], num_classes=len(self._metainfo['classes'])))
        if not data_list:
            raise ValueError(f'CamVidDataset: the split list {self.ann_file} names no image.')
        return data_list

    def _resolve(self, listed: str) -> str:
        if listed.startswith(SPLIT_PREFIX):
            listed = listed[len(SPLIT_PREFIX):]
        return osp.join(self.data_root, listed.lstrip('/'))
