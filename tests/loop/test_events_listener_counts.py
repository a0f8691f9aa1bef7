"""EventEmitter, Node's semantics (pyuvnet.events): counting listeners
(listenerCount(), listeners(), rawListeners(), eventNames()) and their
limit (defaultMaxListeners, setMaxListeners(), the
MaxListenersExceededWarning with Node's message)."""
import warnings

import pytest

from pyuvnet import events
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE
from pyuvnet.events import EventEmitter, MaxListenersExceededWarning


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
