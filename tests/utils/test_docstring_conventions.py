"""Conventions a newcomer relies on: every package says what it exports, defaults read alike."""
import ast
import importlib
import pathlib
import re

import pytest

import seglab

ROOT = pathlib.Path(seglab.__file__).resolve().parent
PACKAGES = sorted(p.parent for p in ROOT.rglob('__init__.py'))


def module_name(package_dir: pathlib.Path) -> str:
    return '.'.join(package_dir.relative_to(ROOT.parent).parts)


@pytest.mark.parametrize('package', PACKAGES, ids=module_name)
def test_every_package_exports_with_all(package):
    module = importlib.import_module(module_name(package))
    names = getattr(module, '__all__', None)
    assert names, f'{package.relative_to(ROOT.parent) / "__init__.py"} has no __all__'
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f'{module_name(package)}.__all__ names undefined {missing}'


def docstrings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield getattr(node, 'lineno', 1), doc


def test_docstring_defaults_use_default_colon():
    """mmseg writes ``Default: X.`` in Args; 'Defaults to X' / '(default: X)' are the others."""
    other = re.compile(r'\bDefaults? to\b|\(default[:)]')
    found = [f'{path.relative_to(ROOT.parent)}:{line}'
             for path in sorted(ROOT.rglob('*.py'))
             for line, doc in docstrings(ast.parse(path.read_text(encoding='utf-8')))
             if other.search(doc)]
    assert not found, f'write "Default: X." in these docstrings: {found}'
