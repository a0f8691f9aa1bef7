"""help() on pyuvnet's classes: each contract once, twins named as aliases,
no sentinel object as a default."""
import inspect
import pydoc

import pytest

import pyuvnet as net
from pyuvnet._names import ALIASES, snake_name

EMITTERS = {'Socket': net.Socket, 'Server': net.Server, 'EventEmitter': net.EventEmitter,
            'AbortSignal': net.AbortSignal, 'Timeout': net.Timeout}


def _help(cls):
    return pydoc.render_doc(cls, renderer=pydoc.plaintext)


@pytest.mark.parametrize('name', sorted(EMITTERS))
def test_help_names_each_twin_as_an_alias(name):
    cls = EMITTERS[name]
    text = _help(cls)
    for camel in ALIASES.get(name, ()) + ALIASES['EventEmitter']:
        snake = snake_name(camel)
        if not hasattr(cls, camel):
            continue
        if inspect.isroutine(getattr(cls, camel)):
            # pydoc: "snake = realname(signature)", without the docstring again.
            real = getattr(cls, camel).__name__
            assert ' %s = %s(' % (snake, real) in text, snake
        else:
            assert ' %s\n |      Alias of %s.\n' % (snake, camel) in text, snake


@pytest.mark.parametrize('cls', [net.Socket, net.Server, net.EventEmitter, net.AbortSignal])
def test_help_shows_no_sentinel_object_as_a_default(cls):
    text = _help(cls)
    assert 'object at 0x' not in text
    assert 'on(self, event, listener=...)' in text


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
