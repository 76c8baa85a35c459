"""Oxford-IIIT Pet (Parkhi et al., CVPR 2012) for segmentation, as study 002 uses it."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional

import numpy as np
from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .layout_check import check_split_layout

TRIMAP_PET, TRIMAP_BACKGROUND, TRIMAP_BORDER = 1, 2, 3
MODES = ('binary', 'trimap', 'breed')
# The 37 breeds in the order of the list files' class ids 1-37 (names as the image files
# spell them; capitalised = cat, lower case = dog).
BREEDS = ('Abyssinian', 'american_bulldog', 'american_pit_bull_terrier', 'basset_hound',
          'beagle', 'Bengal', 'Birman', 'Bombay', 'boxer', 'British_Shorthair', 'chihuahua',
          'Egyptian_Mau', 'english_cocker_spaniel', 'english_setter', 'german_shorthaired',
          'great_pyrenees', 'havanese', 'japanese_chin', 'keeshond', 'leonberger', 'Maine_Coon',
          'miniature_pinscher', 'newfoundland', 'Persian', 'pomeranian', 'pug', 'Ragdoll',
          'Russian_Blue', 'saint_bernard', 'samoyed', 'scottish_terrier', 'shiba_inu', 'Siamese',
          'Sphynx', 'staffordshire_bull_terrier', 'wheaten_terrier', 'yorkshire_terrier')
# Transforms that move pixels without updating gt_bboxes (mmcv's Resize/RandomFlip do update).
BOX_BREAKING_TRANSFORMS = ('RandomCrop', 'SegRandomResizedCrop', 'RandomResizedCrop',
                           'RandomRotate', 'RandomRotFlip', 'RandomCutOut', 'RandomMosaic')


@DATASETS.register_module()
class OxfordPetDataset(BaseSegDataset):
    """Oxford-IIIT Pet in its official layout, with three labelings of the trimaps.

    Layout under ``data_root``: ``images/<name>.jpg``, ``annotations/trimaps/<name>.png``
    (1 = pet, 2 = background, 3 = border) and ``annotations/{trainval,test}.txt`` (lines
    ``<name> <class id 1-37> <species> <breed id>``).

    - ``mode='binary'`` (study 002): 0 = background, 1 = pet, border ignored (255).
    - ``mode='trimap'``: 0 = background, 1 = pet, 2 = border.
    - ``mode='breed'``: 0 = background, 1..37 = the image's breed (class id of the list file;
      class names :data:`BREEDS`) on its pet pixels, border ignored.

    Trimap values other than 1-3 are reported by ``CheckedLoadAnnotations`` when they fall
    outside the mode's classes.

    Image-level targets (study 002 §4/§6, packed by ``PackMultiTaskInputs``): every sample
    carries ``gt_label``, the breed (class id of the list file minus 1, 0-36, names
    :data:`BREEDS`; -1 when the line has no id). With ``with_bbox=True`` it also carries
    ``gt_bboxes``, the head box of ``annotations/xmls/<name>.xml`` (Pascal VOC XML, 1-based
    inclusive pixel corners, read as ``[[xmin - 1, ymin - 1, xmax, ymax]]``); an image
    without an XML gets no box (ignored by the box loss and metrics; their number is
    logged). An unreadable XML, a box outside the image size the XML states, or an XML size
    other than the image's (checked when the sample is packed) is an error naming the file.
    Boxes follow ``Resize`` and ``RandomFlip``; pipelines with random crops or rotations are
    refused with ``with_bbox=True``.

    Args:
        mode (str): 'binary', 'trimap' or 'breed'. Default: 'binary'.
        ann_file (str): The list file. Default: 'annotations/trainval.txt'.
        with_bbox (bool): Read the head boxes from ``annotations/xmls``. Default: False.
        **kwargs: As :class:`mmseg.datasets.BaseSegDataset`.
    """

    METAINFO = dict(classes=('background', 'pet'), palette=[[0, 0, 0], [255, 128, 0]])

    def __init__(self, mode: str = 'binary', ann_file: str = 'annotations/trainval.txt',
                 with_bbox: bool = False, **kwargs) -> None:
        if mode not in MODES:
            raise ValueError(f'OxfordPetDataset: mode must be one of {MODES}, got {mode!r}')
        self.mode = mode
        self.with_bbox = with_bbox
        breaking = [t.get('type') for t in kwargs.get('pipeline') or []
                    if isinstance(t, dict) and t.get('type') in BOX_BREAKING_TRANSFORMS]
        if with_bbox and breaking:
            raise ValueError(f'OxfordPetDataset: with_bbox=True, but the pipeline has {breaking}, '
                             f'which move pixels without moving gt_bboxes; use Resize/RandomFlip '
                             f'only, or set with_bbox=False.')
        metainfo = kwargs.pop('metainfo', None) or self._mode_metainfo(mode)
        super().__init__(ann_file=ann_file, img_suffix='.jpg', seg_map_suffix='.png',
                         metainfo=metainfo, **kwargs)

    @staticmethod
    def _mode_metainfo(mode: str) -> dict:
        if mode == 'binary':
            return dict(classes=('background', 'pet'), palette=[[0, 0, 0], [255, 128, 0]])
        if mode == 'trimap':
            return dict(classes=('background', 'pet', 'border'),
                        palette=[[0, 0, 0], [255, 128, 0], [255, 255, 255]])
        classes = ('background', ) + BREEDS
        palette = [[0, 0, 0]] + [[(37 * i) % 256, (97 * i) % 256, (173 * i) % 256]
                                 for i in range(1, 38)]
        return dict(classes=classes, palette=palette)

    def get_label_map(self, new_classes=None):
        return None  # the trimap values are remapped per sample in load_data_list

    def _update_palette(self) -> list:
        return self._metainfo['palette']

    def load_data_list(self) -> List[dict]:
        layout = ('images/<name>.jpg, annotations/trimaps/<name>.png and '
                  'annotations/{trainval,test}.txt under data_root (see docs/datasets.md)')
        check_split_layout(self, f'the official layout: {layout}')
        data_list, no_xml = [], 0
        with open(self.ann_file) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip() or line.startswith('#'):
                    continue
                parts = line.split()
                if self.mode == 'breed' and (len(parts) < 2 or not parts[1].isdigit()
                                             or not 1 <= int(parts[1]) <= 37):
                    raise ValueError(f'OxfordPetDataset: {self.ann_file} line {line_no} needs a '
                                     f'class id 1-37 for mode="breed", got {line.strip()!r}')
                name = parts[0]
                img = osp.join(self.data_root, 'images', name + '.jpg')
                seg = osp.join(self.data_root, 'annotations', 'trimaps', name + '.png')
                for path in (img, seg):
                    if not osp.isfile(path):
                        raise FileNotFoundError(
                            f'OxfordPetDataset: {path} (from {self.ann_file} line {line_no}) '
                            f'does not exist. Expected the official layout: {layout}.')
                info = dict(img_path=img, seg_map_path=seg,
                            label_map=self._trimap_map(parts),
                            reduce_zero_label=False, seg_fields=[],
                            num_classes=len(self._metainfo['classes']),
                            gt_label=int(parts[1]) - 1 if len(parts) > 1
                            and parts[1].isdigit() else -1)
                if self.with_bbox:
                    xml = osp.join(self.data_root, 'annotations', 'xmls', name + '.xml')
                    box = read_head_box(xml) if osp.isfile(xml) else None
                    no_xml += box is None
                    info['gt_bboxes'] = (np.zeros((0, 4), np.float32) if box is None
                                         else box[0][None])
                    info['bbox_source'] = xml
                    info['bbox_image_size'] = None if box is None else box[1]
                data_list.append(info)
        if not data_list:
            raise ValueError(f'OxfordPetDataset: the list file {self.ann_file} names no image.')
        if self.with_bbox:
            print_log(f'OxfordPetDataset ({osp.basename(self.ann_file)}): {no_xml} of '
                      f'{len(data_list)} images have no head box XML (box ignored)',
                      logger='current')
        return data_list

    def _trimap_map(self, parts: List[str]) -> dict:
        if self.mode == 'trimap':
            return {TRIMAP_BACKGROUND: 0, TRIMAP_PET: 1, TRIMAP_BORDER: 2}
        pet = int(parts[1]) if self.mode == 'breed' else 1
        return {TRIMAP_BACKGROUND: 0, TRIMAP_PET: pet, TRIMAP_BORDER: 255}


def read_head_box(path: str) -> tuple:
    """The first object's box of a Pascal VOC XML as float32 ``[x1, y1, x2, y2]`` in
    continuous pixel coordinates, and the ``(height, width)`` the XML states."""
    try:
        root = ET.parse(path).getroot()
        width, height = (int(root.find(f'size/{k}').text) for k in ('width', 'height'))
        bndbox = root.find('object/bndbox')
        xmin, ymin, xmax, ymax = (float(bndbox.find(k).text)
                                  for k in ('xmin', 'ymin', 'xmax', 'ymax'))
    except (ET.ParseError, AttributeError, TypeError, ValueError) as err:
        raise ValueError(f'OxfordPetDataset: {path} is not a Pascal VOC XML with size/width, '
                         f'size/height and object/bndbox/xmin..ymax ({err}); replace it with '
                         f'the file from the dataset archive or delete it (box ignored).')
    if not (1 <= xmin < xmax <= width and 1 <= ymin < ymax <= height):
        raise ValueError(f'OxfordPetDataset: the box ({xmin}, {ymin}, {xmax}, {ymax}) of {path} '
                         f'is empty or outside its {width}x{height} image (VOC boxes are '
                         f'1-based, inclusive); fix or delete the file (box ignored).')
    return np.array([xmin - 1, ymin - 1, xmax, ymax], np.float32), (height, width)
