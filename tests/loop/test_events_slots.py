"""EventEmitter keeps its first two events' listeners in slots, without a
dict, and moves them into one at a third event or a name that is not a
str: Node's contracts must read the same on either side of that move."""
import sys

import pytest

from pyuvnet.errors import ERR_INVALID_ARG_TYPE
from pyuvnet.events import EventEmitter
from pyuvnet.net._socket import Socket


def _f():
    pass


def _g():
    pass


def test_event_names_keep_insertion_order_across_the_move_to_a_dict():
    e = EventEmitter()
    e.on('b', _f).on('a', _f)
    assert e.eventNames() == ['b', 'a']
    e.on('c', _f)
    assert e.eventNames() == ['b', 'a', 'c']
    e.off('b', _f).on('b', _g)
    assert e.eventNames() == ['a', 'c', 'b']
    assert e.listeners('b') == [_g]


def test_removing_the_first_event_keeps_the_second_and_frees_a_slot():
    e = EventEmitter()
    e.on('x', _f).on('y', _g).off('x', _f)
    assert e.eventNames() == ['y']
    e.on('z', _f)
    assert e.eventNames() == ['y', 'z']
    e.off('z', _f).off('y', _g)
    assert e.eventNames() == []
    assert e.emit('y') is False


def test_both_slots_hold_several_listeners_in_order_with_prepend_and_once():
    e = EventEmitter()
    calls = []
    e.on('x', lambda: calls.append(1)).on('y', _f)
    e.prependListener('x', lambda: calls.append(0))
    e.once('x', lambda: calls.append(2))
    assert e.listenerCount('x') == 3
    e.emit('x')
    e.emit('x')
    assert calls == [0, 1, 2, 0, 1]
    assert e.listenerCount('x') == 2 and e.listeners('y') == [_f]


def test_a_name_that_is_not_a_str_moves_the_slots_into_a_dict():
    e = EventEmitter()
    e.on('x', _f).on(7, _g)
    assert e.eventNames() == ['x', 7]
    assert e.listeners(7) == [_g] and e.listeners('x') == [_f]


class _Name(str):
    pass


def test_a_str_subclass_name_finds_the_equal_str_event_as_a_dict_would():
    e = EventEmitter()
    e.on('data', _f)
    assert e.listeners(_Name('data')) == [_f]
    e.on(_Name('data'), _g)
    assert e.eventNames() == ['data']
    assert e.listeners('data') == [_f, _g]


def test_an_unhashable_name_is_refused_before_any_listener_and_after():
    e = EventEmitter()
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.listeners([1])
    e.on('x', _f)
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.emit([1])
    with pytest.raises(ERR_INVALID_ARG_TYPE):
        e.on([1], _f)
    assert e.eventNames() == ['x']


def test_remove_all_listeners_empties_the_slots_and_reports_each_event():
    removed = []
    e = EventEmitter()
    e.on('x', _f).on('y', _g)
    e.removeAllListeners('x')
    assert e.eventNames() == ['y']
    e.on('x', _f).on('removeListener', lambda event, listener: removed.append(event))
    e.removeAllListeners()
    assert removed == ['y', 'x']
    assert e.eventNames() == []


def test_new_listener_in_a_slot_hears_later_additions():
    heard = []
    e = EventEmitter()
    e.on('newListener', lambda event, listener: heard.append(event))
    e.on('x', _f).on('y', _f)
    assert heard == ['x', 'y']
    assert e.eventNames() == ['newListener', 'x', 'y']


def test_a_socket_stays_within_pymallocs_small_objects():
    # Past 512 bytes, every connection's Socket costs the C allocator's
    # malloc and free instead of pymalloc's (about 200 instructions).
    assert sys.getsizeof(Socket()) <= 512
