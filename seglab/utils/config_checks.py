"""Clear errors for unknown config ``type`` names.

mmengine reports an unknown ``type`` late and tersely, as a bare ``KeyError``; the helpers
here turn it into one message that names the closest registered names and the fix. (The
class-count check lives next to its hook in :mod:`seglab.engine.num_classes_check`, the
checkpoint key report in :mod:`seglab.compat.key_report`.)
"""
import difflib
import re
from collections import OrderedDict
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence

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
