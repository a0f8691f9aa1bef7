"""The instances of EventEmitter's Python subclasses: on CPython 3.11 and
3.12 all but a class's first are allocated with inline attribute values
(events/_emitter_values.pyx). Their attributes, __dict__, weak references
and memory must behave as any Python object's, however they are made."""
import gc
import tracemalloc
import weakref

import pytest

from pyuvnet.events import EventEmitter
from pyuvnet.net._socket import Socket


class Holder(EventEmitter):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.name = 'holder %d' % n


class Mixin:
    kind = 'mixin'


class Mixed(Mixin, Holder):
    pass


class Slotted(EventEmitter):
    __slots__ = ('a',)


def test_each_instance_keeps_its_own_attributes_and_listeners():
    holders = [Holder(n) for n in range(50)]
    for n, holder in enumerate(holders):
        holder.on('ping', lambda value, n=n, holder=holder: setattr(holder, 'got', (n, value)))
    for n, holder in enumerate(holders):
        assert holder.emit('ping', n * 2) is True
    for n, holder in enumerate(holders):
        assert vars(holder) == {'n': n, 'name': 'holder %d' % n, 'got': (n, n * 2)}
        assert holder.listenerCount('ping') == 1


def test_attributes_added_in_different_orders_and_past_thirty_names():
    first, second = Holder(1), Holder(2)
    names = ['f%d' % i for i in range(40)]
    for i, name in enumerate(names):
        setattr(first, name, i)
    for i, name in enumerate(reversed(names)):
        setattr(second, name, -i)
    assert [getattr(first, name) for name in names] == list(range(40))
    assert [getattr(second, name) for name in reversed(names)] == [-i for i in range(40)]
    assert list(vars(second))[2:] == list(reversed(names))


def test_deleting_and_replacing_the_dict():
    holder = Holder(3)
    del holder.name
    assert not hasattr(holder, 'name')
    with pytest.raises(AttributeError):
        del holder.name
    holder.__dict__ = {'other': 1}
    assert holder.other == 1 and not hasattr(holder, 'n')
    holder.n = 4
    assert vars(holder) == {'other': 1, 'n': 4}
    # The emitter's own state is in C, not in the dict.
    holder.on('x', print)
    assert holder.listeners('x') == [print]


def test_a_mixin_before_the_emitter_and_a_class_with_slots():
    mixed = [Mixed(n) for n in range(3)]
    assert [m.n for m in mixed] == [0, 1, 2]
    assert mixed[2].kind == 'mixin'
    slotted = [Slotted() for _ in range(3)]
    slotted[2].a = 1
    assert slotted[2].a == 1
    with pytest.raises(AttributeError):
        slotted[2].b = 1


def test_a_subclass_of_a_cython_subclass_keeps_its_attributes():
    class MySocket(Socket):
        pass

    sockets = [MySocket() for _ in range(3)]
    try:
        sockets[2].tag = 'mine'
        assert sockets[2].tag == 'mine' and not hasattr(sockets[1], 'tag')
    finally:
        for socket in sockets:
            socket.destroy()


def test_an_emitter_made_by_a_finalizer_while_one_is_allocated():
    made = []

    class Collected:
        def __init__(self):
            self.cycle = self

        def __del__(self):
            made.append(Holder(-1))

    Holder(0)     # the class's first instance, made without the values
    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1)
    try:
        holders = []
        for n in range(200):
            Collected()
            holders.append(Holder(n))
    finally:
        gc.set_threshold(*threshold)
    gc.collect()
    assert made and all(h.n == -1 and h.name == 'holder -1' for h in made)
    assert [h.n for h in holders] == list(range(200))


def test_instances_are_freed_at_once_with_their_attributes():
    holder = Holder(5)
    holder.payload = bytearray(1000)
    ref = weakref.ref(holder)
    del holder
    assert ref() is None
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(10000):
            holder = Holder(n)
            holder.extra = [n]
        del holder
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 10000
