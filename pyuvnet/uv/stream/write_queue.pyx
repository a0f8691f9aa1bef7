# What a stream's write queue holds, and the lists it is kept in (for
# StreamWrites, uv/stream/writable.pyx): each chunk as bytes no caller can
# change (to_bytes), the write callback the stream calls as C (WriteNotice),
# the pool of empty queue lists that a stream's first write() takes, and
# the calls of the queue's callbacks once their writes are done
# (call_write_callbacks).


# The empty write queues of destroyed streams (a reference each), for the
# first write() of later ones: a connection that writes does not make and
# free its list.  A C array: a list's pop() and append() would resize it.
cdef enum:
    SPARE_QUEUES = 64
cdef PyObject* spare_queues[SPARE_QUEUES]
cdef int spare_count = 0


cdef inline list new_write_queue(bytes data):
    global spare_count
    cdef list queue
    if spare_count == 0:
        return [data]
    spare_count -= 1
    queue = <list>spare_queues[spare_count]
    Py_DECREF(queue)        # the pool's reference; ``queue`` holds its own
    queue.append(data)
    return queue


cdef inline void keep_spare_queue(list queue):
    global spare_count
    if spare_count < SPARE_QUEUES:
        Py_INCREF(queue)
        spare_queues[spare_count] = <PyObject*>queue
        spare_count += 1


cdef class WriteNotice:
    """A write callback the stream calls as C: ``written(err)`` runs where
    a callable's ``callback(err)`` would, once, when the write's data left
    (``err`` None) or failed.  Python's call protocol for an object with
    ``__call__`` (tp_call and its argument tuple) cost the HTTP server 2%
    of its instructions per answer.  Only the stream's own write-done path
    calls it so; for the others (a TLSSocket's writes) it is a callable
    that does the same."""

    cdef int written(self, object err) except -1:
        return 0

    def __call__(self, error=None):
        self.written(error)


cdef object to_bytes(object data, object encoding):
    """Node's accepted chunk types, as bytes that no caller can change."""
    if data is None:
        raise errors.ERR_STREAM_NULL_VALUES()
    if type(data) is bytes:
        return data
    if isinstance(data, str):
        if encoding == 'buffer':
            # Node's write of a str with 'buffer' reaches its handle's
            # writeBuffer, which takes a buffer only.
            err = errors.ERR_INVALID_ARG_TYPE.__new__(errors.ERR_INVALID_ARG_TYPE)
            errors.NodeError.__init__(err, "Second argument must be a buffer")
            raise err
        return encode(data, encoding)
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise errors.ERR_INVALID_ARG_TYPE(
        'chunk', 'str, bytes, bytearray or memoryview', data)


cdef inline void call_write_callbacks(StreamWrites stream, list callbacks, object err):
    """Each of ``callbacks`` (None entries skipped) with ``err``: on the
    next tick inside write() (as Node, never before write() returns),
    else now, a raising one reported and the rest still called.  (Those
    of writes C held when the program took the Writable API wait for the
    state's write in flight: uv/stream/taken_writes.pyx.)"""
    if stream.heard & HEARD_HELD_CALLBACKS:
        callbacks = hold_taken_callbacks(stream, callbacks)
    if stream.writing_now:
        for cb in callbacks:
            if cb is not None:
                stream.loop.call_soon(cb, (err,))
        return
    call_each(stream.loop, callbacks, err)


cdef void call_each(Loop loop, list callbacks, object err):
    """call_write_callbacks' calls, now."""
    for cb in callbacks:
        if cb is not None:
            try:
                if isinstance(cb, WriteNotice):
                    (<WriteNotice>cb).written(err)
                else:
                    cb(err)
            except BaseException as exc:
                loop.report(exc)
