"""Compare a segmentor's heads and a dataset's pipeline with the dataset's classes.

A head whose ``num_classes`` differs from the dataset trains silently (or fails deep inside a
loss with an index error); :class:`~seglab.engine.ClassNumberCheckHook` runs these checks
before the first iteration so the error names both numbers and the config fields to fix.
"""
from typing import Iterable, List, Tuple


def _heads(model) -> List[Tuple[str, object]]:
    """(config path, head module) of every decode/auxiliary head of a segmentor."""
    model = getattr(model, 'module', model)  # DDP / TTA wrappers
    found = []
    for attr in ('decode_head', 'auxiliary_head'):
        head = getattr(model, attr, None)
        if head is None:
            continue
        if isinstance(head, Iterable) and not hasattr(head, 'num_classes'):
            found += [(f'model.{attr}[{i}]', h) for i, h in enumerate(head)]
        else:
            found.append((f'model.{attr}', head))
    return [(path, head) for path, head in found if hasattr(head, 'num_classes')]


def check_num_classes(model, dataset, dataset_field: str) -> None:
    """Raise a ``ValueError`` when a head's ``num_classes`` differs from the dataset's classes.

    Args:
        model: The segmentor (possibly wrapped).
        dataset: A dataset with ``metainfo['classes']``.
        dataset_field (str): Where the dataset is configured, for the message
            (e.g. ``train_dataloader.dataset``).
    """
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    if not classes:
        return
    wrong = [(path, head.num_classes) for path, head in _heads(model)
             if head.num_classes != len(classes)]
    if not wrong:
        return
    heads = '; '.join(f'{path}.num_classes = {n}' for path, n in wrong)
    fixes = ' '.join(f'{path}.num_classes={len(classes)}' for path, _ in wrong)
    raise ValueError(
        f'Class count mismatch: the dataset {type(dataset).__name__} ({dataset_field}) has '
        f'{len(classes)} classes {tuple(classes)}, but {heads}.\n'
        f'Fix one side: set {" and ".join(p + ".num_classes" for p, _ in wrong)} to '
        f'{len(classes)} in the config (or --cfg-options {fixes}), or give the dataset the '
        f'classes the model predicts ({dataset_field}.metainfo=dict(classes=...) or the '
        f'dataset\'s class-subset option).')


def check_loader_num_classes(dataset, dataset_field: str) -> None:
    """Raise a ``ValueError`` when ``CheckedLoadAnnotations(num_classes=...)`` in a dataset's
    pipeline differs from the dataset's classes (a base config's ``num_classes`` variable
    left behind by a config that changed the dataset); wrappers are searched too."""
    from seglab.datasets.transforms import CheckedLoadAnnotations
    inner = getattr(dataset, 'datasets', None) or [getattr(dataset, 'dataset', None)]
    if not hasattr(dataset, 'pipeline'):
        for i, child in enumerate(d for d in inner if d is not None):
            name = 'datasets[%d]' % i if hasattr(dataset, 'datasets') else 'dataset'
            check_loader_num_classes(child, f'{dataset_field}.{name}')
        return
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    for i, transform in enumerate(getattr(dataset.pipeline, 'transforms', [])):
        given = getattr(transform, 'num_classes', None)
        if (isinstance(transform, CheckedLoadAnnotations) and classes and given is not None
                and given != len(classes)):
            raise ValueError(
                f'{dataset_field}.pipeline[{i}] is CheckedLoadAnnotations(num_classes={given}) '
                f'but the dataset {type(dataset).__name__} has {len(classes)} classes, so '
                f'valid labels would be rejected or wrong ones accepted. Set '
                f'num_classes={len(classes)} there (or --cfg-options '
                f'{dataset_field}.pipeline.{i}.num_classes={len(classes)}).')
