"""The Python<->C contracts are declared once, in pyuvnet/_uv.pyi: typed
Protocols for what the C layer calls (an H2Core's owner, a session's
streams), TypedDicts for the helpers each ``_set_*_kit(**kit)`` hands
down.  mypy checks each implementation against its Protocol (the lines
``_..._meet_...: type[Protocol] = Class`` in the stubs, `make typecheck`),
stubtest checks the stubs against the running code, and these tests
show the check bites and that the kits handed down are the declared ones."""
import ast
import os
import re
import shutil
import subprocess
import sys

import pytest

from support import ROOT
from typing_support import MYPY_TARGET, TOOLS, needs_mypy

PACKAGE = os.path.join(ROOT, 'pyuvnet')
STUB = os.path.join(PACKAGE, '_uv.pyi')

if not os.path.isfile(STUB):
    # The wheels' tests run from a copy of tests/ without the source tree.
    pytest.skip('needs the source tree (the stubs)', allow_module_level=True)


def _typed_dict_keys(name):
    """The keys of the TypedDict ``name`` in _uv.pyi."""
    with open(STUB) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return {item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
    raise AssertionError('no TypedDict %s in _uv.pyi' % name)


def _kit_call_keywords(path, function):
    """The keywords of the one ``_uv.<function>(...)`` call in ``path``."""
    with open(os.path.join(ROOT, path)) as f:
        tree = ast.parse(f.read())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr == function]
    assert len(calls) == 1, path
    return {keyword.arg for keyword in calls[0].keywords}


def _c_reads(pattern):
    """The names the C sources read from a kit, by ``pattern``'s group."""
    names = set()
    for folder, _dirs, files in os.walk(os.path.join(PACKAGE, 'uv')):
        for name in files:
            if name.endswith(('.pyx', '.pxd')):
                with open(os.path.join(folder, name)) as f:
                    names.update(re.findall(pattern, f.read()))
    return names


# (TypedDict, the Python module that hands the kit down, its function,
# the C side's reads of it; the kit's keys the setter itself takes out.)
KITS = [
    ('_HttpKit', 'pyuvnet/http/_outgoing.py', '_set_http_kit', r"\bkit\('(\w+)'\)", set()),
    ('_AsgiKit', 'pyuvnet/asgi/_handler.py', '_set_asgi_kit', r"asgi_kit\['(\w+)'\]",
     {'Task', 'enter_task', 'leave_task', 'base_create_task', 'current_tasks'}),
    ('_WsgiKit', 'pyuvnet/wsgi/_exchange.py', '_set_wsgi_kit', r"wsgi_kit\['(\w+)'\]", set()),
]


@pytest.mark.parametrize('typed_dict, path, function, read, popped', KITS,
                         ids=[kit[0] for kit in KITS])
def test_a_kit_handed_to_c_is_its_declared_typed_dict(typed_dict, path, function, read, popped):
    declared = _typed_dict_keys(typed_dict)
    assert _kit_call_keywords(path, function) == declared
    assert _c_reads(read) | popped == declared


def _mypy_on_copy(tmp_path, cache, plant=None):
    """mypy --strict's errors on a copy of the stubs (and the modules they
    import), after ``plant(text of a file) -> text`` changed one.  The
    copies share the run's cache (conftest.py): mypy takes a module's
    cached analysis when its text's hash matches, whatever folder it is
    in, and checks the planted file and what depends on it anew."""
    copy = tmp_path / 'tree'
    shutil.copytree(PACKAGE, copy / 'pyuvnet', ignore=shutil.ignore_patterns(
        '*.so', '*.c', '*.pyx', '*.pxd', '*.h', '__pycache__', 'uv'))
    if plant is not None:
        path, change = plant
        target = copy / 'pyuvnet' / path
        target.write_text(change(target.read_text()))
    stubs = ['pyuvnet/_uv.pyi', 'pyuvnet/http2/__init__.pyi']
    done = subprocess.run(
        [sys.executable, '-m', 'mypy', '--config-file', os.path.join(TOOLS, 'mypy.ini'),
         '--strict', '--no-error-summary', '--hide-error-context',
         '--cache-dir', str(cache)] + MYPY_TARGET + stubs,
        capture_output=True, text=True, timeout=300, cwd=copy)
    return {line.split(': error: ', 1)[1] for line in done.stdout.splitlines()
            if ': error: ' in line and '.pyi:' in line}


def _replace(old, new):
    def change(text):
        assert text.count(old) == 1, old
        return text.replace(old, new)
    return change


PLANTS = [
    # The ASGI request stream's (its cycle's) _on_end() wanting an argument the session never gives.
    ('_uv.pyi', _replace('    def _on_end(self) -> None: ...\n    def _on_headers(self, *_: Any)',
                         '    def _on_end(self, code: int) -> None: ...\n'
                         '    def _on_headers(self, *_: Any)'),
     'type[H2Cycle]'),
    # The Python session without one of the calls its core makes.
    ('http2/__init__.pyi', _replace('    def _h2_ping(self, ack: bool, payload: bytes) -> None: ...\n',
                                    ''),
     'type[Http2Session]'),
    # The Python stream's _on_data() taking a str where the core hands bytes.
    ('http2/__init__.pyi', _replace('    def _on_data(self, data: bytes) -> None: ...',
                                    '    def _on_data(self, data: str) -> None: ...'),
     'type[Http2Stream]'),
]


@needs_mypy
@pytest.mark.timeout(600)
def test_mypy_refuses_an_implementation_that_breaks_its_c_contract(tmp_path, mypy_cache):
    clean = _mypy_on_copy(tmp_path / 'clean', mypy_cache)
    assert not [error for error in clean if 'Incompatible types in assignment' in error], clean
    for number, (path, change, class_type) in enumerate(PLANTS):
        planted = _mypy_on_copy(tmp_path / str(number), mypy_cache, (path, change)) - clean
        assert [error for error in planted if 'Incompatible types in assignment' in error
                and '"%s"' % class_type in error], (path, planted)
