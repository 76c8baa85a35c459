"""Dependency direction: the library never imports ``seglab.utils`` (the tools' shared code),
and nothing outside ``seglab.analysis`` (offline code) imports it."""
import ast
from pathlib import Path
from typing import Iterator, Tuple

import helpers

REPO = Path(helpers.REPO)
PACKAGE = REPO / 'seglab'
# seglab/utils may import itself; the benchmark package is tool-side code built on it.
ALLOWED = (PACKAGE / 'utils', PACKAGE / 'benchmark')


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, absolute dotted name) of every module an import statement of ``path`` names;
    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a submodule)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path)
    if path.name != '__init__.py':
        package = package.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = '.'.join(anchor + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f'{base}.{alias.name}'


def library_files():
    return [p for p in sorted(PACKAGE.rglob('*.py'))
            if not any(p.is_relative_to(allowed) for allowed in ALLOWED)]


def test_module_resolution_handles_relative_imports():
    source = PACKAGE / 'engine' / 'class_number_check_hook.py'
    names = {name for _, name in imported_modules(source)}
    assert 'seglab.engine.num_classes_check' in names
    assert 'mmseg.registry.HOOKS' in names


def test_library_does_not_import_utils():
    offending = [f'{p.relative_to(REPO)}:{line}: {name}'
                 for p in library_files() for line, name in imported_modules(p)
                 if name == 'seglab.utils' or name.startswith('seglab.utils.')]
    assert not offending, ('seglab/utils is what the command-line tools share; library code '
                           'must not import it:\n' + '\n'.join(offending))


def test_runtime_package_does_not_import_analysis():
    offending = [f'{p.relative_to(REPO)}:{line}: {name}'
                 for p in library_files() if not p.is_relative_to(PACKAGE / 'analysis')
                 for line, name in imported_modules(p)
                 if name == 'seglab.analysis' or name.startswith('seglab.analysis.')]
    assert not offending, ('seglab.analysis is offline code; nothing the runner uses may '
                           'import it:\n' + '\n'.join(offending))
