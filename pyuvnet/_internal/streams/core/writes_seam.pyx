# The write seam's other side (its first side, and why it is a table of C
# function pointers, are in pyuvnet/uv/stream/node_writes.pyx): the
# sequences of this module the C streams of pyuvnet._uv run, handed to
# _uv once, at this module's import. _uv cannot import or cimport this
# module (it is below it); this module imports _uv anyway (ticks.pyx).
from cpython.pycapsule cimport PyCapsule_New

from pyuvnet._uv import take_node_writes
from pyuvnet.uv.stream.node_writes cimport NodeWrites, NODE_WRITES_CAPSULE



def _write_failed_nt(stream, err, callback):
    if callback is not None:
        callback(err)
    _error_or_destroy(stream, err, False)


cdef int _write_failed(object stream, object err, object callback) except -1:
    # Node's onwrite() given an error inside write(), for a stream whose
    # write state C keeps (onwriteError, on the next tick): the callback,
    # then errorOrDestroy().
    next_tick(_write_failed_nt, (stream, err, callback))
    return 0


def refuse_write(stream, err, callback):
    """Node's _write() refusing a write, for a stream whose write state
    its C base keeps and whose refusal is Python's (a TLSSocket's):
    ``callback(err)`` (None: none) on the next tick, errorOrDestroy() now."""
    _refuse_write(stream, err, callback)


cdef NodeWrites _node_writes
_node_writes.refuse_write = _refuse_write
_node_writes.write_failed = _write_failed
take_node_writes(PyCapsule_New(&_node_writes, NODE_WRITES_CAPSULE, NULL))
