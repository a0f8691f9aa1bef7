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
        self._after_construct_destroy.append(
            lambda er: _call_destroy(self, _aggregate(er, error), on_destroy))
    return self


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


cdef _aggregate(inner, outer):
    if inner is not None and outer is not None and inner is not outer:
        return errors.AggregateError([outer, inner])
    return inner if inner is not None else outer


cdef _call_destroy(stream, err, on_destroy):
    # destroy()'s call of _destroy(), once a pending _construct() is done.
    try:
        stream._destroy(err, on_destroy)
    except Exception as exc:
        on_destroy(exc)


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
