"""help() on pyuvnet's classes: each contract once, twins named as aliases,
no sentinel object as a default; and every public callable and property
has a docstring."""
import inspect
import pydoc
import re
import types

import pytest

import pyuvnet as net
from pyuvnet import aio, child_process, cluster, process, promises, tls
from pyuvnet._internal.aliases import alias_table, snake_name

# Every row: each is recorded where its class or module is made.
ALIASES = alias_table()

EMITTERS = {'Socket': net.Socket, 'Server': net.Server, 'EventEmitter': net.EventEmitter,
            'AbortSignal': net.AbortSignal, 'Timeout': net.Timeout,
            'TLSSocket': tls.TLSSocket, 'tls.Server': tls.Server, 'Worker': cluster.Worker}
# Rows of the alias table a class has besides its own (a subclass's base).
EXTRA_ROWS = {'tls.Server': ALIASES['Server']}


def _help(cls):
    return pydoc.render_doc(cls, renderer=pydoc.plaintext)


@pytest.mark.parametrize('name', sorted(EMITTERS))
def test_help_names_each_twin_as_an_alias(name):
    cls = EMITTERS[name]
    text = _help(cls)
    for camel in ALIASES.get(name, ()) + EXTRA_ROWS.get(name, ()) + ALIASES['EventEmitter']:
        snake = snake_name(camel)
        if not hasattr(cls, camel):
            continue
        if inspect.isroutine(getattr(cls, camel)):
            # pydoc: "snake = realname(signature)", without the docstring again.
            real = getattr(cls, camel).__name__
            assert ' %s = %s(' % (snake, real) in text, snake
        else:
            assert ' %s\n |      Alias of %s.\n' % (snake, camel) in text, snake


@pytest.mark.parametrize('cls', [net.Socket, net.Server, net.EventEmitter, net.AbortSignal,
                                 tls.TLSSocket, tls.Server, cluster.Worker])
def test_help_shows_no_sentinel_object_as_a_default(cls):
    text = _help(cls)
    assert 'object at 0x' not in text
    # Socket's on() is a C method of its own (_uv.on_method): its self
    # is positional-only, as a C method's is.
    assert re.search(r'on\(self, (/, )?event, listener=\.\.\.\)', text)


@pytest.mark.parametrize('name', sorted(EMITTERS))
def test_help_gives_each_methods_contract_once(name):
    """A twin is listed as ``snake = camel(...)``: the camelCase method's
    docstring is printed once, not again under its twin."""
    cls = EMITTERS[name]
    text = _flat(_help(cls))
    for camel in ALIASES.get(name, ()) + EXTRA_ROWS.get(name, ()):
        method = getattr(cls, camel, None)
        if inspect.isroutine(method) and method.__doc__:
            assert text.count(_flat(method.__doc__)) == 1, camel


def _flat(text):
    """Text without pydoc's layout (indents, the class bar, line breaks)."""
    return ' '.join(text.replace('|', ' ').split())


@pytest.mark.parametrize('module', [cluster, tls], ids=['cluster', 'tls'])
def test_help_of_a_module_lists_each_function_once_and_twins_as_aliases(module):
    """help(pyuvnet.cluster), help(pyuvnet.tls): each function under its
    name once, each twin as ``snake = camel(...)``, no sentinel default.
    (pydoc prints a module-level alias's docstring again: it skips it only
    for class members.)"""
    text = pydoc.render_doc(module, renderer=pydoc.plaintext)
    assert 'object at 0x' not in text
    row = module.__name__.rpartition('.')[2]
    for camel in ALIASES[row]:
        value = getattr(module, camel)
        if inspect.isroutine(value):
            real = value.__name__
            assert text.count('\n    %s(' % real) == 1, real
            assert text.count('\n    %s = %s(' % (snake_name(camel), real)) == 1, camel
        else:
            assert '\n    %s = ' % camel in text and '\n    %s = ' % snake_name(camel) in text


def test_on_without_listener_is_still_the_decorator_form_and_none_an_error():
    emitter = net.EventEmitter()
    seen = []

    @emitter.on('x')
    def listener(value):
        seen.append(value)

    emitter.emit('x', 1)
    assert seen == [1]
    with pytest.raises(net.errors.ERR_INVALID_ARG_TYPE):
        emitter.on('x', None)


# -- every public callable and property states its contract ----------------

DOCUMENTED_MODULES = (net, net.errors, tls, cluster, child_process, process, aio, promises)
_TWINS = {snake_name(camel) for names in ALIASES.values() for camel in names} - {
    camel for names in ALIASES.values() for camel in names}
# What needs a docstring: routines and descriptors (properties, the C
# attributes of extension types); plain class data cannot carry one.
_DESCRIPTORS = (property, classmethod, staticmethod, types.GetSetDescriptorType,
                types.MemberDescriptorType)


def _ours(obj):
    return (getattr(obj, '__module__', None) or '').startswith('pyuvnet')


def _module_names(module):
    """A module's public names: its ``__all__``, else what it defines
    itself (cluster, process: their other attributes are the emitter's)."""
    names = getattr(module, '__all__', None)
    if names is None:
        # A face without __all__ (pyuvnet.process) offers what it defines
        # and what it re-exports from its room.
        names = [name for name, value in vars(module).items()
                 if not name.startswith('_') and callable(value)
                 and _defined_for(getattr(value, '__module__', None) or '', module.__name__)]
    return [name for name in names if name not in _TWINS]


# Faces without __all__ whose objects live in a room of another package.
_FACE_ROOMS = {'pyuvnet.process': 'pyuvnet.child_process._process'}


def _defined_for(home, face):
    """Whether an object whose ``__module__`` is ``home`` is the face
    ``face``'s own: defined there, or in the room it re-exports."""
    return home in (face, _FACE_ROOMS.get(face))


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass, vars(klass)[name]
    return None, None


def _walk():
    """(qualified name, object) of every public callable and property of
    the documented modules and of their classes, each once."""
    seen = set()
    for module in DOCUMENTED_MODULES:
        for name in _module_names(module):
            value = getattr(module, name)
            if not callable(value) or not _ours(value) or id(value) in seen:
                continue
            seen.add(id(value))
            yield '%s.%s' % (module.__name__, name), value
            if not isinstance(value, type):
                continue
            for member in sorted(dir(value)):
                if member.startswith('_') and not (
                        member == '__init__' and not issubclass(value, BaseException)):
                    continue    # an exception's constructor is its class's contract
                if member in _TWINS:
                    continue
                owner, raw = _defining_class(value, member)
                if owner is None or not _ours(owner) or ('%s.%s' % (owner.__qualname__, member)) in seen:
                    continue
                if callable(raw) or isinstance(raw, _DESCRIPTORS):
                    seen.add('%s.%s' % (owner.__qualname__, member))
                    yield '%s.%s.%s' % (owner.__module__, owner.__qualname__, member), raw


WALKED = list(_walk())


def _doc(name, obj):
    """The docstring help() shows: ``__doc__``, or for a slot the text a
    dict ``__slots__`` gives it (Python < 3.13 leaves that out of __doc__)."""
    owner_name, _, member = name.rpartition('.')
    if isinstance(obj, types.MemberDescriptorType):
        slots = getattr(obj.__objclass__, '__slots__', None)
        if isinstance(slots, dict):
            return slots.get(member, '')
    return getattr(obj, '__doc__', None) or ''


def test_every_public_callable_and_property_has_a_docstring():
    missing = [name for name, obj in WALKED if not _doc(name, obj).strip()]
    assert not missing, '%d of %d without a docstring:\n%s' % (
        len(missing), len(WALKED), '\n'.join(missing))


def test_the_docstring_walk_sees_the_modules_classes():
    """The walk reaches every documented module's classes and their C halves
    (a walk that found nothing would pass the test above)."""
    names = {name for name, _ in WALKED}
    for expected in ('pyuvnet.tls.TLSSocket', 'pyuvnet.cluster.Worker', 'pyuvnet.aio.Bridge',
                     'pyuvnet.process.Process', 'pyuvnet.child_process.ChildProcess',
                     'pyuvnet.tls._socket.TLSSocket.getPeerCertificate',
                     'pyuvnet.cluster.Worker.kill', 'pyuvnet.net._server.Server.listening'):
        assert expected in names, expected
    assert any(name.startswith('pyuvnet.uv.') or '.Stream.' in name for name in names)
