"""ServerHttp2Stream: a request's stream on the server (Http2Stream is in
_stream.py), and its answer: respond(), the file responses, the 1xx and
additional headers, the close of a request left unread."""
from .._uv import H2LibraryError, h2_plain_block, h2_respond, h2_server_final, setImmediate
from ..events import EventEmitter
from .._internal.aliases import twins
from .._internal.http2.errors import (ERR_HTTP2_ERROR, ERR_HTTP2_HEADERS_AFTER_RESPOND, ERR_HTTP2_HEADERS_SENT,
                                      ERR_HTTP2_INVALID_INFO_STATUS, ERR_HTTP2_INVALID_SESSION,
                                      ERR_HTTP2_INVALID_STREAM,
                                      ERR_HTTP2_STATUS_101, ERR_HTTP2_STATUS_INVALID)
from ._file_response import respond_with_fd, respond_with_file
from .._internal.http2.headers import _PLAIN_NAMES, RESPONSE_PSEUDO, headers_arg, to_block, utc_date
from ._push import push_allowed, push_stream
from ._stream import Http2Stream

__all__ = ['ServerHttp2Stream']


@twins('setTimeout', 'sendTrailers', 'bufferSize', 'additionalHeaders', 'respondWithFD',
       'respondWithFile', 'pushStream', 'pushAllowed')
class ServerHttp2Stream(Http2Stream):
    """Node's ``ServerHttp2Stream``: a request's stream; ``respond()``,
    ``respondWithFD()``, ``respondWithFile()``, ``additionalHeaders()``,
    ``headersSent``."""

    def respond(self, headers=None, options=None):
        """Sends the response head (``:status`` 200 unless given);
        ``options``: ``endStream`` (no body), ``waitForTrailers``,
        ``sendDate`` (a ``date`` header unless given; True)."""
        if self._readableState.destroyed and self._writableState.destroyed \
                or self._ng_closed and not self._closed_unread:      # destroyed, as read
            raise ERR_HTTP2_INVALID_STREAM()
        if self.headersSent:
            raise ERR_HTTP2_HEADERS_SENT()
        session = self.session
        core = session._core
        if not options and not self._ng_closed and not self._head_request \
                and core is not None and not session.destroyed:
            # The usual answer (a body follows, no options), its head made
            # and submitted in one C call; any other head, or nghttp2's
            # refusal, the way below.
            try:
                sent = h2_respond(core, self.id, headers, _PLAIN_NAMES, RESPONSE_PSEUDO)
            except H2LibraryError:
                sent = None
            if sent is not None:
                self.headersSent = True
                self.sentHeaders = sent
                if not session._flush_scheduled:
                    session._schedule_flush()
                return
        headers = headers_arg(headers)
        status = headers.get(':status')
        if status is None:
            status = 200
        elif type(status) is not int:
            try:
                status = int(status)
            except (TypeError, ValueError):
                raise ERR_HTTP2_STATUS_INVALID(status) from None
        if not 200 <= status <= 599:
            # (Node 20's respond(): a 1xx is invalid here too.)
            raise ERR_HTTP2_STATUS_INVALID(status)
        headers[':status'] = status
        if options:
            send_date = options.get('sendDate', True)
            end_stream = bool(options.get('endStream'))
            wait_for_trailers = bool(options.get('waitForTrailers'))
        else:
            send_date, end_stream, wait_for_trailers = True, False, False
        if send_date and 'date' not in headers:
            headers['date'] = utc_date()
        # 204, 205 and 304 carry no body; nor does HEAD's answer.
        if status in (204, 205, 304) or self._head_request:
            end_stream = True
        # As Node's: a head that ends the stream sends no trailers
        # ('wantTrailers' never comes), whatever waitForTrailers says.
        self._wait_for_trailers = wait_for_trailers and not end_stream
        # (to_block()'s common case, its C call made here: once per response.)
        block = h2_plain_block(headers, _PLAIN_NAMES, RESPONSE_PSEUDO)
        if block is None:
            block = to_block(headers, RESPONSE_PSEUDO)
        self.headersSent = True
        self.sentHeaders = headers
        if not self._ng_closed:
            # (The session's _submit() of the response, inline.)
            if session.destroyed or core is None:
                raise ERR_HTTP2_INVALID_SESSION()
            try:
                core.submit_response(self.id, block, end_stream)
            except H2LibraryError as error:
                raise ERR_HTTP2_ERROR(str(error)) from None
            if not session._flush_scheduled:
                session._schedule_flush()
        if end_stream and not self.writableEnded:
            self.end()

    def respondWithFD(self, fd, headers=None, options=None):
        """Responds with the bytes of the open file ``fd`` (not closed
        here): from ``offset``, ``length`` bytes (to its end by default).
        ``options``: offset, length, statCheck(stat, headers, statOptions)
        (an os.stat_result; returning False cancels the response),
        waitForTrailers, sendDate."""
        respond_with_fd(self, fd, headers, options)

    def respondWithFile(self, path, headers=None, options=None):
        """Responds with the file at ``path`` (opened and closed here), its
        ``content-length`` set: from ``offset``, ``length`` bytes. An open
        or stat error goes to ``onError(err)`` (else destroys the stream);
        a directory is ERR_HTTP2_SEND_FILE. ``options``: offset, length,
        statCheck(stat, headers) (False cancels), onError,
        waitForTrailers, sendDate."""
        respond_with_file(self, path, headers, options)

    @property
    def pushAllowed(self):
        """Whether pushStream() may push: the stream and session open, and
        the client's SETTINGS_ENABLE_PUSH on."""
        return push_allowed(self)

    def pushStream(self, headers, options=None, callback=None):
        """Pushes a response (a PUSH_PROMISE of the request ``headers``,
        ':method' GET, ':path' '/', ':authority' and ':scheme' this
        request's unless given); ``callback(err, pushStream, headers, 0)``
        gives the new stream to respond on. ``options``: ``endStream``.
        ERR_HTTP2_PUSH_DISABLED when the client disabled push or the stream
        closed, ERR_HTTP2_NESTED_PUSH from a pushed stream."""
        push_stream(self, headers, options, callback)

    def additionalHeaders(self, headers):
        """An informational (1xx) head before respond()."""
        if self.closed:
            raise ERR_HTTP2_INVALID_STREAM()
        if self.headersSent:
            raise ERR_HTTP2_HEADERS_AFTER_RESPOND()
        headers = headers_arg(headers)
        status = int(headers.get(':status', 100))
        if status == 101:
            raise ERR_HTTP2_STATUS_101()
        if not 100 <= status < 200:
            raise ERR_HTTP2_INVALID_INFO_STATUS(status)
        headers[':status'] = status
        block = to_block(headers, RESPONSE_PSEUDO)
        self.sentInfoHeaders = (self.sentInfoHeaders or []) + [headers]
        self.session._submit('submit_headers', self.id, block)

    _head_request = False

    # The usual answer's end, in C: nghttp2 closed the stream once its
    # END_STREAM left. Nothing to end (as Http2Stream._final() of a closed
    # stream, which close() cannot be closing) or to close. Any other end
    # is _end_response()'s.
    _final = h2_server_final

    def _end_response(self, callback):
        # As Node's server stream, once its response is out: a request
        # whose body is not being read is closed with NO_ERROR (RFC 9113
        # 8.1), so that a reset the client sends after it is no 'error' of
        # this stream (unhandled, it would end the server), and the client's
        # stream closes though it never ended its request. (EventEmitter's
        # once(): Readable's adds nothing for 'finish'.)
        EventEmitter.once(self, 'finish', self._close_unread_request)
        self._finish_heard = True
        if self._head_request and not self.headersSent:
            # As Node's: a HEAD's stream is ended from the start and
            # finishes then; its respond() sends the head with END_STREAM.
            callback()
            return
        Http2Stream._final(self, callback)

    def sendTrailers(self, headers):
        Http2Stream.sendTrailers(self, headers)
        # As Node's finishSendTrailers(), a turn later: once nghttp2 has
        # the trailers, a request left unread is closed as after 'finish'
        # (before the 'frameError' of trailers it could not send).
        setImmediate(self._close_if_unread, True)

    def _close_unread_request(self):
        self._finish_heard = False
        self._close_if_unread()

    def _close_if_unread(self, now=False):
        # Trailers waited for must have been sent first (the compatibility
        # API always waits for them), and the body never read (Node's
        # didRead and readableFlowing), though some of it may be buffered.
        # As Node's, the close after 'finish' waits a turn (setImmediate):
        # a push made on 'finish' still finds its parent open.
        r = self._readableState     # readableFlowing, readableEnded
        if self.headersSent and (not self._wait_for_trailers or self.sentTrailers is not None) \
                and r.flowing is None and not r.endEmitted and not self._ng_closed:
            if now:
                self.close()
            else:
                setImmediate(self.close)

    def _before_data(self):
        if not self.headersSent and not self.destroyed and not self._ng_closed \
                and self.rstCode is None:
            self.respond()
