# The read buffer's head chunk (a room of _core.pyx, beside readable.pyx):
# a framing reader's read(4) then read(n) inside it by a short path, the
# bytes those reads copy out of it taken from a small pool, and the head
# cut to its unread part for code that reads the buffer's chunks as they
# are. The head chunk stays in the buffer while reads take its bytes
# (ReadableState.headOffset counts what they took).
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.object cimport PyObject
from cpython.sequence cimport PySequence_GetItem


cdef object _read_in_head(object stream, ReadableState state, Py_ssize_t n):
    # read_() of 0 < n < length bytes that the head chunk holds, where
    # Node's read() calls no _read() (one is on already, or enough stays
    # buffered and no 'readable' is wanted): the steps of read_() it comes
    # to, without their tests; a framing reader's usual read(4) and
    # read(n). None when that is not the case (read_() goes on).
    cdef object head
    if n > state.highWaterMark or state.objectMode or not (state.reading or (
            not state.needReadable and state.length - n >= state.highWaterMark)):
        return None
    head = PySequence_GetItem(state.buffer, 0)
    if type(head) is not bytes or PyBytes_GET_SIZE(head) - state.headOffset <= n:
        return None
    state.emittedReadable = False
    ret = _part(head, state.headOffset, n)
    state.headOffset += n
    _taken(state, n)
    _emit_read(stream, state, ret)
    return ret


cdef extern from "uv/pyuvnet_bytes_pool.h":
    object pooled_bytes "pyuvnet_pooled_bytes" (PyObject** pool, int slots, int* next,
                                                Py_ssize_t min, const char* data, Py_ssize_t n)

cdef enum:
    PARTS_POOL = 4      # read(n)'s parts kept for reuse (a power of two)
    PARTS_POOLED_MIN = 2

# The bytes read(n) made last: a framing reader drops its read(4) and its
# body before it reads the next message, whose copies then refill them
# rather than a malloc and a free each (pyuvnet_bytes_pool.h).
cdef PyObject* _parts_pool[PARTS_POOL]
cdef int _parts_next = 0


cdef inline object _part(object chunk, Py_ssize_t start, Py_ssize_t size):
    # chunk[start:start + size], the chunk itself when that is all of it.
    if start == 0 and size == len(chunk):
        return chunk
    if type(chunk) is bytes:
        return pooled_bytes(_parts_pool, PARTS_POOL, &_parts_next, PARTS_POOLED_MIN,
                            PyBytes_AS_STRING(chunk) + start, size)
    return chunk[start:start + size]


cdef int settle_head(ReadableState state) except -1:
    # The head chunk cut to what is unread, for code that takes the
    # buffer's chunks as they are.
    if state.headOffset:
        buf = state.buffer
        buf[0] = buf[0][state.headOffset:]
        state.headOffset = 0
    return 0


def readable_settle_head(state):
    """Cut the buffer's head chunk to its unread part (for code that reads
    ``_readableState.buffer`` as Node's list of unread chunks)."""
    settle_head(<ReadableState?>state)
