# The read seam's other side (its first side is
# pyuvnet/uv/stream/node_reads.pyx; "The write seam" in docs/DESIGN.md says
# why a table of C functions): the read sequences of this module the C
# streams of pyuvnet._uv run over their _readableState, handed to _uv once,
# at this module's import.
from pyuvnet._uv cimport NodeReads, NODE_READS_CAPSULE
from pyuvnet._uv import take_node_reads


cdef int _seam_push(object stream, object chunk) except -1:
    return _add_chunk(stream, chunk, None, False)


cdef int _seam_pause(object stream) except -1:
    readable_pause(stream)
    return 0


cdef int _seam_resume(object stream) except -1:
    readable_resume(stream)
    return 0


cdef int _seam_listener_added(object stream, object event) except -1:
    return _listener_added(stream, event)


cdef int _seam_listeners_gone(object stream) except -1:
    return next_tick(update_readable_listening, (stream,))


cdef object _seam_take_reads(object stream):
    # streams.native.take_reads, bound at its import (bind_take_reads).
    return _take_reads(stream)


cdef object _seam_read(object stream, object state, object size):
    # A Stream's read(): readable_read, given the state its C base keeps
    # (no `_readableState` looked up, a property of the Python subclass).
    if state is None:
        state = _take_reads(stream)
    return read_sized(stream, <ReadableState>state, size)


cdef NodeReads _node_reads
_node_reads.push = _seam_push
_node_reads.pause = _seam_pause
_node_reads.resume = _seam_resume
_node_reads.listener_added = _seam_listener_added
_node_reads.listeners_gone = _seam_listeners_gone
_node_reads.take_reads = _seam_take_reads
_node_reads.read = _seam_read
_c_read = take_node_reads(PyCapsule_New(&_node_reads, NODE_READS_CAPSULE, NULL))
