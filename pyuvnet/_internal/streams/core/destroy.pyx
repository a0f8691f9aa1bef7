# Node's destroy machinery (lib/internal/streams/destroy.js) over both
# states' C fields: destroy() with its _destroy() callback, 'error' and
# 'close' on the next tick, errorOrDestroy(), construct() and undestroy().
# pyuvnet/_internal/streams/state.py re-exports these; StreamBase binds destroy_stream as its
# destroy().
# A subclass's _destroy and destroy stay Python calls (emit too, when it
# is overridden: emits.pyx).
cimport cython

cdef inline _record_error(object err, WritableState w, ReadableState r):
    if err is not None:
        if w is not None and w.errored is None:
            w.errored = err
        if r is not None and r.errored is None:
            r.errored = err


def destroy_stream(self, error=None, callback=None):
    """Destroy the stream: ``_destroy(err, cb)`` runs, then 'error'
    (when ``error`` is given) and 'close' on the next tick; buffered
    writes and end() callbacks fail with ERR_STREAM_DESTROYED (or the
    error). A second call does nothing."""
    # Node's Writable.prototype.destroy() (the buffer's callbacks) and
    # destroy() in one. StreamBase.destroy is this function (hence self).
    cdef ReadableState r = getattr(self, '_readableState', None)
    cdef WritableState w = getattr(self, '_writableState', None)
    cdef _OnDestroy on_destroy
    cdef _DestroyConstructed after
    cdef bint constructed
    if w is not None and not w.destroyed and (w.bufferedIndex < len(w.buffered) or w.onFinished):
        next_tick(error_buffer, (w,))
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        if callable(callback):
            callback()
        return self
    if error is not None:
        _record_error(error, w, r)
    if w is not None:
        w.destroyed = True
    if r is not None:
        r.destroyed = True
    on_destroy = _OnDestroy.__new__(_OnDestroy)
    on_destroy.stream, on_destroy.w, on_destroy.r = self, w, r
    on_destroy.callback = callback
    if w is not None:
        constructed = w.constructed
    else:       # (neither state: AttributeError, as a field of None)
        constructed = (<object>r).constructed
    if constructed:
        try:
            self._destroy(error, on_destroy)
        except Exception as exc:
            on_destroy(exc)
    else:
        after = _DestroyConstructed.__new__(_DestroyConstructed)
        after.stream, after.error, after.on_destroy = self, error, on_destroy
        self._after_construct_destroy.append(after)
    return self


def destroy_default(self, err, callback):
    """Node's default _destroy(): nothing to release; done at once."""
    callback(err)


@cython.final
cdef class _OnDestroy:
    # The callback _destroy() gets (Node's onDestroy): once; later calls
    # are ignored.
    cdef bint called
    cdef object stream, callback
    cdef WritableState w
    cdef ReadableState r

    def __call__(self, err=None):
        if self.called:
            return
        self.called = True
        if err is not None:
            _record_error(err, self.w, self.r)
        if self.w is not None:
            self.w.closed = True
        if self.r is not None:
            self.r.closed = True
        callback = self.callback
        if callable(callback):
            callback(err)
        if err is not None:
            next_tick(_emit_error_close_nt, (self.stream, err))
        else:
            next_tick(_emit_close_nt, (self.stream,))


@cython.final
cdef class _DestroyConstructed:
    # destroy()'s call of _destroy() once a pending _construct() is done,
    # with the error of either (both: an AggregateError).
    cdef object stream, error, on_destroy

    def __call__(self, er):
        err = self.error
        if er is not None and err is not None and er is not err:
            err = errors.AggregateError([err, er])
        elif er is not None:
            err = er
        try:
            self.stream._destroy(err, self.on_destroy)
        except Exception as exc:
            self.on_destroy(exc)


def _emit_error_close_nt(stream, err):
    _emit_error(stream, err)
    _emit_close(stream)


def _emit_close_nt(stream):
    _emit_close(stream)


def _emit_error_nt(stream, err):
    _emit_error(stream, err)


cdef _emit_close(object stream):
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if w is not None:
        w.closeEmitted = True
    if r is not None:
        r.closeEmitted = True
    if (w is not None and w.emitClose) or (r is not None and r.emitClose):
        emit_event(stream, 'close', ())


cdef _emit_error(object stream, object err):
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if (w is not None and w.errorEmitted) or (r is not None and r.errorEmitted):
        return
    if w is not None:
        w.errorEmitted = True
    if r is not None:
        r.errorEmitted = True
    emit_event(stream, 'error', (err,))


cdef _error_or_destroy(object stream, object err, bint sync=False):
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        return
    if r is None and w is None:
        # A C stream (a socket, a TLS socket) whose state its C base still
        # keeps: it destroys itself, as Node's sockets (autoDestroy).
        if not stream.destroyed:
            stream.destroy(err)
    elif (r is not None and r.autoDestroy) or (w is not None and w.autoDestroy):
        stream.destroy(err)
    elif err is not None:
        _record_error(err, w, r)
        if sync:
            next_tick(_emit_error_nt, (stream, err))
        else:
            _emit_error(stream, err)


def error_or_destroy(stream, err, sync=False):
    """An error from inside the machinery: destroy(err) when the stream
    destroys itself (autoDestroy, the default), else record it and emit
    'error' (on the next tick when ``sync``)."""
    _error_or_destroy(stream, err, sync)


# -- construct() and undestroy() ----------------------------------------------

def construct(stream, on_constructed):
    """Call ``stream._construct(callback)`` on the next tick when the class
    or the options define it; both sides wait for it (a Duplex calls this
    once per side and the second call only adds its continuation)."""
    cdef ReadableState r
    cdef WritableState w
    if stream._construct is None:
        return
    r = getattr(stream, '_readableState', None)
    w = getattr(stream, '_writableState', None)
    if r is not None:
        r.constructed = False
    if w is not None:
        w.constructed = False
    waiting = stream._after_construct
    waiting.append(on_constructed)
    if len(waiting) > 1:
        return
    next_tick(_construct_nt, (stream,))


def _construct_nt(stream):
    cdef _OnConstruct on_construct = _OnConstruct.__new__(_OnConstruct)
    cdef _ConstructCallback callback = _ConstructCallback.__new__(_ConstructCallback)
    on_construct.stream = stream
    callback.on_construct = on_construct
    try:
        stream._construct(callback)
    except Exception as exc:
        next_tick(on_construct, (exc,))


@cython.final
cdef class _ConstructCallback:
    # The callback _construct() gets: its outcome is taken on the next tick.
    cdef _OnConstruct on_construct

    def __call__(self, err=None):
        next_tick(self.on_construct, (err,))


@cython.final
cdef class _OnConstruct:
    # _construct()'s outcome: the sides go on (their continuations), or
    # the destroy() that waited runs, or the error destroys the stream.
    cdef bint called
    cdef object stream

    def __call__(self, err=None):
        cdef ReadableState r
        cdef WritableState w
        cdef bint destroyed
        stream = self.stream
        if self.called:
            _error_or_destroy(stream, err if err is not None
                              else errors.ERR_MULTIPLE_CALLBACK(), False)
            return
        self.called = True
        r = getattr(stream, '_readableState', None)
        w = getattr(stream, '_writableState', None)
        if r is not None:
            r.constructed = True
        if w is not None:
            w.constructed = True
        if w is not None:
            destroyed = w.destroyed
        else:       # (neither state: AttributeError, as a field of None)
            destroyed = (<object>r).destroyed
        if destroyed:
            waiting, stream._after_construct_destroy = stream._after_construct_destroy, []
            for fn in waiting:
                fn(err)
        elif err is not None:
            _error_or_destroy(stream, err, True)
        else:
            waiting, stream._after_construct = stream._after_construct, []
            for fn in waiting:
                fn()


def undestroy(stream):
    """Node's _undestroy(): the state of a stream never destroyed, so that
    it can be used again (what net.Socket does before a reconnect)."""
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if r is not None:
        r.constructed = True
        r.closed = r.closeEmitted = r.destroyed = r.errorEmitted = False
        r.errored = None
        r.ended = r.endEmitted = not r.readable
    if w is not None:
        w.constructed = True
        w.closed = w.closeEmitted = w.destroyed = w.errorEmitted = False
        w.errored = None
        w.finalCalled = w.prefinished = w.finished = False
        w.ended = w.ending = not w.writable
