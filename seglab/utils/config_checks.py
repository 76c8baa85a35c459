"""Clear errors for common configuration mistakes.

mmengine reports these late and tersely: an unknown ``type`` is a bare ``KeyError``, a head
whose ``num_classes`` differs from the dataset trains silently (or fails deep inside a loss
with an index error), and a checkpoint of another model logs a flat list of hundreds of keys.
The helpers here turn each into one message that names the numbers, the parts and the fix.
"""
import difflib
import re
from collections import OrderedDict
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from mmengine.registry import Registry

_UNKNOWN_TYPE = re.compile(r'`?([\w.]+)`? is not in the ([\w.]+)::(\w+) registry')


class UnknownTypeError(KeyError):
    """A config ``type`` that no registry holds; the message lists the closest names."""

    def __str__(self) -> str:  # KeyError would show the repr (quotes, escaped newlines)
        return str(self.args[0])


def _root(registry: Registry) -> Registry:
    while registry.parent is not None:
        registry = registry.parent
    return registry


def registered_names(registry: Registry) -> List[str]:
    """Every name reachable from ``registry``: its own, its parents' and all their children's.

    ``Registry.get`` finds its own and its ancestors' names bare; names of other scopes
    (siblings, children) are given as ``scope.Name``, the form a config uses to reach them.
    """
    names: Dict[str, None] = OrderedDict()
    ancestors = []
    node = registry
    while node is not None:
        ancestors.append(node)
        node = node.parent
    for node in ancestors:
        for name in node.module_dict:
            names[name] = None
    stack = [ancestors[-1]]
    while stack:
        node = stack.pop()
        if all(node is not a for a in ancestors):
            for name in node.module_dict:
                names[f'{node.scope}.{name}'] = None
        stack.extend(node.children.values())
    return list(names)


def closest_names(name: str, candidates: Sequence[str], n: int = 5) -> List[str]:
    """Up to ``n`` candidates closest to ``name`` (case-insensitive, scope prefix ignored)."""
    short = name.split('.')[-1].lower()
    keyed = {c.split('.')[-1].lower(): c for c in reversed(candidates)}
    found = difflib.get_close_matches(short, list(keyed), n=n, cutoff=0.6)
    # Substring hits catch names difflib scores low (``UNet`` for ``PlainUNet``).
    found += [k for k in keyed if len(short) >= 4 and (short in k or k in short)
              and k not in found]
    return [keyed[k] for k in found[:n]]


def find_registry(scope: str, name: str) -> Optional[Registry]:
    """The registry called ``name`` in ``scope`` (e.g. ``mmseg``, ``model``)."""
    import mmseg.registry as mmseg_registry
    candidates = [r for r in vars(mmseg_registry).values() if isinstance(r, Registry)]
    for registry in list(candidates):
        node = _root(registry)
        stack = [node]
        while stack:
            node = stack.pop()
            if node.scope == scope and node.name == name:
                return node
            stack.extend(node.children.values())
    return None


def explain_unknown_type(message: str) -> Optional[str]:
    """For mmengine's 'X is not in the scope::name registry' message, the fuller message."""
    match = _UNKNOWN_TYPE.search(message)
    if match is None:
        return None
    type_name, scope, registry_name = match.groups()
    registry = find_registry(scope, registry_name)
    if registry is None:
        return None
    suggestions = closest_names(type_name, registered_names(registry))
    hint = (f'Did you mean: {", ".join(suggestions)}?' if suggestions else
            'No registered name is close to it.')
    return (f'Unknown type {type_name!r}: nothing called that is registered in the '
            f'{scope}::{registry_name} registry (searched with its parent and child scopes). '
            f'{hint}\nFix the `type` in your config, or make sure the module defining it is '
            f'imported (custom_imports = dict(imports=[...]); seglab modules register on '
            f'`import seglab`).\nmmengine said: {message}')


@contextmanager
def explain_build_errors() -> Iterator[None]:
    """Re-raise mmengine's unknown-type ``KeyError`` as :class:`UnknownTypeError`."""
    try:
        yield
    except KeyError as err:
        if isinstance(err, UnknownTypeError):
            raise
        explained = explain_unknown_type(str(err.args[0]) if err.args else str(err))
        if explained is None:
            raise
        raise UnknownTypeError(explained) from err


# ----------------------------------------------------------------- classes vs num_classes
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


# ------------------------------------------------------------- checkpoint/model key mismatch
def model_part(key: str) -> str:
    """The top-level part a state-dict key belongs to (``backbone``, ``decode_head``...)."""
    if key.startswith('module.'):
        key = key[len('module.'):]
    return key.split('.')[0]


def group_by_part(keys: Iterable[str]) -> 'OrderedDict[str, List[str]]':
    groups: 'OrderedDict[str, List[str]]' = OrderedDict()
    for key in keys:
        groups.setdefault(model_part(key), []).append(key)
    return groups


def describe_key_mismatch(model_keys: Sequence[str],
                          checkpoint_keys: Sequence[str],
                          shape_mismatch: Sequence[str] = (),
                          examples: int = 3) -> Optional[str]:
    """A readable summary of how a checkpoint's keys differ from a model's, by model part.

    Returns None when every key matches.
    """
    model_set, ckpt_set = set(model_keys), set(checkpoint_keys)
    missing = [k for k in model_keys if k not in ckpt_set]
    unexpected = [k for k in checkpoint_keys if k not in model_set]
    if not missing and not unexpected and not shape_mismatch:
        return None
    lines = []
    if model_set and not (model_set & ckpt_set):
        lines.append(f'None of the checkpoint\'s {len(ckpt_set)} keys match the model\'s '
                     f'{len(model_set)}: this checkpoint is probably for another model (or '
                     f'its keys carry a prefix such as "module." or "backbone.").')
    for title, keys in (('missing in the checkpoint (left as initialised)', missing),
                        ('unexpected (in the checkpoint, not in the model)', unexpected),
                        ('shape mismatch (not loaded)', list(shape_mismatch))):
        if not keys:
            continue
        lines.append(f'{len(keys)} keys {title}:')
        for part, part_keys in group_by_part(keys).items():
            shown = ', '.join(part_keys[:examples])
            more = f', ... (+{len(part_keys) - examples})' if len(part_keys) > examples else ''
            lines.append(f'  {part}: {len(part_keys)} ({shown}{more})')
    return '\n'.join(lines)
