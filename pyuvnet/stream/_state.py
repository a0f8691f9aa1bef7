"""The state every stream carries (Node's ReadableState and WritableState,
C structs made in _core.pyx's core/states.pyx), the default high-water
marks, and the destroy/construct machinery both sides use (Node's
lib/internal/streams/destroy.js; destroy() itself is core/destroy.pyx's).

Node keeps these as ``stream._readableState`` and ``stream._writableState``;
so does pyuvnet, so that code which looks at them (``finished()``, the
``pipe()`` of another library) sees the same fields under the same names.
"""
from .. import errors
from .._uv import nextTick
# destroy() and errorOrDestroy() are C (core/destroy.pyx), as is the write
# buffer's errorBuffer() (core/writable.pyx); their names are this module's.
from ._core import (ReadableState, WritableState, default_hwm as _default_hwm, destroy_default,
                    destroy_stream, error_buffer, error_or_destroy, nop, reset_buffer)

__all__ = ['ReadableState', 'WritableState', 'getDefaultHighWaterMark',
           'setDefaultHighWaterMark', 'error_or_destroy', 'destroy_stream', 'destroy_default',
           'construct', 'undestroy', 'nop', 'error_buffer', 'reset_buffer']


def getDefaultHighWaterMark(objectMode=False):
    """The high-water mark a new stream gets when none is given."""
    return _default_hwm[bool(objectMode)]


def setDefaultHighWaterMark(objectMode, value):
    """Set the default of getDefaultHighWaterMark() for new streams."""
    from .._validate import validate_integer
    _default_hwm[bool(objectMode)] = validate_integer(value, 'value', 0)


def _states(stream):
    return getattr(stream, '_readableState', None), getattr(stream, '_writableState', None)


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
