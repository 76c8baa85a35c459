"""Config typos found at start-up: misspelt top-level keys and unexpected keywords.

mmengine silently ignores a top-level key it does not read (``optim_wraper = dict(...)``
trains with the base config's optimiser), reports a misspelt keyword of a component as a bare
``TypeError`` from deep inside the build, and some only when they are first used: a
misspelt ``CheckpointHook`` key is passed on to ``Runner.save_checkpoint`` at the first save.
:func:`check_config_keys` finds both kinds before anything is built and names the config
path of each field with the closest valid name.
"""
import ast
import difflib
import functools
import inspect
import textwrap
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import torch
from mmengine.hooks import CheckpointHook
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.runner import Runner

from mmseg import registry as R

# What mmengine's Runner (and its from_cfg), mmengine's Config and mmseg's tools read from the
# top level of a config; anything else is a variable of the config itself.
RUNNER_KEYS = tuple(p for p in inspect.signature(Runner.__init__).parameters
                    if p not in ('self', 'cfg'))
READ_KEYS = RUNNER_KEYS + (
    'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'compile', 'runner_type', 'custom_imports', 'tta_model')
# Variables of mmseg's, mmpretrain's and seglab's configs that are close to a read key.
KNOWN_VARIABLES = frozenset({'models', 'query_dataloader', 'gallery_dataloader', 'custom_keys'})
TYPO_CUTOFF = 0.8  # difflib ratio: 'optim_wraper' 0.96, 'val_pipeline'~'tta_pipeline' 0.83

# Keys that a builder pops before calling the class, by registry.
_BUILDER_KEYS = {
    'hook': {'priority'},  # Runner.register_hook
    'parameter scheduler': {'convert_to_iter_based'},  # mmengine's scheduler build
    'weight initializer': {'override'},  # mmengine.model.initialize
}
_DATALOADER_KEYS = frozenset(inspect.signature(torch.utils.data.DataLoader).parameters) | {
    'num_batch_per_epoch', 'disable_subprocess_warning'}  # popped by Runner.build_dataloader


class ConfigKeyError(ValueError):
    """Misspelt top-level keys or unexpected keywords; the message lists each with a fix."""


def _close(name: str, candidates, cutoff: float = 0.6) -> Optional[str]:
    found = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=cutoff)
    return found[0] if found else None


def unknown_top_level_keys(cfg) -> List[str]:
    """Problems with top-level keys that look like a misspelt key mmengine reads."""
    problems = []
    for key in cfg.keys():
        if key in READ_KEYS or key in KNOWN_VARIABLES or key.endswith('_pipeline'):
            continue
        best = _close(key, READ_KEYS, TYPO_CUTOFF)
        if best is not None:
            problems.append(
                f'{key}: not a key mmengine reads, so this setting would be ignored; did you '
                f'mean {best!r}?')
    return problems


# ------------------------------------------------------------- which keywords a class takes
def _kwargs_use(init: Callable, var_kw: str) -> Tuple[Optional[str], Set[str]]:
    """How ``init`` uses its ``**var_kw``: 'forwarded' (only passed on to a base
    ``__init__``, besides keys read by name, returned too), 'unused' (extra keys are silently
    dropped) or None (used any other way, or the source is unavailable)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(init))))
    except (OSError, TypeError, SyntaxError):
        return None, set()
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    forwarded, consumed = False, set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and node.id == var_kw):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.keyword) and parent.arg is None:
            call = parents.get(parent)
            if isinstance(call.func, ast.Attribute) and call.func.attr == '__init__':
                forwarded = True
                continue
            return None, set()
        if (isinstance(parent, ast.Attribute) and parent.attr in ('get', 'pop', 'setdefault')
                and isinstance(parents.get(parent), ast.Call)
                and parents[parent].args and isinstance(parents[parent].args[0], ast.Constant)):
            consumed.add(parents[parent].args[0].value)
        elif isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Constant):
            consumed.add(parent.slice.value)
        elif isinstance(parent, ast.Compare) and isinstance(parent.left, ast.Constant):
            consumed.add(parent.left.value)  # 'key' in kwargs
        else:
            return None, set()
    return ('forwarded' if forwarded else 'unused' if not consumed else None), consumed


@functools.lru_cache(maxsize=None)
def accepted_keywords(obj) -> Optional[frozenset]:
    """The keyword arguments ``obj`` (a class or function) accepts, or None if open-ended.

    A class's ``**kwargs`` is followed up its MRO while ``__init__`` only forwards it to the
    base ``__init__``; ``object``/``nn.Module`` accept nothing more, and a ``**kwargs`` that
    ``__init__`` never reads drops every extra key unseen. mmengine's
    ``CheckpointHook`` passes its ``**kwargs`` to ``Runner.save_checkpoint``, which takes
    no argument that the hook does not already pass, so every extra key fails there.
    """
    if not inspect.isclass(obj):
        try:
            params = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(p.kind == p.VAR_KEYWORD for p in params):
            return None
        return frozenset(p.name for p in params if p.name != 'self' and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    names: Set[str] = set()
    for klass in obj.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        if klass in (object, torch.nn.Module, CheckpointHook):
            if klass is CheckpointHook:
                names.update(inspect.signature(init).parameters)
            return frozenset(names - {'self'})
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        var_kw = None
        for p in params:
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                names.add(p.name)
            elif p.kind == p.VAR_KEYWORD:
                var_kw = p.name
        if var_kw is None:
            return frozenset(names - {'self'})
        use, consumed = _kwargs_use(init, var_kw)
        if use == 'unused':  # IoUMetric(**kwargs): a misspelt key would be dropped silently
            return frozenset(names - {'self'})
        if use is None:
            return None
        names |= consumed
    return frozenset(names - {'self'})


# ------------------------------------------------------------------------- walking a config
class _Walker:
    """Collects unexpected keywords of every typed component reachable from the config."""

    def __init__(self) -> None:
        self.problems: List[str] = []

    def component(self, node, path: str, registry, default_type=None, extra=(),
                  scope: Optional[str] = None) -> None:
        if isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                self.component(item, f'{path}[{i}]', registry, default_type, extra, scope)
            return
        if not isinstance(node, dict):
            return
        obj_type = node.get('type', default_type)
        scope = node.get('_scope_', scope)
        if isinstance(obj_type, str):
            if '.' in obj_type:
                scope = obj_type.split('.')[0]
            name = obj_type if scope is None or '.' in obj_type else f'{scope}.{obj_type}'
            try:
                obj = registry.get(name)
            except Exception:  # a broken or unknown name is explain_build_errors' job
                obj = None
        else:
            obj = obj_type
        if obj is None:
            return
        try:
            accepted = accepted_keywords(obj)
        except Exception:  # an exotic callable: not checked rather than blocking the run
            accepted = None
        if accepted is not None:
            allowed = accepted | {'type', '_scope_'} | set(extra) | _BUILDER_KEYS.get(
                registry.name, set())
            for key in node:
                if key not in allowed:
                    self._unexpected(f'{path}.{key}', key, obj, allowed - {'type', '_scope_'})
        self.children(node, path, registry, scope)

    def _unexpected(self, field: str, key: str, obj, accepted) -> None:
        best = _close(key, accepted)
        hint = (f'did you mean {best!r}?' if best else
                f'it takes: {", ".join(sorted(accepted)) or "no keyword"}.')
        self.problems.append(f'{field}: {getattr(obj, "__name__", obj)} takes no argument '
                             f'{key!r}; {hint}')

    def children(self, node: dict, path: str, registry, scope) -> None:
        for key, value in node.items():
            if key in ('type', '_scope_') or not isinstance(value, (dict, list, tuple)):
                continue
            child_registry = _CHILD_REGISTRY.get((registry.name, key), registry)
            if registry.name not in ('model', 'weight initializer') and \
                    (registry.name, key) not in _CHILD_REGISTRY:
                # Other components' dict arguments are not built from a registry as they
                # are (RandAugment reads its policies' keys itself).
                continue
            extra = ({'requires_grad'} if key.endswith('norm_cfg')  # build_norm_layer pops it
                     else {'name'} if key == 'override' else ())  # so does initialize
            self.component(value, f'{path}.{key}', child_registry, extra=extra, scope=scope)


_CHILD_REGISTRY = {
    ('model', 'init_cfg'): R.WEIGHT_INITIALIZERS,
    ('dataset', 'pipeline'): R.TRANSFORMS,
    ('transform', 'transforms'): R.TRANSFORMS,  # TestTimeAug, RandomChoice, RandomApply
    ('dataset', 'dataset'): R.DATASETS,
    ('dataset', 'datasets'): R.DATASETS,
    ('visualizer', 'vis_backends'): R.VISBACKENDS,
}


def unexpected_keywords(cfg) -> List[str]:
    """Problems with keywords that the component they configure does not take."""
    walker = _Walker()
    scope = cfg.get('default_scope') or 'mmseg'
    scope = None if scope == 'mmseg' else scope
    roots: Dict[str, tuple] = {
        'model': (R.MODELS, None), 'tta_model': (R.MODELS, None),
        'param_scheduler': (R.PARAM_SCHEDULERS, None), 'custom_hooks': (R.HOOKS, None),
        'val_evaluator': (R.METRICS, None), 'test_evaluator': (R.METRICS, None),
        'visualizer': (R.VISUALIZERS, None), 'log_processor': (R.LOG_PROCESSORS, 'LogProcessor'),
        'val_cfg': (R.LOOPS, 'ValLoop'), 'test_cfg': (R.LOOPS, 'TestLoop'),
        'tta_pipeline': (R.TRANSFORMS, None),
    }
    for key, (registry, default_type) in roots.items():
        node = cfg.get(key)
        if key.endswith('_evaluator') and isinstance(node, dict) and 'metrics' in node:
            node = node['metrics']  # an Evaluator config
        walker.component(node, key, registry, default_type, scope=scope)
    train_cfg = cfg.get('train_cfg')
    if isinstance(train_cfg, dict):
        loop = None if 'type' in train_cfg else (
            'EpochBasedTrainLoop' if train_cfg.get('by_epoch', True) else 'IterBasedTrainLoop')
        walker.component(train_cfg, 'train_cfg', R.LOOPS, loop, extra={'by_epoch'} if loop
                         else (), scope=scope)
    for name, hook in (cfg.get('default_hooks') or {}).items():
        walker.component(hook, f'default_hooks.{name}', R.HOOKS, scope=scope)
    _optim_wrapper(walker, cfg.get('optim_wrapper'), scope)
    for key in cfg.keys():
        if key.endswith('_dataloader') and isinstance(cfg[key], dict):
            _dataloader(walker, cfg[key], key, scope)
    if isinstance(cfg.get('randomness'), dict):
        accepted = accepted_keywords(Runner.set_randomness)
        for key in cfg.randomness:
            if key not in accepted:
                walker._unexpected(f'randomness.{key}', key, Runner.set_randomness, accepted)
    return walker.problems


def _optim_wrapper(walker: _Walker, node, scope) -> None:
    if not isinstance(node, dict) or 'optimizer' not in node:
        return  # absent, or several optimizers (OptimWrapperDict)
    walker.component(node['optimizer'], 'optim_wrapper.optimizer', R.OPTIMIZERS, scope=scope)
    constructor = node.get('constructor', 'DefaultOptimWrapperConstructor')
    constructor_cls = (R.OPTIM_WRAPPER_CONSTRUCTORS.get(constructor)
                       if isinstance(constructor, str) else constructor)
    # A custom constructor may read keys of its own from the wrapper config.
    if inspect.isclass(constructor_cls) and issubclass(constructor_cls,
                                                        DefaultOptimWrapperConstructor):
        wrapper = {k: v for k, v in node.items() if k != 'optimizer'}
        walker.component(wrapper, 'optim_wrapper', R.OPTIM_WRAPPERS, 'OptimWrapper',
                         extra={'paramwise_cfg', 'constructor'}, scope=scope)


def _dataloader(walker: _Walker, node: dict, path: str, scope) -> None:
    for key in node:
        if key not in _DATALOADER_KEYS:
            walker._unexpected(f'{path}.{key}', key, torch.utils.data.DataLoader,
                               _DATALOADER_KEYS)
    walker.component(node.get('dataset'), f'{path}.dataset', R.DATASETS, scope=scope)
    for key in ('sampler', 'batch_sampler'):
        walker.component(node.get(key), f'{path}.{key}', R.DATA_SAMPLERS, scope=scope)


def check_config_keys(cfg, checks: Sequence[Callable] = (unknown_top_level_keys,
                                                         unexpected_keywords)) -> None:
    """Raise :class:`ConfigKeyError` listing every misspelt top-level key and every keyword
    a component does not take, each with its config path and the closest valid name."""
    problems = [p for check in checks for p in check(cfg)]
    if problems:
        where = f' ({cfg.filename})' if getattr(cfg, 'filename', None) else ''
        raise ConfigKeyError(
            f'{len(problems)} unknown key(s) in the config{where}:\n  ' + '\n  '.join(problems)
            + '\nFix the spelling in the config (or the --cfg-options key). If a name is '
            'right (a module that reads keys this check cannot see), pass --no-key-check.')
