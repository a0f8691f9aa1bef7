"""The state every stream carries (Node's ReadableState and WritableState,
C structs made in _core.pyx's core/states.pyx), the default high-water
marks, and the destroy/construct machinery both sides use (Node's
lib/internal/streams/destroy.js).

Node keeps these as ``stream._readableState`` and ``stream._writableState``;
so does pyuvnet, so that code which looks at them (``finished()``, the
``pipe()`` of another library) sees the same fields under the same names.
"""
from .. import errors
from .._uv import nextTick
from ._core import ReadableState, WritableState, default_hwm as _default_hwm

__all__ = ['ReadableState', 'WritableState', 'getDefaultHighWaterMark',
           'setDefaultHighWaterMark', 'error_or_destroy', 'destroy_stream',
           'construct', 'undestroy', 'nop', 'error_buffer', 'reset_buffer']

def nop(*args):
    """The callback of a write() given none."""


def getDefaultHighWaterMark(objectMode=False):
    """The high-water mark a new stream gets when none is given."""
    return _default_hwm[bool(objectMode)]


def setDefaultHighWaterMark(objectMode, value):
    """Set the default of getDefaultHighWaterMark() for new streams."""
    from .._validate import validate_integer
    _default_hwm[bool(objectMode)] = validate_integer(value, 'value', 0)


def error_buffer(state):
    """Node's errorBuffer(): the buffered writes and the end() callbacks
    of a destroyed (or failed) write side fail with its error."""
    if state.writing:
        return
    for entry in state.buffered[state.bufferedIndex:]:
        state.length -= 1 if state.objectMode else len(entry['chunk'])
        entry['callback'](state.errored if state.errored is not None
                          else errors.ERR_STREAM_DESTROYED('write'))
    callbacks, state.onFinished = state.onFinished, []
    for fn in callbacks:
        fn(state.errored if state.errored is not None else errors.ERR_STREAM_DESTROYED('end'))
    reset_buffer(state)


def reset_buffer(state):
    """An empty write buffer."""
    state.buffered = []
    state.bufferedIndex = 0
    state.allBuffers = True
    state.allNoop = True


def _states(stream):
    return getattr(stream, '_readableState', None), getattr(stream, '_writableState', None)


def _record_error(err, w, r):
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
    # destroy() in one. StreamBase.destroy is this function (hence self),
    # a call less for each stream: the servers' streams are destroyed once
    # a request.
    r = getattr(self, '_readableState', None)
    w = getattr(self, '_writableState', None)
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
    called = False

    def on_destroy(err=None):
        nonlocal called
        if called:
            return
        called = True
        if err is not None:
            _record_error(err, w, r)
        if w is not None:
            w.closed = True
        if r is not None:
            r.closed = True
        if callable(callback):
            callback(err)
        if err is not None:
            nextTick(_emit_error_close, self, err)
        else:
            nextTick(_emit_close, self)
    if (w if w is not None else r).constructed:
        try:
            self._destroy(error, on_destroy)
        except Exception as exc:
            on_destroy(exc)
    else:
        self._after_construct_destroy.append(
            lambda er: _call_destroy(self, _aggregate(er, error), on_destroy))
    return self


def _aggregate(inner, outer):
    if inner is not None and outer is not None and inner is not outer:
        return errors.AggregateError([outer, inner])
    return inner if inner is not None else outer


def _call_destroy(stream, err, on_destroy):
    # destroy()'s call of _destroy(), once a pending _construct() is done.
    try:
        stream._destroy(err, on_destroy)
    except Exception as exc:
        on_destroy(exc)


def _emit_error_close(stream, err):
    _emit_error(stream, err)
    _emit_close(stream)


def _emit_close(stream):
    r = getattr(stream, '_readableState', None)
    w = getattr(stream, '_writableState', None)
    if w is not None:
        w.closeEmitted = True
    if r is not None:
        r.closeEmitted = True
    if (w is not None and w.emitClose) or (r is not None and r.emitClose):
        stream.emit('close')


def _emit_error(stream, err):
    r, w = _states(stream)
    if (w is not None and w.errorEmitted) or (r is not None and r.errorEmitted):
        return
    if w is not None:
        w.errorEmitted = True
    if r is not None:
        r.errorEmitted = True
    stream.emit('error', err)


def error_or_destroy(stream, err, sync=False):
    """An error from inside the machinery: destroy(err) when the stream
    destroys itself (autoDestroy, the default), else record it and emit
    'error' (on the next tick when ``sync``)."""
    r, w = _states(stream)
    if (w is not None and w.destroyed) or (r is not None and r.destroyed):
        return
    if (r is not None and r.autoDestroy) or (w is not None and w.autoDestroy):
        stream.destroy(err)
    elif err is not None:
        _record_error(err, w, r)
        if sync:
            nextTick(_emit_error, stream, err)
        else:
            _emit_error(stream, err)


def undestroy(stream):
    """Node's _undestroy(): the state of a stream never destroyed, so that
    it can be used again (what net.Socket does before a reconnect)."""
    r, w = _states(stream)
    for s in (r, w):
        if s is not None:
            s.constructed = True
            s.closed = s.closeEmitted = s.destroyed = s.errorEmitted = False
            s.errored = None
    if r is not None:
        r.ended = r.readable is False
        r.endEmitted = r.readable is False
    if w is not None:
        w.finalCalled = w.prefinished = w.finished = False
        w.ended = w.ending = w.writable is False


def construct(stream, on_constructed):
    """Call ``stream._construct(callback)`` on the next tick when the class
    or the options define it; both sides wait for it (a Duplex calls this
    once per side and the second call only adds its continuation)."""
    if stream._construct is None:
        return
    r, w = _states(stream)
    if r is not None:
        r.constructed = False
    if w is not None:
        w.constructed = False
    stream._after_construct.append(on_constructed)
    if len(stream._after_construct) > 1:
        return
    nextTick(_construct_nt, stream)


def _construct_nt(stream):
    called = False

    def on_construct(err=None):
        nonlocal called
        if called:
            error_or_destroy(stream, err if err is not None else errors.ERR_MULTIPLE_CALLBACK())
            return
        called = True
        r, w = _states(stream)
        if r is not None:
            r.constructed = True
        if w is not None:
            w.constructed = True
        s = w if w is not None else r
        if s.destroyed:
            waiting, stream._after_construct_destroy = stream._after_construct_destroy, []
            for fn in waiting:
                fn(err)
        elif err is not None:
            error_or_destroy(stream, err, True)
        else:
            _constructed(stream)
    try:
        stream._construct(lambda err=None: nextTick(on_construct, err))
    except Exception as exc:
        nextTick(on_construct, exc)


def _constructed(stream):
    waiting, stream._after_construct = stream._after_construct, []
    for fn in waiting:
        fn()
