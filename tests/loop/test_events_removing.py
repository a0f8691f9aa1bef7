"""EventEmitter, Node's semantics (pyuvnet.events): removing listeners
(which match is removed, bound methods by equality, removal and addition
during an emit, removeAllListeners) and the 'newListener' and
'removeListener' events."""
from pyuvnet.events import EventEmitter


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


def test_new_listener_follows_its_listeners_coming_and_going():
    # Node 20: dup 2; seen ['y', 'x', 'v']; eventNames ['w', 'v', 'u'].
    e = EventEmitter()
    seen = []
    f = lambda: None  # noqa: E731
    e.on('x', f).on('x', f)
    assert e.listenerCount('x') == 2
    nl = lambda ev, fn: seen.append(ev)  # noqa: E731
    e.on('newListener', nl).on('y', f).off('newListener', nl).on('z', f)
    e.prependListener('newListener', nl).prependListener('x', f)
    e.removeAllListeners()
    e.on('w', f)
    e.once('newListener', nl).on('v', f).on('u', f)
    assert seen == ['y', 'x', 'v']
    assert e.eventNames() == ['w', 'v', 'u']
    assert e.listeners('x') == []
