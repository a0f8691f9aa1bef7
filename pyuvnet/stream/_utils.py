"""What finished() and pipeline() ask of any stream (Node 20's
lib/internal/streams/utils.js): duck-typed, so that pyuvnet's sockets and
HTTP messages and any object with Node's stream methods qualify."""
from .._uv import nextTick

__all__ = [
    'is_readable_node_stream', 'is_writable_node_stream', 'is_node_stream', 'is_destroyed',
    'is_writable_ended', 'is_writable_finished', 'is_readable_finished', 'is_readable',
    'is_writable', 'is_closed', 'will_emit_close', 'writable_errored', 'readable_errored',
    'is_iterable', 'is_finished', 'destroyer',
]


def _has(obj, name):
    return callable(getattr(obj, name, None))


def _rs(obj):
    return getattr(obj, '_readableState', None)


def _ws(obj):
    return getattr(obj, '_writableState', None)


def _field(state, name):
    """A state's field, None when the state is None or lacks it: a
    program's stand-in state may be a bare object, whose missing fields
    Node reads as undefined."""
    return getattr(state, name, None)


def is_readable_node_stream(obj, strict=False):
    if obj is None or not _has(obj, 'pipe') or not _has(obj, 'on'):
        return False
    if strict and not (_has(obj, 'pause') and _has(obj, 'resume')):
        return False
    r, w = _rs(obj), _ws(obj)
    # (A C stream's read side is readable before it has a ReadableState:
    # C keeps its reads until the Readable API is taken, _take_reads.)
    return w is None or (r is not None and _field(r, 'readable') is not False) or (
        r is None and _has(obj, '_take_reads'))


def is_writable_node_stream(obj):
    if obj is None or not _has(obj, 'write') or not _has(obj, 'on'):
        return False
    r, w = _rs(obj), _ws(obj)
    return r is None or (w is not None and _field(w, 'writable') is not False)


def is_node_stream(obj):
    return obj is not None and (
        _rs(obj) is not None or _ws(obj) is not None
        or (_has(obj, 'write') and _has(obj, 'on'))
        or (_has(obj, 'pipe') and _has(obj, 'on')))


def is_iterable(obj, want_async=None):
    if obj is None or isinstance(obj, (str, bytes, bytearray, memoryview, dict)):
        return False
    if want_async is True:
        return hasattr(obj, '__aiter__')
    if want_async is False:
        return hasattr(obj, '__iter__')
    return hasattr(obj, '__aiter__') or hasattr(obj, '__iter__')


def is_destroyed(stream):
    s = _ws(stream) or _rs(stream)
    return bool(getattr(stream, 'destroyed', False) or getattr(stream, '_destroyer_called', False)
                or _field(s, 'destroyed'))


def is_writable_ended(stream):
    if not is_writable_node_stream(stream):
        return None
    if getattr(stream, 'writableEnded', None) is True:
        return True
    w = _ws(stream)
    if _field(w, 'errored'):
        return False
    ended = _field(w, 'ended')
    return ended if isinstance(ended, bool) else None


def is_writable_finished(stream, strict=True):
    if not is_writable_node_stream(stream):
        return None
    if getattr(stream, 'writableFinished', None) is True:
        return True
    w = _ws(stream)
    if _field(w, 'errored'):
        return False
    if not isinstance(_field(w, 'finished'), bool):
        return None
    return bool(w.finished or (not strict and _field(w, 'ended') is True
                               and _field(w, 'length') == 0))


def is_readable_finished(stream, strict=True):
    if not is_readable_node_stream(stream):
        return None
    r = _rs(stream)
    if _field(r, 'errored'):
        return False
    if not isinstance(_field(r, 'endEmitted'), bool):
        return None
    return bool(r.endEmitted or (not strict and _field(r, 'ended') is True
                                 and _field(r, 'length') == 0))


def is_readable(stream):
    readable = getattr(stream, 'readable', None)
    if not isinstance(readable, bool):
        return None
    if is_destroyed(stream):
        return False
    return is_readable_node_stream(stream) and readable and not is_readable_finished(stream)


def is_writable(stream):
    writable = getattr(stream, 'writable', None)
    if not isinstance(writable, bool):
        return None
    if is_destroyed(stream):
        return False
    return is_writable_node_stream(stream) and writable and not is_writable_ended(stream)


def is_closed(stream):
    r, w = _rs(stream), _ws(stream)
    if r is None and w is None:
        return None
    return bool(_field(w, 'closed') or _field(r, 'closed'))


def will_emit_close(stream):
    if not is_node_stream(stream):
        return None
    s = _ws(stream) or _rs(stream)
    return bool(_field(s, 'autoDestroy') and _field(s, 'emitClose')
                and _field(s, 'closed') is False)


def writable_errored(stream):
    return _field(_ws(stream), 'errored')


def readable_errored(stream):
    return _field(_rs(stream), 'errored')


def is_finished(stream):
    if not is_node_stream(stream):
        return None
    if is_destroyed(stream):
        return True
    return not is_readable(stream) and not is_writable(stream)


def destroyer(stream, err):
    """Node's destroyer(): destroy ``stream`` (with an AbortError when it
    is not finished and no error is given), unless it is destroyed already."""
    from ..errors import AbortError
    if stream is None or is_destroyed(stream):
        return
    if err is None and not is_finished(stream):
        err = AbortError()
    if _is_request(stream):
        stream.abort()
    elif _is_request(getattr(stream, 'req', None)):
        # A client's response: Node aborts its request, which fails no one.
        stream.req.abort()
    elif callable(getattr(stream, 'destroy', None)):
        stream.destroy(err)
    elif callable(getattr(stream, 'close', None)):
        stream.close()
    elif err is not None:
        # A legacy Stream has no destroy(): Node tells it 'error', then 'close'.
        nextTick(_emit_error_close_legacy, stream, err)
    else:
        nextTick(stream.emit, 'close')
    if not getattr(stream, 'destroyed', False):
        try:
            stream._destroyer_called = True
        except AttributeError:      # a C stream without a __dict__
            pass


def _is_request(stream):
    # Node's isRequest(): a ClientRequest, by its methods.
    return callable(getattr(stream, 'setHeader', None)) and callable(getattr(stream, 'abort', None))


def _emit_error_close_legacy(stream, err):
    stream.emit('error', err)
    nextTick(stream.emit, 'close')
