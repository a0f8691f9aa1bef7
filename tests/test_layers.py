"""The package's layers (docs/DESIGN.md, "Layers"): pyuvnet's modules
import each other without circles, the core (Socket, Server, connecting)
never imports the asyncio layer, and that layer's methods still reach every
Socket and Server."""
import ast
import os
import subprocess
import sys

import pytest

import pyuvnet as net
from pyuvnet import tls

PACKAGE = os.path.dirname(net.__file__)
ASYNCIO_LAYER = {'aio', 'promises', 'async_methods'}


def imported_modules(path):
    """The pyuvnet modules a source or stub file imports, at its top or
    inside a function, the package itself (``from . import _uv``) left out."""
    with open(path) as f:
        tree = ast.parse(f.read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                names.add(node.module.split('.')[0])
            elif node.level == 1:
                names.update(alias.name for alias in node.names)
            elif (node.module or '').startswith('pyuvnet.'):
                names.add(node.module.split('.')[1])
            elif node.module == 'pyuvnet':
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.split('.')[1] for alias in node.names
                         if alias.name.startswith('pyuvnet.'))
    return names


def import_graph():
    """Module -> the modules it imports, a module's .py and .pyi together."""
    modules = {}
    for name in os.listdir(PACKAGE):
        stem, ext = os.path.splitext(name)
        if ext in ('.py', '.pyi') and stem != '__init__':
            modules.setdefault(stem, set()).update(imported_modules(os.path.join(PACKAGE, name)))
    return {module: uses & set(modules) for module, uses in modules.items()}


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


def test_the_circle_finder_sees_a_circle():
    assert find_circle({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}) == ['a', 'b', 'c', 'a']


@pytest.mark.parametrize('module', ['socket', 'server', 'connecting', 'tls_socket', 'errors'])
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
])
def test_the_awaitable_methods_are_the_classes_own(cls, names):
    for name in names:
        method = cls.__dict__[name]
        assert method.__qualname__ == '%s.%s' % (cls.__name__, name)
        assert method.__doc__ or name.startswith('__a')


def test_a_subclass_inherits_the_awaitable_methods():
    assert tls.Server.aclose is net.Server.aclose
    assert tls.Server.__aiter__ is net.Server.__aiter__
