"""ClientHttp2Session: a client's end of an HTTP/2 connection (Http2Session
is in _session.py): request(), and the requests made before it connected."""
from .. import _uv
from ..errors import AbortError
from ..http import ERR_INVALID_HTTP_TOKEN
from ._client_stream import ClientHttp2Stream
from .._internal.http2.errors import (ERR_HTTP2_CONNECT_AUTHORITY, ERR_HTTP2_CONNECT_PATH,
                                      ERR_HTTP2_CONNECT_SCHEME, ERR_HTTP2_GOAWAY_SESSION,
                                      ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_SESSION,
                                      ERR_HTTP2_OUT_OF_STREAMS, ERR_HTTP2_STREAM_CANCEL)
from .._internal.validate import validate_abort_signal
from .._internal.http2.headers import headers_arg, to_block
from ._request_options import check_request_options
from ._session import Http2Session

__all__ = ['ClientHttp2Session']


class ClientHttp2Session(Http2Session):
    """Node's ``ClientHttp2Session``: ``request()`` opens a stream."""

    def __init__(self, socket, options, authority, scheme):
        super().__init__(socket, False, options)
        self._authority = authority
        self._scheme = scheme
        self._pending = []
        # Pings and settings asked for before the connection is up follow
        # it; the socket holds what is written until then.
        self._send_first_settings()

    def _connected(self):
        self.connecting = False
        self._flush()
        # One by one: a request left waiting keeps a closed session open.
        while self._pending:
            stream, block = self._pending.pop(0)
            self._open(stream, block)
        self.emit('connect', self, self._socket)

    def destroy(self, error=None, code=None):
        # As Node's: the requests not sent yet are canceled.
        if not self.destroyed:
            pending, self._pending = self._pending, []
            for stream, _block in pending:
                stream.destroy(ERR_HTTP2_STREAM_CANCEL(error))
        super().destroy(error, code)

    def request(self, headers=None, options=None):
        """A new stream for a request: ``headers`` (':method' GET, ':path'
        '/', ':scheme' and ':authority' the session's unless given);
        ``options``: ``endStream``, ``waitForTrailers``, ``signal`` (an
        AbortSignal whose abort destroys the stream with an AbortError)."""
        if self.destroyed:
            raise ERR_HTTP2_INVALID_SESSION()
        if self.closed or self._goaway_code is not None:
            raise ERR_HTTP2_GOAWAY_SESSION()
        options = {} if options is None else options
        check_request_options(options)
        headers = headers_arg(headers)
        headers.setdefault(':method', 'GET')
        if headers[':method'] != 'CONNECT' or headers.get(':protocol') is not None:
            # As Node's: a host header stands for :authority.
            if 'host' not in headers:
                headers.setdefault(':authority', self._authority)
            headers.setdefault(':scheme', self._scheme)
            headers.setdefault(':path', '/')
        elif headers.get(':authority') is None:
            # As Node's: a plain CONNECT names its target, and only that.
            raise ERR_HTTP2_CONNECT_AUTHORITY()
        elif headers.get(':scheme') is not None:
            raise ERR_HTTP2_CONNECT_SCHEME()
        elif headers.get(':path') is not None:
            raise ERR_HTTP2_CONNECT_PATH()
        try:
            block = to_block(headers)
        except ERR_INVALID_HTTP_TOKEN as error:
            # As Node's: a name that is no token ends the session too.
            self.destroy(error)
            raise
        stream = ClientHttp2Stream(self, None)
        stream.sentHeaders = headers
        stream._wait_for_trailers = bool(options.get('waitForTrailers'))
        end_stream = options.get('endStream')
        if end_stream is None:
            # As Node's: GET, HEAD and DELETE end with their head unless
            # told otherwise.
            end_stream = headers[':method'] in ('GET', 'HEAD', 'DELETE')
        stream._end_with_head = bool(end_stream) and not stream._wait_for_trailers
        if end_stream:
            stream.end()
        signal = options.get('signal')
        # (As Node's `if (signal)`: a falsy value is none, {} is checked.)
        if signal is not None and (signal or not isinstance(signal, (bool, int, float, str))):
            _abort_with(stream, signal)
        if self.connecting:
            self._pending.append((stream, block))
        else:
            # As Node's: a connected session opens the stream now (its id
            # and 'ready' before request() returns).
            self._open(stream, block)
        return stream

    def _open(self, stream, block):
        if stream.destroyed:
            return
        if self._core is None:
            # Asked for while connected, destroyed before this tick: Node's
            # was open by then, so it goes as the open streams went (the
            # session's error, if any; not a pending one's CANCEL).
            stream.destroy(self._close_error)
            return
        if self.closed or self._goaway_code is not None:
            # As Node's: a session closed while the request waited for the
            # connection sends nothing of it.
            stream.destroy(ERR_HTTP2_GOAWAY_SESSION())
            return
        # As Node's, only endStream sends the request as HEADERS alone, with
        # END_STREAM; an end() before the stream opened is an empty DATA.
        try:
            stream.id = self._core.submit_request(block, stream._end_with_head)
        except _uv.H2LibraryError as error:
            # As Node's: out of stream ids, the request fails alone; any
            # other refusal ends the session.
            if error.code == _uv.H2LibraryError.STREAM_ID_NOT_AVAILABLE:
                stream.destroy(ERR_HTTP2_OUT_OF_STREAMS())
            else:
                self.destroy(ERR_HTTP2_ERROR(str(error)))
            return
        self._schedule_flush()
        stream.headersSent = True
        self._streams[stream.id] = stream
        stream.emit('ready')


def _abort_with(stream, signal):
    """request()'s ``signal``, as Node's: aborted, the stream is destroyed
    with an AbortError (at once if it is aborted already); the listener
    goes at the stream's close."""
    validate_abort_signal(signal, 'options.signal')

    def abort(*_):
        stream.destroy(AbortError(cause=signal.reason))
    if signal.aborted:
        abort()
        return
    signal.addEventListener('abort', abort, {'once': True})
    stream.once('close', lambda: signal.removeEventListener('abort', abort))
