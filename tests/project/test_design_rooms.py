"""docs/DESIGN.md names every room: each source file under pyuvnet/ (its
.py, .pyx, .pxd and .h; not the stubs nor a package's __init__) is in a
row of its tables, by its path or by its name in backticks on a row that
names its folder (or in a table whose header names it, as the
``pyuvnet/_internal/`` table's), so that a new room cannot go unsaid."""
import os
import re

import pytest

from support import ROOT

DESIGN = os.path.join(ROOT, 'docs', 'DESIGN.md')
PACKAGE = os.path.join(ROOT, 'pyuvnet')
if not os.path.isfile(DESIGN):
    pytest.skip('needs the source tree (docs/DESIGN.md)', allow_module_level=True)

SOURCES = ('.py', '.pyx', '.pxd', '.h')


def table_rows(text):
    """(folder, row) for each table row of ``text``: ``folder`` is what the
    table's header names as its first cell (``_internal/`` for
    ``| `pyuvnet/_internal/` | ...``), '' when it names none."""
    folder, in_table = '', False
    for line in text.split('\n'):
        if not line.startswith('|'):
            in_table = False
            continue
        if not in_table:
            header = re.match(r'\|\s*`pyuvnet/([\w/]+/)`\s*\|', line)
            folder = header.group(1) if header else ''
            in_table = True
        yield folder, line


def folder_named(folder, row):
    """Whether ``row`` names ``folder`` ('dgram', 'uv/asgi'), alone: not as
    the tail of another folder (``uv/asgi/`` does not name ``asgi/``)."""
    return re.search(r'(?<![\w/])(pyuvnet/)?%s/' % re.escape(folder), row) is not None


def is_named(relative, rows):
    """Whether one of ``rows`` names the room at ``relative`` (its path
    below pyuvnet/, with '/')."""
    path = re.compile(r'(?<![\w/])(pyuvnet/)?%s\b' % re.escape(relative))
    for table_folder, row in rows:
        if path.search(row):
            return True
        local = relative
        if table_folder and relative.startswith(table_folder):
            local = relative[len(table_folder):]
        folder, name = local.rpartition('/')[::2]
        if '`%s`' % name in row and (not folder or folder_named(folder, row)):
            return True
    return False


def rooms():
    for folder, dirs, files in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for file in files:
            if file.endswith(SOURCES) and not file.startswith('__init__.'):
                yield os.path.relpath(os.path.join(folder, file), PACKAGE).replace(os.sep, '/')


def test_every_room_is_named_in_design():
    with open(DESIGN, encoding='utf-8') as f:
        rows = list(table_rows(f.read()))
    assert [room for room in sorted(rooms()) if not is_named(room, rows)] == []


def test_a_room_named_only_for_another_folder_is_unnamed():
    text = ('| family | rooms |\n|---|---|\n'
            '| net | `net/_socket.py`, `_errors.py` |\n'
            '| dgram | `pyuvnet/dgram/__init__.py`, `dgram/_socket.py` |\n'
            '| asgi | `pyuvnet/uv/asgi/` (`cycle.pyx`) |\n\n'
            '| `pyuvnet/_internal/` | what |\n|---|---|\n| `streams/` | `native.py` |\n')
    rows = list(table_rows(text))
    assert is_named('net/_errors.py', rows)
    assert is_named('dgram/_socket.py', rows)
    assert is_named('uv/asgi/cycle.pyx', rows)
    assert is_named('_internal/streams/native.py', rows)
    # Named for net's folder, not dgram's; asgi's cycle.pyx is uv/asgi's.
    assert not is_named('dgram/_errors.py', rows)
    assert not is_named('asgi/cycle.pyx', rows)
    assert not is_named('_internal/streams/state.py', rows)
