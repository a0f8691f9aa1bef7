# The write seam's other side (its first side, and why it is a table of C
# function pointers, are in pyuvnet/uv/stream/node_writes.pyx): the
# sequences of this module the C streams of pyuvnet._uv run, handed to
# _uv once, at this module's import. _uv cannot import or cimport this
# module (it is below it); this module imports _uv anyway (ticks.pyx).
from cpython.pycapsule cimport PyCapsule_New

from pyuvnet._uv cimport NodeWrites, NODE_WRITES_CAPSULE
from pyuvnet._uv import take_node_writes



cdef _c_error_or_destroy(object stream, object err):
    # errorOrDestroy() of a stream whose write state C keeps: it destroys
    # itself (Node's sockets' autoDestroy). Its _writableState is not
    # read: that would make one (take_writes).
    if not stream.destroyed:
        stream.destroy(err)


cdef int _c_refuse_write(object stream, object err, object callback) except -1:
    # _refuse_write() (core/writable.pyx) of such a stream.
    if callback is not None:
        next_tick(callback, (err,))
    _c_error_or_destroy(stream, err)
    return 0


def _write_failed_nt(stream, err, callback):
    if callback is not None:
        callback(err)
    _c_error_or_destroy(stream, err)


cdef int _write_failed(object stream, object err, object callback) except -1:
    # Node's onwrite() given an error inside write(), for a stream whose
    # write state C keeps (onwriteError, on the next tick): the callback,
    # then errorOrDestroy().
    next_tick(_write_failed_nt, (stream, err, callback))
    return 0


# -- end(callback) of a C stream -------------------------------------------
#
# Node's end() given a callback, and the two ends of its kOnFinished list,
# for a stream whose write state C keeps (a Socket's Stream, a TLSSocket):
# ended, finished and destroyed are the C stream's own fields, its error
# is its ``errored``, and the callbacks waiting for 'finish' are its
# ``_on_finished`` list (None while none waits).

cdef int _end_callback(object stream, object callback, bint ended, bint finished,
                       bint destroyed) except -1:
    # writable_end()'s callback step (Node 20's order): refused by an end()
    # or an error before, the callback gets its error on the next tick;
    # else the stream's error, or None once finished; else it waits for
    # 'finish', and 1 tells the C stream so.
    err = None
    errored = stream.errored
    if ended or errored is not None:
        if finished:
            err = errors.ERR_STREAM_ALREADY_FINISHED('end')
        elif destroyed:
            err = errors.ERR_STREAM_DESTROYED('end')
    if err is None:
        err = errored
    if err is not None or finished:
        next_tick(callback, (err,))
    elif destroyed:
        # destroy() ran errorBuffer() already: as in Node, never called.
        pass
    else:
        waiting = stream._on_finished
        if waiting is None:
            stream._on_finished = [callback]
        else:
            waiting.append(callback)
        return 1
    return 0


cdef int _end_finished(object stream) except -1:
    # _finish()'s first step: the end() callbacks, with None, before 'finish'.
    callbacks = stream._on_finished
    if callbacks is not None:
        stream._on_finished = None
        for fn in callbacks:
            fn(None)
    return 0


def _end_failed_nt(stream):
    # errorBuffer()'s end() callbacks: the stream's error, else a new
    # ERR_STREAM_DESTROYED each, as Node's.
    callbacks = stream._on_finished
    if callbacks is not None:
        stream._on_finished = None
        for fn in callbacks:
            err = stream.errored
            fn(err if err is not None else errors.ERR_STREAM_DESTROYED('end'))


cdef int _end_failed(object stream, bint now) except -1:
    # Writable.destroy() queues errorBuffer() before destroy() queues
    # 'error': the end() callbacks run first.
    if now:
        _end_failed_nt(stream)
    else:
        next_tick(_end_failed_nt, (stream,))
    return 0


cdef NodeWrites _node_writes
_node_writes.refuse_write = _c_refuse_write
_node_writes.write_failed = _write_failed
_node_writes.end_callback = _end_callback
_node_writes.end_finished = _end_finished
_node_writes.end_failed = _end_failed
take_node_writes(PyCapsule_New(&_node_writes, NODE_WRITES_CAPSULE, NULL))
