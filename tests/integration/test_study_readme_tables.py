"""The study READMEs' result tables rebuild from the committed run files.

A README embeds a table between ``<!-- table: PREFIX.md -->`` and ``<!-- end table -->`` and
shows, in a code block, the ``compare_runs.py ... --out PREFIX`` (or
``logged_scalar_table.py ... --out PREFIX``) command that writes it from the per-run files
committed under ``projects/<study>/results/``. Here that command runs again
into a temporary folder: its Markdown must equal both the committed ``PREFIX.md`` and the
README's copy, so neither can drift from the runs.
"""
import glob
import os.path as osp
import re
import shlex

import pytest

from helpers import REPO, load_tool

MARKER = re.compile(r'<!-- table: (\S+\.md) -->\n(.*?)<!-- end table -->', re.S)
TOOLS = ('compare_runs', 'logged_scalar_table')  # the tools that write README tables
COMMAND = re.compile(r'python tools/analysis_tools/(?:%s)\.py(?:[^\n]*\\\n)*[^\n]*'
                     % '|'.join(TOOLS))


def _readme_tables():
    for readme in sorted(glob.glob(osp.join(REPO, 'projects', '*', 'README.md'))):
        text = open(readme).read()
        commands = [_argv(c) for c in COMMAND.findall(text)]
        for table, body in MARKER.findall(text):
            yield osp.relpath(readme, REPO), table, body, commands


def _argv(command):
    """``[tool name, args...]`` of a shown command."""
    words = shlex.split(command.replace('\\\n', ' '))
    return [osp.splitext(osp.basename(words[1]))[0]] + words[2:]


def _tool(name):
    return load_tool(f'tools/analysis_tools/{name}.py', f'readme_{name}')


def _command_for(table, commands):
    prefix = table[:-len('.md')]
    for argv in commands:
        if '--out' in argv and argv[argv.index('--out') + 1] == prefix:
            return argv
    return None


TABLES = list(_readme_tables())


@pytest.mark.parametrize('readme,table,body,commands', TABLES,
                         ids=[t[1] for t in TABLES] or None)
def test_readme_table_is_what_its_command_writes(readme, table, body, commands, tmp_path,
                                                monkeypatch):
    argv = _command_for(table, commands)
    assert argv is not None, (f'{readme}: no `compare_runs.py ... --out {table[:-3]}` '
                              '(or logged_scalar_table.py) command shown for this table')
    committed = open(osp.join(REPO, table)).read()
    assert body.strip() == committed.strip(), (
        f'{readme}: the table differs from {table}; paste the file between the markers')
    tool, argv = argv[0], list(argv[1:])
    argv[argv.index('--out') + 1] = str(tmp_path / 'table')
    monkeypatch.chdir(REPO)
    _tool(tool).main(argv)
    rebuilt = (tmp_path / 'table.md').read_text()
    assert rebuilt == committed, (f'{table} is not what its command writes from the committed '
                                  f'runs; rerun the command shown in {readme}')


def test_marker_and_command_parsing():
    text = ('```bash\npython tools/analysis_tools/compare_runs.py a/b \\\n    --names "x y" '
            '--out p/t\npython tools/analysis_tools/logged_scalar_table.py a/c --key k '
            '--out p/r\npython tools/analysis_tools/plot_curves.py a/b --out p/u.png\n```\n'
            '<!-- table: p/t.md -->\n| a |\n<!-- end table -->\n')
    commands = [_argv(c) for c in COMMAND.findall(text)]
    assert commands == [['compare_runs', 'a/b', '--names', 'x y', '--out', 'p/t'],
                        ['logged_scalar_table', 'a/c', '--key', 'k', '--out', 'p/r']]
    assert MARKER.findall(text) == [('p/t.md', '| a |\n')]
    assert _command_for('p/t.md', commands) == commands[0]
    assert _command_for('p/r.md', commands) == commands[1]
    assert _command_for('p/u.md', commands) is None
