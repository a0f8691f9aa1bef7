"""EventEmitter, Node's semantics (pyuvnet.events): adding listeners (on,
addListener, prepend, the decorator form, once) and emitting to them, the
'error' event, and the emitter as a Python class (subclasses, weak
references, event names that cannot be dict keys)."""
import gc
import sys
import weakref

import pytest

from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_UNHANDLED_ERROR, NodeError
from pyuvnet.events import EventEmitter
from support import assert_code


# -- adding and emitting -------------------------------------------------------

def test_listeners_are_called_in_registration_order_with_the_emitted_args(rec):
    e = EventEmitter()
    e.on('x', rec.listener('a')).on('x', rec.listener('b')).addListener('x', rec.listener('c'))
    e.emit('x', 1, 2)
    assert rec.calls == [('a', 1, 2), ('b', 1, 2), ('c', 1, 2)]


def test_emit_returns_whether_any_listener_was_called():
    e = EventEmitter()
    assert e.emit('x') is False
    e.on('x', lambda: None)
    assert e.emit('x') is True


def test_prepend_listener_puts_it_first(rec):
    e = EventEmitter()
    e.on('x', rec.listener('a'))
    e.prependListener('x', rec.listener('b'))
    e.prependListener('x', rec.listener('c'))
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['c', 'b', 'a']


def test_same_listener_added_twice_is_called_twice(rec):
    e = EventEmitter()
    f = rec.listener('a')
    e.on('x', f).on('x', f)
    e.emit('x')
    assert rec.calls == [('a',), ('a',)]
    assert e.listenerCount('x') == 2


def test_on_and_addListener_are_the_same_function_and_off_is_removeListener():
    assert EventEmitter.on is EventEmitter.addListener
    assert EventEmitter.off is EventEmitter.removeListener


def test_adding_methods_return_the_emitter_for_chaining():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    for method in (e.on, e.addListener, e.once, e.prependListener, e.prependOnceListener):
        assert method('x', f) is e
    assert e.off('x', f) is e
    assert e.removeAllListeners('x') is e
    assert e.removeAllListeners() is e
    assert e.setMaxListeners(3) is e


def test_non_callable_listener_raises_err_invalid_arg_type():
    e = EventEmitter()
    with pytest.raises(ERR_INVALID_ARG_TYPE) as info:
        e.on('x', 'nope')
    assert str(info.value) == ('The "listener" argument must be of type function. '
                               "Received type str ('nope')")
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.once('x', 42)
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.off('x', 42)
    assert e.eventNames() == []


def test_explicit_none_listener_is_an_error_not_the_decorator_form():
    with pytest.raises(ERR_INVALID_ARG_TYPE, match='Received None'):
        EventEmitter().on('x', None)


def test_event_names_may_be_any_hashable(rec):
    e = EventEmitter()
    key = ('custom', 1)
    e.on(key, rec.listener('a'))
    e.on(7, rec.listener('b'))
    assert e.emit(key, 'v') and e.emit(7)
    assert rec.calls == [('a', 'v'), ('b',)]
    assert e.eventNames() == [key, 7]


def test_unhashable_event_name_raises_type_error():
    with pytest.raises(TypeError):
        EventEmitter().on(['x'], lambda: None)


def test_listener_exception_propagates_and_stops_the_emit(rec):
    e = EventEmitter()

    def boom():
        raise KeyError('boom')
    e.on('x', boom).on('x', rec.listener('after'))
    with pytest.raises(KeyError):
        e.emit('x')
    assert rec.calls == []


# -- decorator form --------------------------------------------------------------

@pytest.mark.parametrize('method', ['on', 'addListener', 'once', 'prependListener',
                                    'prependOnceListener'])
def test_decorator_form_registers_and_returns_the_function_unchanged(method, rec):
    e = EventEmitter()
    f = rec.listener('a')
    assert getattr(e, method)('x')(f) is f
    assert e.listeners('x') == [f]
    e.emit('x', 1)
    assert rec.calls == [('a', 1)]


def test_once_decorator_listener_runs_once(rec):
    e = EventEmitter()

    @e.once('x')
    def handler(value):
        rec.calls.append(value)
    e.emit('x', 1)
    e.emit('x', 2)
    assert rec.calls == [1]


def test_decorator_rejects_non_callable():
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        EventEmitter().on('x')(5)


# -- once ---------------------------------------------------------------------

def test_once_listener_is_called_once_and_removed(rec):
    e = EventEmitter()
    e.once('x', rec.listener('a'))
    assert e.emit('x', 1) is True
    assert e.emit('x', 2) is False
    assert rec.calls == [('a', 1)]
    assert e.eventNames() == []


def test_once_listener_is_removed_before_it_is_called():
    e = EventEmitter()
    seen = []
    e.once('x', lambda: seen.append(e.listenerCount('x')))
    e.emit('x')
    assert seen == [0]


def test_once_listener_reemitting_the_same_event_runs_only_once():
    e = EventEmitter()
    calls = []

    def listener(depth):
        calls.append(depth)
        e.emit('x', depth + 1)
    e.once('x', listener)
    e.emit('x', 0)
    assert calls == [0]


def test_prepend_once_listener_goes_first_and_runs_once(rec):
    e = EventEmitter()
    e.on('x', rec.listener('a'))
    e.prependOnceListener('x', rec.listener('b'))
    e.emit('x')
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['b', 'a', 'a']


def test_listeners_unwraps_once_wrappers_and_raw_listeners_does_not():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    g = lambda: None  # noqa: E731
    e.on('x', f).once('x', g)
    assert e.listeners('x') == [f, g]
    raw = e.rawListeners('x')
    assert raw[0] is f
    assert raw[1] is not g and raw[1].listener is g


def test_calling_a_raw_once_wrapper_removes_it_and_calls_the_listener(rec):
    e = EventEmitter()
    e.once('x', rec.listener('a'))
    wrapper = e.rawListeners('x')[0]
    wrapper('direct')
    assert rec.calls == [('a', 'direct')]
    assert e.listenerCount('x') == 0
    wrapper('again')
    assert rec.calls == [('a', 'direct')]


def test_off_removes_a_once_listener_by_its_function(rec):
    e = EventEmitter()
    f = rec.listener('a')
    e.once('x', f)
    e.off('x', f)
    assert e.emit('x') is False
    assert rec.calls == []


def test_listener_returned_by_listeners_is_the_users_function_for_sole_once():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.once('x', f)
    assert e.listeners('x') == [f]


def test_pending_once_listener_does_not_keep_the_emitter_alive():
    gc.disable()
    try:
        e = EventEmitter()
        e.once('x', lambda: None)
        ref = weakref.ref(e)
        del e
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


# -- error --------------------------------------------------------------------

def test_unhandled_error_event_raises_the_emitted_exception():
    err = ConnectionResetError('reset')
    with pytest.raises(ConnectionResetError) as info:
        EventEmitter().emit('error', err)
    assert info.value is err


def test_unhandled_error_event_with_a_non_exception_raises_err_unhandled_error():
    with pytest.raises(ERR_UNHANDLED_ERROR) as info:
        EventEmitter().emit('error', 'boom')
    assert str(info.value) == "Unhandled error. ('boom')"
    assert info.value.context == 'boom'
    assert info.value.code == 'ERR_UNHANDLED_ERROR'
    assert isinstance(info.value, NodeError)


def test_unhandled_error_event_without_argument_says_unhandled_error():
    with pytest.raises(ERR_UNHANDLED_ERROR, match=r'^Unhandled error\.$'):
        EventEmitter().emit('error')


@pytest.mark.parametrize('make', [lambda: ''.join(['err', 'or']), lambda: type('S', (str,), {})('error')],
                         ids=['built at run time', 'a str subclass'])
def test_unhandled_error_event_named_by_an_equal_str_raises_too(make):
    # Node compares names by value; an interned name is known by identity,
    # any other 'error' by its text.
    name = make()
    assert name is not sys.intern('error')
    err = ValueError('x')
    with pytest.raises(ValueError) as info:
        EventEmitter().emit(name, err)
    assert info.value is err
    assert EventEmitter().emit(''.join(['clo', 'se'])) is False


def test_handled_error_event_does_not_raise():
    e = EventEmitter()
    seen = []
    e.on('error', seen.append)
    err = ValueError('x')
    assert e.emit('error', err) is True
    assert seen == [err]


# -- subclassing --------------------------------------------------------------

def test_python_subclass_with_its_own_init_arguments_works(rec):
    class Socket(EventEmitter):
        def __init__(self, options=None, **kwargs):
            super().__init__()
            self.options = options

    s = Socket({'allowHalfOpen': True}, extra=1)
    s.on('x', rec.listener('a'))
    s.emit('x')
    assert rec.calls == [('a',)] and s.options == {'allowHalfOpen': True}


def test_emitters_support_weak_references():
    e = EventEmitter()
    assert weakref.ref(e)() is e


@pytest.mark.parametrize('call', [
    lambda e: e.on([], print),
    lambda e: e.once({}, print),
    lambda e: e.prependListener(bytearray(b'x'), print),
    lambda e: e.emit([]),
    lambda e: e.off([], print),
    lambda e: e.listeners({}),
    lambda e: e.listenerCount([]),
    lambda e: e.removeAllListeners([]),
], ids=['on', 'once', 'prependListener', 'emit', 'off', 'listeners', 'listenerCount',
        'removeAllListeners'])
def test_an_unhashable_event_name_is_err_invalid_arg_type(call):
    """Node turns any event name into a property key (``on([], f)`` listens
    to ``''``); pyuvnet keeps listeners in a dict, so a name that cannot be
    a key is refused at once with Node's type error, never an uncoded
    TypeError, and the emitter is unchanged."""
    emitter = EventEmitter()
    emitter.on('data', print)
    assert_code('ERR_INVALID_ARG_TYPE', lambda: call(emitter), TypeError)
    assert emitter.eventNames() == ['data']
