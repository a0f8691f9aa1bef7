# WSGI over HTTP/2 in C: each request stream of a WSGI server's session is
# made straight from the session's nghttp2 callbacks (uv/http2/
# request_sink.pxd's seam), its environ by the one builder of every
# protocol (environ.pyx's request_environ), and its app run by the one
# WsgiCall of every protocol (call.pyx) on a worker thread, whose response
# this stream writes: the head, the DATA, the 500 or the reset.
#
#   WsgiH2Sink      the server's side: serve(session) makes its requests'
#   WsgiH2Requests  one session's: each request's stream, environ and call
#   WsgiH2Stream    one request stream: its body into wsgi.input, and the
#                   response's writer (the stream side is uv/http2/
#                   request_stream.pyx's H2RequestStream)
#
# The app runs on the server's worker threads (one at least, whatever
# ``threads`` says: the loop's thread never waits for a body or a client).
# Ownership: the session's ``_streams`` holds a stream while nghttp2 holds
# its id; the stream holds its call until it closed, the call its stream
# until the call is let go (the worker thread's run ends).

cdef tuple WSGI_H2_ERROR_PAIRS = (('content-type', 'text/plain; charset=utf-8'),)


@cython.final
cdef class WsgiH2Sink:
    """A WSGI server's HTTP/2 request sink (pyuvnet/wsgi/_server.py hands
    it to serve_http2())."""

    cdef object server

    def __init__(self, server):
        self.server = server

    def serve(self, session):
        """``session``'s core hands its requests to this sink."""
        cdef WsgiH2Requests requests = WsgiH2Requests.__new__(WsgiH2Requests)
        requests.server = self.server
        # The connection's part of each environ, made once; every stream is
        # on a thread of its own.
        requests.base = wsgi_kit['connection_environ'](self.server, session._socket)
        requests.base['wsgi.multithread'] = True
        requests.attach(session)


@cython.final
cdef class WsgiH2Requests(H2SessionRequests):
    """One session's side of the sink."""

    cdef object server
    cdef dict base              # the connection's part of the environ

    cdef int on_request(self, int32_t stream_id, list fields, bint ended) except -1:
        # The pseudo-headers (first in a block, RFC 9113 8.3) are the
        # method and target, ``:authority`` HTTP_HOST when no ``host`` came.
        cdef Py_ssize_t i = 0, n = len(fields)
        method, target, authority = 'GET', '/', None
        while i + 1 < n and (<str>fields[i]).startswith(':'):
            name = fields[i]
            if name == ':method':
                method = fields[i + 1]
            elif name == ':path':
                target = fields[i + 1]
            elif name == ':authority':
                authority = fields[i + 1]
            i += 2
        server = self.server
        cdef WsgiH2Stream stream = WsgiH2Stream.__new__(WsgiH2Stream)
        stream.requests = self
        stream.id = stream_id
        stream.target = target
        stream.head_request = method == 'HEAD'
        # Paused until the app reads: a window not given back holds the
        # client to what it may send unasked.
        stream.paused = True
        if ended:
            body = WSGI_EMPTY_INPUT
        else:
            body = stream.input = wsgi_kit['StreamInput'](stream, server._call_soon, True)
        cdef dict environ = request_environ(self.base, method, target, 'HTTP/2',
                                           tuple(fields[i:]), body, server._trust)
        if authority is not None:
            environ.setdefault('HTTP_HOST', authority)
        if server._access_logger is not None:
            stream.environ = environ
        cdef WsgiCall call = WsgiCall.__new__(WsgiCall)
        call.init_h2(server, stream)
        call.input = stream.input
        stream.call = call
        self.streams[stream_id] = stream
        server._submit(call.run, server.app, environ)
        return 0


@cython.final
cdef class WsgiH2Stream(H2RequestStream):
    """One request stream: what comes in goes to wsgi.input; its WsgiCall
    writes the response through it (on the loop's thread)."""

    cdef WsgiCall call          # until the stream closed
    cdef object input           # wsgi.input when streamed (a StreamInput), else None
    cdef bint paused            # the app has not asked for more: no window given back
    cdef bint head_request
    cdef bint drain_wanted      # the call waits for the queue to go below the mark
    cdef readonly str target    # the request's :path
    cdef dict environ           # for the access line, until the head went

    # -- the request's body (H2RequestStream's hooks) ---------------------------

    cdef int on_data(self, bytes data) except -1:
        if self.paused or self.input is None:
            self.unconsumed += len(data)
        else:
            self.requests.core.give_back(self.id, len(data))
        if self.input is not None:
            self.input.push(data)
        return 0

    cdef int on_end(self) except -1:
        if self.input is not None:
            self.input.end()
        return 0

    cdef int on_gone(self) except -1:
        # The call let go: with a link both ways a request's objects would
        # wait for the gc (issue 60).
        call, self.call = self.call, None
        if self.input is not None:
            self.input.abort()
        if call is not None:
            call.lost()
        return 0

    def pause(self):
        """wsgi.input holds 64 KiB unread: the window stays shut."""
        self.paused = True

    def resume(self):
        """wsgi.input wants more: the window opens by what it holds."""
        self.paused = False
        if self.unconsumed and not self.destroyed:
            self.consume()
            self.requests.session._schedule_flush()

    # -- the response (WsgiCall's writer, on the loop's thread) ---------------------

    cdef bint write(self, WsgiCall call, data, bint end) except -1:
        """The head (the first time) and ``data`` queued; False when the
        call must wait for the queue to be framed (need_drain())."""
        if self.destroyed or self.invalid_session():
            return True
        if not call.head_made:
            call.head_made = True
            if not 200 <= call.code <= 599:
                # (Node's respond() refuses it: the app's error.)
                return self.fail_head()
            self.head(call.code, call.pairs)
        self.queue_body(data, not end, None if end else self._framed, False)
        return end or not self.need_drain()

    cdef int head(self, int code, tuple pairs) except -1:
        server = (<WsgiH2Requests>self.requests).server
        if self.environ is not None:
            wsgi_kit['h2_log_access'](self.environ, code)
            self.environ = None
        block = wsgi_kit['h2_response_block'](code, pairs, server._default_pairs,
                                               server._send_date)
        try:
            self.submit_head(block, code == 204 or code == 205 or code == 304
                             or self.head_request)
        except H2LibraryError:
            self.close(H2_INTERNAL_ERROR)
        return 0

    cdef bint fail_head(self) except -1:
        self.head(500, WSGI_H2_ERROR_PAIRS)
        self.queue_body(b'Internal Server Error', False, None, False)
        return True

    cdef int fail(self, WsgiCall call) except -1:
        """The app failed: a 500 before its head went out, after it the
        stream reset once what it sent has left (a response done stays)."""
        if self.destroyed or self.invalid_session():
            return 0
        if not call.head_made:
            call.head_made = True
            self.fail_head()
        elif self.out_open:
            self.close(H2_INTERNAL_ERROR)
        return 0

    cdef bint need_drain(self):
        return self.out_open and self.requests.core.queued_on(self.id) >= H2_WRITE_HIGH_WATER

    def _framed(self, *_):
        # A chunk left: the call's thread goes on once the queue is below the mark.
        if self.drain_wanted and not self.need_drain():
            self.drain_wanted = False
            if self.call is not None:
                self.call.unblock()
