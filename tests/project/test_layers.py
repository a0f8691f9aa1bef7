"""The package's layers (docs/DESIGN.md, "Layers"): pyuvnet's modules
import each other without circles, the core (Socket, Server, connecting)
never imports the asyncio layer, and that layer's methods still reach every
Socket and Server."""
import ast
import os
import re
import subprocess
import sys

import pytest

import pyuvnet as net
from pyuvnet import dgram, tls

PACKAGE = os.path.dirname(net.__file__)
ASYNCIO_LAYER = {'aio', '_internal.aio_bridge', 'promises', 'net._awaitables', 'net._async_methods',
                 'child_process.promises', 'stream._async', 'stream.promises', 'dns.promises',
                 'dgram._awaitables', 'dgram._async_methods'}


def module_name(path):
    """pyuvnet/child_process/_child.py -> 'child_process.child'; a package's
    __init__ is the package ('' for pyuvnet itself)."""
    parts = os.path.relpath(os.path.splitext(path)[0], PACKAGE).split(os.sep)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported_modules(path):
    """What a source or stub file imports, at its top or inside a function,
    as dotted names under pyuvnet: each module named, and each name taken
    from a package (which may be a module of it)."""
    name = module_name(path)
    package = name if path.endswith(('__init__.py', '__init__.pyi')) else name.rpartition('.')[0]
    with open(path) as f:
        return imported_modules_of(ast.parse(f.read()), package)


def imported_modules_of(tree, package):
    """imported_modules() of a parsed file of ``package``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.') if package else []
                base = base[:len(base) - (node.level - 1)]
            elif (node.module or '').split('.')[0] == 'pyuvnet':
                base = []
                node = ast.ImportFrom(module=node.module.partition('.')[2] or None,
                                      names=node.names, level=0)
            else:
                continue
            target = '.'.join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update('.'.join(filter(None, [target, alias.name])) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name.partition('.')[2] for alias in node.names
                         if alias.name.startswith('pyuvnet.'))
    return found


CYTHON_IMPORT = re.compile(r'^\s*(from\s+pyuvnet\S*\s+c?import\s.*|import\s+pyuvnet\..*)$')


def cython_imports(path):
    """What a Cython file imports or cimports of pyuvnet's modules (the
    binding's .pyx files under uv/ are included into _uv.pyx: they are _uv)."""
    found = set()
    with open(path) as f:
        for line in f:
            match = CYTHON_IMPORT.match(line.split('#')[0].rstrip())
            if match:
                statement = match.group(1).replace(' cimport ', ' import ')
                tree = ast.parse(statement.strip())
                found |= imported_modules_of(tree, '')
    return found


def cython_module_name(path):
    """uv/tls/pump.pyx -> '_uv' (included into it); events/_emitter.pyx ->
    'events._emitter'."""
    relative = os.path.relpath(path, PACKAGE)
    return '_uv' if relative.split(os.sep)[0] == 'uv' else module_name(path)


def import_graph():
    """Module -> the modules it imports, a module's .py, .pyi and .pyx
    together; pyuvnet's own __init__ left out (``from . import _uv``
    imports the package only to reach the extension module)."""
    modules = {}
    for folder, _dirs, files in os.walk(PACKAGE):
        for file in files:
            path = os.path.join(folder, file)
            if file.endswith(('.py', '.pyi')):
                modules.setdefault(module_name(path), set()).update(imported_modules(path))
            elif file.endswith('.pyx'):
                modules.setdefault(cython_module_name(path), set()).update(cython_imports(path))
    modules.pop('', None)
    return {module: uses & set(modules) - {module} for module, uses in modules.items()}


def find_circle(graph):
    """One circle of imports as a list of modules, or None."""
    state = {}

    def visit(module, path):
        state[module] = 'open'
        for used in sorted(graph[module]):
            if state.get(used) == 'open':
                return path[path.index(used):] + [used]
            if used not in state:
                found = visit(used, path + [used])
                if found:
                    return found
        state[module] = 'done'
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module, [module])
            if found:
                return found
    return None


def test_the_modules_import_each_other_without_a_circle():
    assert find_circle(import_graph()) is None


def test_the_binding_imports_nothing_above_it():
    # What the binding needs from a layer above is handed to it at import
    # (_uv._set_tls_kit, _uv._set_http_kit), never imported by it.  Record
    # is of the bottom layer, as errors is (dgram's rinfo is made in C), and
    # so is on()'s default listener (Socket's C on(), _uv.on_method).
    assert import_graph()['_uv'] <= {'errors', '_internal', '_internal.encodings', 'events',
                                     'events._emitter', '_internal.records',
                                     '_internal.no_listener'}


def test_the_graph_reads_the_cython_files(tmp_path):
    pyx = tmp_path / 'sample.pyx'
    pyx.write_text('from pyuvnet.events cimport EventEmitter\n'
                   'def f():\n    from pyuvnet.tls._session_events import KEYLOG  # late\n')
    assert cython_imports(str(pyx)) == {'events', 'events.EventEmitter', 'tls._session_events',
                                        'tls._session_events.KEYLOG'}


def test_the_circle_finder_sees_a_circle():
    assert find_circle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']


@pytest.mark.parametrize('module', ['net._socket', 'net._server', 'net._connecting', 'tls._socket', 'errors',
                                    'stream', 'stream._pipeline', 'stream._readable',
                                    'dgram._socket'])
def test_the_core_does_not_import_the_asyncio_layer(module):
    graph = import_graph()
    reached, todo = set(), [module]
    while todo:
        for used in graph[todo.pop()] - reached:
            reached.add(used)
            todo.append(used)
    assert not reached & ASYNCIO_LAYER


def test_importing_pyuvnet_does_not_import_asyncio():
    code = 'import sys, pyuvnet; print("asyncio" in sys.modules)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ['False'], out.stderr


@pytest.mark.parametrize('cls, names', [
    (net.Socket, ('connected', 'drained', '__aiter__')),
    (net.Server, ('aclose', '__aiter__', '__aenter__', '__aexit__')),
    (dgram.Socket, ('bound', 'connected', 'sent', 'aclose', 'messages', '__aiter__',
                    '__aenter__', '__aexit__')),
])
def test_the_awaitable_methods_are_the_classes_own(cls, names):
    for name in names:
        method = cls.__dict__[name]
        assert method.__qualname__ == '%s.%s' % (cls.__name__, name)
        assert method.__doc__ or name.startswith('__a')


def test_a_subclass_inherits_the_awaitable_methods():
    assert tls.Server.aclose is net.Server.aclose
    assert tls.Server.__aiter__ is net.Server.__aiter__


def family_of(module):
    """'tls._socket' -> 'tls'; '_internal.listening' -> '_internal', the
    private modules below the families, held to the same rule; a module at
    pyuvnet's root ('aio', '_uv') is a face or the binding, and has none."""
    first = module.split('.')[0]
    return first if os.path.isdir(os.path.join(PACKAGE, first)) and first != 'uv' else None


def private_imports_across_families():
    """(importer, imported) for each module of a family that imports
    another family's underscored module or name ('net._socket' from tls);
    a family's rooms are its own, shared only through a private module
    below both (pyuvnet/_internal/http_server.py) or the other's public face;
    pyuvnet/_internal/ is a family for this rule: it may import faces and its
    own modules, never a family's rooms."""
    found = set()
    for folder, _dirs, files in os.walk(PACKAGE):
        for file in files:
            path = os.path.join(folder, file)
            if file.endswith(('.py', '.pyi')):
                uses = imported_modules(path)
            elif file.endswith('.pyx'):
                uses = cython_imports(path)
            else:
                continue
            importer = module_name(path) if file.endswith(('.py', '.pyi')) else cython_module_name(path)
            family = family_of(importer)
            for used in uses:
                parts = used.split('.')
                if (family and family_of(used) not in (None, family) and len(parts) > 1
                        and parts[1].startswith('_')):
                    found.add((importer, '.'.join(parts[:2])))
    return found


def test_no_family_imports_another_familys_private_rooms():
    assert private_imports_across_families() == set()


def test_the_private_import_check_sees_a_room_of_another_family(tmp_path, monkeypatch):
    (tmp_path / 'alpha').mkdir()
    (tmp_path / 'beta').mkdir()
    (tmp_path / 'alpha' / '_room.py').write_text('X = 1\n')
    (tmp_path / 'beta' / '_user.py').write_text('from ..alpha._room import X\nfrom ..alpha import Y\n')
    monkeypatch.setattr(sys.modules[__name__], 'PACKAGE', str(tmp_path))
    assert private_imports_across_families() == {('beta._user', 'alpha._room')}


# The binding is the one private module at the root: the extension every
# layer reaches (Node's internalBinding()), its .pyx rooms under uv/.
ROOT_PRIVATE_ALLOWED = {'__init__', '__main__', '_uv'}


def private_modules_at_the_root():
    """The underscored modules directly in pyuvnet/ (a .py, .pyi or .pyx)."""
    return {os.path.splitext(name)[0] for name in os.listdir(PACKAGE)
            if name.startswith('_') and name.endswith(('.py', '.pyi', '.pyx'))} - ROOT_PRIVATE_ALLOWED


def test_the_root_holds_faces_and_the_binding_only():
    assert private_modules_at_the_root() == set()


def test_the_root_check_sees_a_private_module(tmp_path, monkeypatch):
    (tmp_path / '_drawer.py').write_text('X = 1\n')
    (tmp_path / 'face.py').write_text('X = 1\n')
    monkeypatch.setattr(sys.modules[__name__], 'PACKAGE', str(tmp_path))
    assert private_modules_at_the_root() == {'_drawer'}


def test_the_private_import_check_holds_internal_to_the_rule(tmp_path, monkeypatch):
    (tmp_path / '_internal').mkdir()
    (tmp_path / 'alpha').mkdir()
    (tmp_path / 'alpha' / '_room.py').write_text('X = 1\n')
    (tmp_path / '_internal' / 'shared.py').write_text('from ..alpha._room import X\n')
    (tmp_path / 'alpha' / '_user.py').write_text('from .._internal.shared import X\n')
    monkeypatch.setattr(sys.modules[__name__], 'PACKAGE', str(tmp_path))
    assert private_imports_across_families() == {('_internal.shared', 'alpha._room')}
