# Node's destroy machinery (lib/internal/streams/destroy.js) over both
# states' C fields: destroy() with its _destroy() callback, 'error' and
# 'close' on the next tick, and errorOrDestroy(). stream/_state.py
# re-exports these; StreamBase binds destroy_stream as its destroy().
# A subclass's _destroy, emit and destroy stay Python calls.
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
        nextTick(error_buffer, w)
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
            nextTick(_emit_error_close_nt, self.stream, err)
        else:
            nextTick(_emit_close_nt, self.stream)


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
        stream.emit('close')


cdef _emit_error(object stream, object err):
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if (w is not None and w.errorEmitted) or (r is not None and r.errorEmitted):
        return
    if w is not None:
        w.errorEmitted = True
    if r is not None:
        r.errorEmitted = True
    stream.emit('error', err)


cdef _error_or_destroy(object stream, object err, bint sync):
    cdef ReadableState r = getattr(stream, '_readableState', None)
    cdef WritableState w = getattr(stream, '_writableState', None)
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        return
    if (r is not None and r.autoDestroy) or (w is not None and w.autoDestroy):
        stream.destroy(err)
    elif err is not None:
        _record_error(err, w, r)
        if sync:
            nextTick(_emit_error_nt, stream, err)
        else:
            _emit_error(stream, err)


def error_or_destroy(stream, err, sync=False):
    """An error from inside the machinery: destroy(err) when the stream
    destroys itself (autoDestroy, the default), else record it and emit
    'error' (on the next tick when ``sync``)."""
    _error_or_destroy(stream, err, sync)
