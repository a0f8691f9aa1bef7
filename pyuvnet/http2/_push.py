"""Server push (RFC 9113 8.4), as Node 20 does it: a server stream's
pushStream() promises a request (PUSH_PROMISE) and gives back the pushed
stream to respond on. (A client's side: Http2Session._h2_push_promise.)
"""
from .. import _uv
from .._uv import nextTick
from ..errors import ERR_INVALID_ARG_TYPE
from .._internal.http2.errors import (ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_STREAM, ERR_HTTP2_NESTED_PUSH,
                                      ERR_HTTP2_OUT_OF_STREAMS, ERR_HTTP2_PUSH_DISABLED)
from .._internal.http2.headers import headers_arg, to_block

__all__ = ['push_allowed', 'push_stream']

# What nghttp2's refusals mean in Node's words.
_SUBMIT_ERRORS = {_uv.H2LibraryError.STREAM_ID_NOT_AVAILABLE: ERR_HTTP2_OUT_OF_STREAMS,
                  _uv.H2LibraryError.STREAM_CLOSED: ERR_HTTP2_INVALID_STREAM}


def push_allowed(stream):
    """Node's ``pushAllowed``: the stream and its session are open and the
    client's SETTINGS_ENABLE_PUSH is on."""
    session = stream.session
    return (not stream.destroyed and not stream._ng_closed and not session.closed
            and session._goaway_code is None
            and not session.destroyed and session._core is not None
            and bool(session._core.remote_setting(2)))


def push_stream(stream, headers, options, callback):
    """ServerHttp2Stream.pushStream(headers[, options], callback)."""
    if callable(options) and callback is None:
        options, callback = None, options
    if not push_allowed(stream):
        raise ERR_HTTP2_PUSH_DISABLED()
    if stream.id % 2 == 0:
        raise ERR_HTTP2_NESTED_PUSH()
    if not callable(callback):
        raise ERR_INVALID_ARG_TYPE('callback', 'function', callback)
    if options is not None and not isinstance(options, dict):
        raise ERR_INVALID_ARG_TYPE('options', 'object', options)
    headers = headers_arg(headers)
    options = dict(options or {})
    session = stream.session
    request = getattr(stream, '_request_headers', None) or {}
    headers.setdefault(':method', 'GET')
    if headers.get(':authority') is None and headers.get('host') is None:
        headers[':authority'] = request.get(':authority') or request.get('host')
    headers.setdefault(':scheme', 'https' if session.encrypted else 'http')
    headers.setdefault(':path', '/')
    head = headers[':method'] == 'HEAD'
    block = to_block(headers)
    session._check_alive()
    try:
        promised = _uv.h2_push_promise(session._core, stream.id, block)
    except _uv.H2LibraryError as error:
        known = _SUBMIT_ERRORS.get(error.code)
        nextTick(callback, known() if known else ERR_HTTP2_ERROR(str(error)))
        return
    session._schedule_flush()
    pushed = type(stream)(session, promised)
    pushed.sentHeaders = headers
    session._streams[promised] = pushed
    if head or options.get('endStream'):
        # No body: as Node's, its writable side ends now and its respond()
        # sends the head with END_STREAM, as a HEAD's.
        pushed._head_request = True
        pushed.end()
    # The promised request is the server's own: nothing to read.
    pushed.push(None)
    nextTick(callback, None, pushed, headers, 0)
