# nextTick() as a C call: _uv's tick queue reached through the function
# _uv exports in a capsule. A Python call of nextTick() cost each tick a
# call and an *args tuple, and the sequences here queue a dozen ticks per
# HTTP/2 request. The ticks are the same, in the same queue.
from cpython.pycapsule cimport PyCapsule_GetPointer

from pyuvnet._uv import next_tick_capsule

ctypedef int (*next_tick_fn)(object, tuple) except -1

cdef next_tick_fn _queue_tick = <next_tick_fn>PyCapsule_GetPointer(
    next_tick_capsule, b"pyuvnet._uv.next_tick")


cdef inline int next_tick(object callback, tuple args) except -1:
    """nextTick(callback, *args)."""
    return _queue_tick(callback, args)
