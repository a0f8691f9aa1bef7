"""ServerHttp2Session: a server's end of an HTTP/2 connection (Http2Session
is in _session.py): its requests as 'stream' events (or to a request
sink), ALTSVC and ORIGIN frames."""
from .. import _uv
from .._internal.http2.headers import OBJECT_RULES
from ._origins import altsvc_arguments, origin_arguments
from ._server_stream import ServerHttp2Stream
from ._session import Http2Session

__all__ = ['ServerHttp2Session']


class ServerHttp2Session(Http2Session):
    """Node's ``ServerHttp2Session``: a server's end of a connection; its
    'stream' events are the peer's requests; ``altsvc()``, ``origin()``.

    A request sink (pyuvnet's own servers: the ASGI one, uv/asgi/
    h2_cycle.pyx's H2Sink.serve(session)) replaces the 'stream' event and
    its Http2Stream: the session's core hands each request's head, its
    DATA and their END_STREAM, and its stream's close, to the sink's
    handler in C, which it keeps in the session's ``_streams``; the session
    calls the handler as it calls a stream for the rest: ``_on_end()`` and
    ``_on_headers(...)`` (trailers), ``_on_want_trailers()``,
    ``_on_connection_lost()``, ``destroy(error)``, ``close(code)``,
    ``emit(...)`` ('frameError', 'priority'), and its ``rstCode`` and
    ``destroyed`` fields. The handler leaves ``_streams`` itself once
    closed; until then the session (nghttp2 holding the stream id) keeps
    it alive.
    """

    _request_stream = ServerHttp2Stream

    def __init__(self, socket, options, server=None):
        super().__init__(socket, True, options)
        # Its requests' streams are made and emitted by the core.
        self._core.serve_streams(*OBJECT_RULES)
        self.server = server
        self.connecting = False
        self._send_first_settings()
        origins = self._options.get('origins')
        if isinstance(origins, (list, tuple)):
            # As Node's setupHandle(): the server's ``origins`` option is an
            # ORIGIN frame right after the first SETTINGS.
            self.origin(*origins)
        self._flush()

    def altsvc(self, alt, originOrStream=None):
        """An ALTSVC frame (RFC 7838): ``alt`` (an Alt-Svc field value) for
        an origin (a URL string, or an object with an ``origin``) or for a
        stream (its id)."""
        self._check_alive()
        stream_id, origin, value = altsvc_arguments(alt, originOrStream)
        if stream_id and stream_id not in self._streams:
            # As Node's: nothing for a stream that does not exist (with
            # nghttp2 1.70 the frame went, and the client's next request
            # was then refused with REFUSED_STREAM).
            return
        self._submit_extra(_uv.h2_altsvc, stream_id, origin, value)

    def origin(self, *origins):
        """An ORIGIN frame (RFC 8336) of the origins given (URL strings, or
        objects with an ``origin``); none given sends nothing."""
        self._check_alive()
        if origins:
            self._submit_extra(_uv.h2_origin, origin_arguments(origins))
