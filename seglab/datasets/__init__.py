"""Datasets and transforms, registered into mmseg's registries on import."""
from .camvid import CamVidDataset
from .oxford_pet import OxfordPetDataset
from .transforms import SegColorJitter, SegRandomResizedCrop
from .voc_subset import VOCSubsetDataset

__all__ = [
    'CamVidDataset', 'OxfordPetDataset', 'SegColorJitter', 'SegRandomResizedCrop',
    'VOCSubsetDataset'
]
