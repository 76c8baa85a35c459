"""PASCAL VOC 2012 restricted to a subset of its classes (study 000, §4.1)."""
import hashlib
import io
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar
from mmseg.datasets import BaseSegDataset, PascalVOCDataset
from mmseg.registry import DATASETS
from PIL import Image

from .layout_check import check_split_layout
from .transforms.checked_loading import describe_corruption

VOC_CLASSES = PascalVOCDataset.METAINFO['classes']
PRESETS: Dict[str, tuple] = {
    # Study 000 §4.1: background + the seven object classes it keeps.
    'voc8': ('background', 'person', 'car', 'dog', 'cat', 'motorbike', 'train', 'bus'),
}
VOID = 255
EXPECTED_LAYOUT = ('VOC2012/JPEGImages/<id>.jpg, VOC2012/SegmentationClass/<id>.png and '
                   'VOC2012/ImageSets/Segmentation/<split>.txt (data_root = the VOC2012 folder)')


@DATASETS.register_module()
class VOCSubsetDataset(BaseSegDataset):
    """PASCAL VOC 2012 with a subset of its 20 object classes, as in study 000 §4.1.

    The study keeps background, person, car, dog, cat, motorbike, train and bus
    (``preset='voc8'``), labels every pixel of another class as background, and keeps only
    the images showing at least one selected object class (873 train / 850 val on the full
    VOC 2012). mmseg 1.2.2's own class selection (``metainfo=dict(classes=...)``) maps the
    unselected classes to 255 instead, so their pixels would be silently dropped from the
    loss and the metrics; this class builds the label map itself: unselected classes become
    background by default, or 255 with ``others='ignore'``; 255 (void) stays 255.

    The remapping uses mmseg's own per-load mechanism: the dataset's ``label_map`` (VOC id ->
    subset id) travels in every sample's info and ``LoadAnnotations`` applies it, so the
    raw palette PNGs are read as they are and nothing is converted on disk.

    Finding the images to keep needs every mask of the split once. The scan is cached as
    JSON, keyed by a hash of the split list's content and the masks' sizes and modification
    times, so editing either rescans. The cache lives in ``cache_dir`` if given, else next to
    the split list (``ImageSets/Segmentation/.<split>.seglab_scan.json``), or in
    ``~/.cache/seglab`` when that folder is read-only (no write permission bits, as in a
    shared data folder, even for root) or the write fails. The scan also checks the data:
    missing files, empty, truncated or undecodable masks (with the fix: replace the file or
    drop its line from the split list), mask values that are not VOC ids, and image/mask size
    mismatches are errors naming the files. The log reports ``kept K of N images``.

    Args:
        classes (Sequence[str], optional): VOC class names to keep; background is always
            kept (prepended when missing). Overrides ``preset``. Default: None.
        preset (str, optional): A named subset; ``'voc8'`` is study 000's. ``None`` with
            ``classes=None`` keeps all 21 classes. Default: 'voc8'.
        others (str): 'background' or 'ignore' (255) for unselected classes.
            Default: 'background'.
        cache_dir (str, optional): Where the mask scan is cached; None: next to the split
            list (see above). Default: None.
        **kwargs: As :class:`mmseg.datasets.BaseSegDataset` (``data_root``,
            ``data_prefix``, ``ann_file``, ``pipeline``, ...).
    """

    METAINFO = PascalVOCDataset.METAINFO

    def __init__(self,
                 classes: Optional[Sequence[str]] = None,
                 preset: Optional[str] = 'voc8',
                 others: str = 'background',
                 cache_dir: Optional[str] = None,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='JPEGImages', seg_map_path='SegmentationClass'),
                 **kwargs) -> None:
        if others not in ('background', 'ignore'):
            raise ValueError(f"VOCSubsetDataset: others must be 'background' or 'ignore', "
                             f'got {others!r}')
        self.others = others
        self.cache_dir = cache_dir
        selected = self._selected_classes(classes, preset)
        metainfo = dict(kwargs.pop('metainfo', None) or {}, classes=selected)
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         data_prefix=data_prefix, metainfo=metainfo, **kwargs)

    @staticmethod
    def _selected_classes(classes: Optional[Sequence[str]], preset: Optional[str]) -> tuple:
        if classes is None:
            if preset is None:
                return tuple(VOC_CLASSES)
            if preset not in PRESETS:
                raise KeyError(f'VOCSubsetDataset: unknown preset {preset!r}; valid presets: '
                               f'{sorted(PRESETS)} (or pass classes=[...]).')
            return PRESETS[preset]
        unknown = [c for c in classes if c not in VOC_CLASSES]
        if unknown:
            raise ValueError(f'VOCSubsetDataset: {unknown} are not PASCAL VOC classes; '
                             f'valid names: {list(VOC_CLASSES)}')
        return ('background', ) + tuple(c for c in classes if c != 'background')

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """VOC id -> subset id; unselected classes -> 0 (or 255 with ``others='ignore'``)."""
        if new_classes is None or list(new_classes) == list(VOC_CLASSES):
            return None
        fallback = 0 if self.others == 'background' else VOID
        return {
            voc_id: new_classes.index(name) if name in new_classes else fallback
            for voc_id, name in enumerate(VOC_CLASSES)
        }

    def _update_palette(self) -> list:
        # mmseg derives the palette from the label map, which here maps many ids to 0.
        palette = self.METAINFO['palette']
        return [palette[VOC_CLASSES.index(c)] for c in self._metainfo['classes']]

    def load_data_list(self) -> List[dict]:
        check_split_layout(self, f'the official layout: {EXPECTED_LAYOUT}; see docs/datasets.md')
        data_list = super().load_data_list()
        values = self._scan_masks(data_list)
        selected_ids = {VOC_CLASSES.index(c) for c in self._metainfo['classes'][1:]}
        kept = [info for info in data_list
                if selected_ids & set(values[osp.basename(info['seg_map_path'])])]
        split = osp.basename(self.ann_file)
        print_log(f'VOCSubsetDataset ({split}): kept {len(kept)} of {len(data_list)} images '
                  f'showing at least one of {list(self._metainfo["classes"][1:])}',
                  logger='current')
        if not data_list:
            raise ValueError(f'VOCSubsetDataset: the split list {self.ann_file} names no image.')
        if not kept:
            raise ValueError(
                f'VOCSubsetDataset: no image of {self.ann_file} shows any of the classes '
                f'{list(self._metainfo["classes"][1:])} ({len(data_list)} masks scanned). '
                f'Check the class names and the split.')
        for info in kept:
            info['num_classes'] = len(self._metainfo['classes'])  # checked per load
        return kept

    def _scan_masks(self, data_list: List[dict]) -> Dict[str, List[int]]:
        """The label values of every mask of the split, from the cache when it is fresh."""
        stats = []
        for info in data_list:
            for key in ('img_path', 'seg_map_path'):
                if not osp.isfile(info[key]):
                    raise FileNotFoundError(
                        f'VOCSubsetDataset: {info[key]} is listed in {self.ann_file} but does '
                        f'not exist. Expected the official layout: {EXPECTED_LAYOUT}.')
            st = os.stat(info['seg_map_path'])
            stats.append(f"{osp.basename(info['seg_map_path'])}:{st.st_size}:{st.st_mtime_ns}")
        with open(self.ann_file, 'rb') as f:
            key = hashlib.sha1(f.read() + '\n'.join(stats).encode()).hexdigest()
        for cache_file in self._cache_files():
            cached = _read_json(cache_file)
            if cached is not None and cached.get('key') == key:
                return cached['values']
        values = {}
        print_log(f'VOCSubsetDataset: scanning {len(data_list)} masks of {self.ann_file} '
                  f'(once; the result is cached)', logger='current')
        progress = ProgressBar(len(data_list)) if sys.stdout.isatty() else None
        for info in data_list:
            values[osp.basename(info['seg_map_path'])] = self._mask_values(info)
            if progress is not None:
                progress.update()
        self._write_cache(dict(key=key, ann_file=osp.abspath(self.ann_file), values=values))
        return values

    def _cache_files(self) -> List[str]:
        """Where the scan may be cached, in order of preference."""
        stem = osp.splitext(osp.basename(self.ann_file))[0]
        # Outside the data folder the name must tell apart equally named split lists.
        tag = hashlib.sha1(osp.abspath(self.ann_file).encode()).hexdigest()[:12]
        elsewhere = f'voc_subset_{stem}_{tag}.json'
        if self.cache_dir:
            return [osp.join(self.cache_dir, elsewhere)]
        ann_dir = osp.dirname(osp.abspath(self.ann_file))
        files = [osp.join(ann_dir, f'.{stem}.seglab_scan.json')] if _writable(ann_dir) else []
        return files + [osp.join(osp.expanduser('~'), '.cache', 'seglab', elsewhere)]

    def _write_cache(self, content: dict) -> None:
        errors = []
        for cache_file in self._cache_files():
            tmp = f'{cache_file}.{os.getpid()}.tmp'
            try:
                os.makedirs(osp.dirname(cache_file), exist_ok=True)
                with open(tmp, 'w') as f:
                    json.dump(content, f)
                os.replace(tmp, cache_file)  # concurrent workers/ranks never read half a file
            except OSError as err:
                errors.append(f'{cache_file}: {err}')
                continue
            print_log(f'VOCSubsetDataset: mask scan cached in {cache_file}', logger='current')
            return
        # Not fatal: the next start scans again.
        print_log(f'VOCSubsetDataset: could not cache the mask scan ({"; ".join(errors)}); '
                  f'pass a writable cache_dir=... to make later starts instant.',
                  logger='current', level=30)

    def _mask_values(self, info: dict) -> List[int]:
        path = info['seg_map_path']
        with open(path, 'rb') as f:
            data = f.read()
        # PIL's own messages ("cannot identify image file", "image file is truncated") name
        # neither the file nor the fix; a truncated PNG fails only when its pixels decode.
        problem = describe_corruption(data)
        if problem is None:
            try:
                mask = Image.open(io.BytesIO(data))
                mask_array = np.asarray(mask)
            except (OSError, SyntaxError, ValueError) as err:
                problem = f'could not be decoded ({err})'
        if problem is not None:
            self._unreadable('mask', path, problem)
        try:
            img = Image.open(info['img_path'])  # the header only: the loaders check the rest
        except (OSError, SyntaxError, ValueError) as err:
            self._unreadable('image', info['img_path'], f'could not be decoded ({err})')
        with img:
            if img.size != mask.size:
                raise ValueError(
                    f"VOCSubsetDataset: image {info['img_path']} is {img.size[0]}x"
                    f"{img.size[1]} but its mask {info['seg_map_path']} is {mask.size[0]}x"
                    f'{mask.size[1]}; they must have the same size.')
        values = np.unique(mask_array)
        bad = [int(v) for v in values if v >= len(VOC_CLASSES) and v != VOID]
        if bad:
            raise ValueError(
                f"VOCSubsetDataset: mask {info['seg_map_path']} has values {bad}, outside the "
                f'VOC class ids 0-{len(VOC_CLASSES) - 1} and {VOID} (void). Masks must be '
                f'VOC palette PNGs of class ids, not RGB colours.')
        return [int(v) for v in values]

    def _unreadable(self, what: str, path: str, problem: str) -> None:
        sample_id = osp.splitext(osp.basename(path))[0]
        raise OSError(
            f'VOCSubsetDataset: the {what} {path} {problem}, found while scanning the masks of '
            f'{self.ann_file}. Replace it with the file from the VOC archive, or remove the '
            f'line {sample_id!r} from {self.ann_file}.')


def _writable(directory: str) -> bool:
    """Whether ``directory`` accepts files; no write bits means no, even for root."""
    try:
        mode = os.stat(directory).st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(directory, os.W_OK)


def _read_json(path: str) -> Optional[dict]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # absent or damaged: scan again
