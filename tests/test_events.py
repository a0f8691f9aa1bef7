"""EventEmitter: Node's semantics (pyuvnet.events)."""
import gc
import warnings
import weakref

import pytest

from pyuvnet import events
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, ERR_UNHANDLED_ERROR, NodeError
from pyuvnet.events import EventEmitter, MaxListenersExceededWarning
from support import assert_code


class Recorder:
    """Listeners that log (name, args) into one shared list."""

    def __init__(self):
        self.calls = []

    def listener(self, name):
        def record(*args):
            self.calls.append((name,) + args)
        record.__name__ = name
        return record


@pytest.fixture
def rec():
    return Recorder()


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


# -- removing -----------------------------------------------------------------

def test_remove_listener_removes_the_most_recently_added_match(rec):
    e = EventEmitter()
    a, b = rec.listener('a'), rec.listener('b')
    e.on('x', a).on('x', b).on('x', a)
    e.off('x', a)
    assert e.listeners('x') == [a, b]


def test_remove_listener_prefers_the_latest_of_a_plain_and_a_once_registration():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f).once('x', f)
    e.off('x', f)
    assert e.rawListeners('x') == [f]


def test_removing_an_unknown_listener_changes_nothing():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f)
    e.off('x', lambda: None)
    e.off('y', f)
    assert e.listeners('x') == [f]


def test_bound_methods_are_removed_by_equality():
    class Handler:
        def __init__(self):
            self.n = 0

        def on_data(self):
            self.n += 1

    h = Handler()
    e = EventEmitter()
    e.on('data', h.on_data)
    e.off('data', h.on_data)  # a new bound-method object, equal to the first
    e.emit('data')
    assert h.n == 0


def test_last_listener_removed_drops_the_event_name():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f).on('y', f)
    e.off('x', f)
    assert e.eventNames() == ['y']


def test_removing_listener_during_emit_does_not_skip_others(rec):
    e = EventEmitter()
    b = rec.listener('b')

    def a():
        rec.calls.append(('a',))
        e.off('x', b)
    e.on('x', a).on('x', b).on('x', rec.listener('c'))
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['a', 'b', 'c']
    rec.calls.clear()
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['a', 'c']


def test_removing_itself_during_emit_does_not_skip_the_next_listener(rec):
    e = EventEmitter()

    def a():
        rec.calls.append(('a',))
        e.off('x', a)
    e.on('x', a).on('x', rec.listener('b'))
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['a', 'b']


def test_listener_added_during_emit_runs_from_the_next_emit(rec):
    e = EventEmitter()
    late = rec.listener('late')

    def a():
        rec.calls.append(('a',))
        e.on('x', late)
    e.on('x', a)
    e.emit('x')
    assert rec.calls == [('a',)]
    rec.calls.clear()
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['a', 'late']


def test_once_listener_removed_by_an_earlier_listener_still_runs_in_that_emit(rec):
    e = EventEmitter()
    b = rec.listener('b')
    e.on('x', lambda: e.off('x', b))
    e.once('x', b)
    e.emit('x')
    assert rec.calls == [('b',)]


def test_remove_all_listeners_of_one_event():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f).on('x', f).on('y', f)
    e.removeAllListeners('x')
    assert e.eventNames() == ['y']


def test_remove_all_listeners_of_every_event():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f).on('y', f)
    e.removeAllListeners()
    assert e.eventNames() == []
    assert e.emit('x') is False


def test_remove_all_listeners_reports_each_removal_last_first_and_its_own_last(rec):
    e = EventEmitter()
    a, b, c = rec.listener('a'), rec.listener('b'), rec.listener('c')
    e.on('x', a).once('x', b).on('y', c)
    e.on('removeListener', lambda ev, fn: rec.calls.append((ev, fn.__name__)))
    e.removeAllListeners()
    assert rec.calls == [('x', 'b'), ('x', 'a'), ('y', 'c')]
    assert e.eventNames() == []


# -- newListener / removeListener ---------------------------------------------

def test_new_listener_is_emitted_before_the_listener_is_added():
    e = EventEmitter()
    seen = []
    f = lambda: None  # noqa: E731
    e.on('newListener', lambda ev, fn: seen.append((ev, fn, e.listenerCount(ev))))
    e.on('x', f)
    assert seen == [('x', f, 0)]


def test_new_listener_gets_the_unwrapped_function_for_once():
    e = EventEmitter()
    seen = []
    f = lambda: None  # noqa: E731
    e.on('newListener', lambda ev, fn: seen.append(fn))
    e.once('x', f)
    assert seen == [f]


def test_listener_added_inside_new_listener_goes_before_the_one_being_added(rec):
    e = EventEmitter()
    first = rec.listener('first')

    def on_new(ev, fn):
        if ev == 'x' and fn is not first:
            e.on('x', first)
    e.on('newListener', on_new)
    e.on('x', rec.listener('second'))
    e.emit('x')
    assert [c[0] for c in rec.calls] == ['first', 'second']


def test_remove_listener_is_emitted_after_removal_with_the_unwrapped_function():
    e = EventEmitter()
    seen = []
    f = lambda: None  # noqa: E731
    e.on('removeListener', lambda ev, fn: seen.append((ev, fn, e.listenerCount(ev))))
    e.once('x', f)
    e.emit('x')
    assert seen == [('x', f, 0)]


def test_remove_listener_event_is_not_emitted_when_nothing_was_removed():
    e = EventEmitter()
    seen = []
    e.on('removeListener', lambda *a: seen.append(a))
    e.off('x', lambda: None)
    assert seen == []


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


def test_handled_error_event_does_not_raise():
    e = EventEmitter()
    seen = []
    e.on('error', seen.append)
    err = ValueError('x')
    assert e.emit('error', err) is True
    assert seen == [err]


# -- introspection ------------------------------------------------------------

def test_listener_count_counts_all_or_only_matches():
    e = EventEmitter()
    f, g = (lambda: None), (lambda: None)
    e.on('x', f).once('x', f).on('x', g)
    assert e.listenerCount('x') == 3
    assert e.listenerCount('x', f) == 2
    assert e.listenerCount('x', g) == 1
    assert e.listenerCount('nothing') == 0


def test_listeners_returns_a_copy():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('x', f)
    e.listeners('x').clear()
    e.rawListeners('x').clear()
    assert e.listeners('x') == [f]
    assert e.listeners('nothing') == [] and e.rawListeners('nothing') == []


def test_event_names_keep_first_registration_order():
    e = EventEmitter()
    f = lambda: None  # noqa: E731
    e.on('b', f).on('a', f).on('b', f)
    assert e.eventNames() == ['b', 'a']


# -- max listeners ------------------------------------------------------------

def test_default_max_listeners_is_ten():
    assert events.defaultMaxListeners == 10
    assert EventEmitter().getMaxListeners() == 10


def test_exceeding_max_listeners_warns_once_per_event_with_nodes_message():
    e = EventEmitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        for _ in range(10):
            e.on('foo', lambda: None)
        assert caught == []
        e.on('foo', lambda: None)
        e.on('foo', lambda: None)
        for _ in range(11):
            e.on('bar', lambda: None)
    assert [w.category for w in caught] == [MaxListenersExceededWarning] * 2
    w = caught[0].message
    assert str(w) == ('Possible EventEmitter memory leak detected. 11 foo listeners added '
                      'to [EventEmitter]. MaxListeners is 10. Use emitter.setMaxListeners() '
                      'to increase limit')
    assert (w.emitter, w.type, w.count) == (e, 'foo', 11)
    assert issubclass(MaxListenersExceededWarning, RuntimeWarning)
    assert e.listenerCount('foo') == 12  # the warning does not refuse the listener


def test_warning_names_the_subclass():
    class Socket(EventEmitter):
        pass
    s = Socket().setMaxListeners(1)
    with pytest.warns(MaxListenersExceededWarning, match=r'2 data listeners added to \[Socket\]'):
        s.on('data', print).on('data', print)


def test_a_first_listener_is_never_over_a_fractional_limit():
    """Node checks the limit only when an event's listeners become an
    array (a second listener): with setMaxListeners(0.5) the first 'x'
    listener passes quietly, the second warns (count 2)."""
    e = EventEmitter().setMaxListeners(0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        e.on('x', print)
        assert caught == []
        e.on('x', print)
    assert [w.message.count for w in caught] == [2]


def test_max_listeners_zero_means_unlimited():
    e = EventEmitter().setMaxListeners(0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for _ in range(50):
            e.on('x', lambda: None)
    assert e.getMaxListeners() == 0


def test_set_max_listeners_rejects_negative_and_non_numbers():
    e = EventEmitter()
    with pytest.raises(ERR_OUT_OF_RANGE, match=r'"setMaxListeners" is out of range. It must be >= 0'):
        e.setMaxListeners(-1)
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.setMaxListeners(True)
    with pytest.raises(ERR_OUT_OF_RANGE):
        e.setMaxListeners(float('nan'))
    assert e.getMaxListeners() == 10


def test_module_set_max_listeners_changes_the_default_or_the_given_emitters():
    a, b = EventEmitter(), EventEmitter().setMaxListeners(4)
    try:
        events.setMaxListeners(20)
        assert events.defaultMaxListeners == 20
        assert a.getMaxListeners() == 20 and b.getMaxListeners() == 4
        events.setMaxListeners(3, a, b)
        assert events.defaultMaxListeners == 20
        assert a.getMaxListeners() == 3 and b.getMaxListeners() == 3
        with pytest.raises(ERR_INVALID_ARG_TYPE):
            events.setMaxListeners(3, object())
    finally:
        events.setMaxListeners(10)


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
