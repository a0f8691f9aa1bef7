"""ClientHttp2Session: a client's end of an HTTP/2 connection (Http2Session
is in _session.py): request(), and the requests made before it connected."""
from .._uv import nextTick
from ..http import ERR_INVALID_HTTP_TOKEN
from ._client_stream import ClientHttp2Stream
from .._internal.http2.errors import (ERR_HTTP2_CONNECT_AUTHORITY, ERR_HTTP2_CONNECT_PATH,
                                      ERR_HTTP2_CONNECT_SCHEME, ERR_HTTP2_GOAWAY_SESSION,
                                      ERR_HTTP2_INVALID_SESSION, ERR_HTTP2_STREAM_CANCEL)
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
        ``options``: ``endStream``, ``waitForTrailers``."""
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
        if self.connecting:
            self._pending.append((stream, block))
        else:
            nextTick(self._open, stream, block)
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
        stream.id = self._submit('submit_request', block, stream._end_with_head)
        stream.headersSent = True
        self._streams[stream.id] = stream
        stream.emit('ready')
