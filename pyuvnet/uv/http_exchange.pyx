# The C halves of what pyuvnet.http's server makes per request, so that
# one request and its answer run no Python frame of pyuvnet's own
# (docs/DESIGN.md, "Where Python runs"):
#
#   IncomingCore      IncomingMessage's state and its body's push/end/close
#   ServerExchange    the server's per-connection object (the parser's
#                     owner): requests in, responses in order, keep-alive,
#                     each exchange's 'close'
#
# (OutgoingCore and ResponseCore, the response's half, are in
# http_outgoing.pyx.)  The Python classes (pyuvnet/http/_incoming.py,
# _server.py) derive from these and hold the rest of Node's API.

cdef class IncomingCore(EventEmitter):
    """IncomingMessage's state and the body's arrival (Node's Readable
    push, end and close), for the parser's owners to call from C."""

    cdef public object socket
    cdef public object method           # a request's method (server side)
    cdef public object url              # a request's target (server side)
    cdef public object _status, _reason   # a response's (client side)
    cdef public int _major, _minor
    cdef public object _raw, _raw_trailers
    cdef public list _buffer
    cdef public object _headers, _trailers
    cdef public object _flowing         # None: not decided; False: paused
    cdef public object _decoder
    cdef public bint complete, aborted, upgrade
    cdef public bint _ended             # the body's end arrived
    cdef public bint _end_emitted, _closed
    cdef public bint _consumed          # someone read (or dumped) the body
    cdef public bint _keep_alive        # llhttp's should_keep_alive for this message
    cdef public bint _join_duplicates   # the server's or request's joinDuplicateHeaders
    # A response (client side) closes after its 'end'; a request closes
    # after its response's 'close' (the server clears this, Node's order).
    cdef public bint _close_after_end

    def __cinit__(self, *args, **kwargs):
        self.url = ''
        self._major = self._minor = 1
        self._raw = []
        self._raw_trailers = EMPTY_TUPLE
        self._buffer = []
        self._close_after_end = True

    def __init__(self, socket=None):
        self.socket = socket

    cdef void _listeners_changed(self, object event):
        # Node's Readable.on: a 'data' listener starts the flow, unless
        # pause() was called first.
        if (self._flowing is None and isinstance(event, str) and event == 'data'
                and self._handler(event) is not None):
            self.resume()

    def _set_head(self, tuple head):
        """The parser's head: (method or status, url or reason, major,
        minor, raw headers, keep-alive, upgrade, name flags)."""
        self.set_head(head)

    cdef int set_head(self, tuple head) except -1:
        first = head[0]
        if type(first) is int:
            self._status = first
            self._reason = head[1]
        else:
            self.method = first
            self.url = head[1]
        self._major = head[2]
        self._minor = head[3]
        self._raw = head[4]
        self._keep_alive = head[5]
        return 0

    def _push(self, chunk):
        """Body bytes from the parser (one call per read)."""
        self.push(chunk)

    cdef int push(self, chunk) except -1:
        if self._flowing is True and not self._buffer:
            if self._decoder is not None:
                chunk = self._decoder(chunk)
                if not chunk:
                    return 0
            self._emit('data', (chunk,))
        else:
            self._buffer.append(chunk)
        return 0

    def _push_end(self, raw_trailers=None):
        """The message is complete."""
        self.push_end(raw_trailers)

    cdef int push_end(self, raw_trailers) except -1:
        if raw_trailers:
            self._raw_trailers = raw_trailers
            self._trailers = None
        self._ended = True
        if self._flowing is True and not self._buffer:
            current_loop().next_tick(self._emit_end)
        return 0

    def _emit_end(self):
        if self._end_emitted or self._closed:
            return
        self._end_emitted = True
        self.complete = True
        self._emit('end', EMPTY_TUPLE)
        if self._close_after_end:
            self.emit_close()

    def _emit_close(self):
        self.emit_close()

    cdef int emit_close(self) except -1:
        if not self._closed:
            self._closed = True
            self._emit('close', EMPTY_TUPLE)
        return 0

    def _dump(self):
        """Read and drop the body nobody read, so that the connection can
        go on to its next message (Node's _dump)."""
        self.dump()

    cdef int dump(self) except -1:
        if not self._consumed and self._ended and not self._buffer and \
                self._handler('end') is None:
            # A whole message nobody listens to: done, without the ticks.
            self._consumed = self._end_emitted = self.complete = True
            self._flowing = True
            return 0
        if not self._consumed:
            self._consumed = True
            self._buffer = []
            self.removeAllListeners('data')
            self.resume()
        return 0


cdef class ServerExchange:
    """The C half of one server connection's HTTP state (pyuvnet/http/
    _server.py's ServerConnection): the parser's owner for whole messages,
    each request's IncomingMessage and ServerResponse, the responses'
    order, and the exchange's end ('finish', then 'close' on the next tick)."""

    cdef public object server, socket, parser, listeners
    cdef public object incoming         # the request whose body is being read
    cdef public object current          # the response whose turn it is
    cdef public list queue              # responses waiting for their turn
    cdef public Py_ssize_t requests
    cdef public bint keep_alive_armed
    cdef public bint closing            # a response said Connection: close
    cdef public object upgrading
    cdef object __weakref__
    cdef Loop loop
    # The server's options that only its constructor sets, read once.
    cdef object incoming_class, response_class, unique_headers
    cdef bint require_host, join_duplicates

    def __cinit__(self, *args, **kwargs):
        self.queue = []
        self.loop = current_loop()

    def _read_options(self):
        """Read the server's constructor-only options (the classes,
        requireHostHeader, joinDuplicateHeaders, uniqueHeaders): once per
        connection, not per request."""
        server = self.server
        self.incoming_class = server._incoming_class
        self.response_class = server._response_class
        self.unique_headers = server._unique_headers
        self.require_host = server._require_host
        self.join_duplicates = server._join_duplicates

    # -- the parser's callbacks ----------------------------------------------

    def _on_message(self, tuple head, body, trailers):
        self.on_message(head, body, trailers)

    cdef int on_message(self, tuple head, body, trailers) except -1:
        """A whole message in one read (the parser calls this as C)."""
        cdef IncomingCore req = self.request(head)
        if body is not None:
            req.push(body)
        req.push_end(trailers)
        self.dispatch(req, head)
        return 0

    def _on_head(self, tuple head):
        req = self.request(head)
        self.incoming = req
        self.dispatch(req, head)

    def _on_body(self, chunk):
        if self.incoming is not None:
            (<IncomingCore>self.incoming).push(chunk)

    def _on_message_end(self, body, trailers):
        req, self.incoming = self.incoming, None
        if req is not None:
            if body is not None:
                (<IncomingCore>req).push(body)
            (<IncomingCore>req).push_end(trailers)

    # -- requests and responses ----------------------------------------------

    cdef IncomingCore request(self, tuple head):
        server = self.server
        # With no server timeout (the default), the keep-alive timeout stays
        # armed while requests come: it measures idleness, and _on_timeout
        # spares a busy connection.  Otherwise Node's switch, per request.
        if self.keep_alive_armed and server._timeout:
            self.keep_alive_armed = False
            self.socket.setTimeout(server._timeout)
        cdef IncomingCore req
        cls = self.incoming_class
        if cls is default_incoming_class:
            # Its own tp_new, called as C: no __init__ to look up and call.
            req = <IncomingCore>(<PyTypeObject*>cls).tp_new(cls, <PyObject*>EMPTY_TUPLE, NULL)
            req.socket = self.socket
        else:
            req = <IncomingCore?>cls(self.socket)
        req._close_after_end = False
        if self.join_duplicates:
            req._join_duplicates = True
        req.set_head(head)
        self.requests += 1
        return req

    def max_requests_note(self):
        """What the response's Keep-Alive head says of maxRequestsPerSocket:
        None (no limit), 'close' (this was the last request), or the limit."""
        limit = self.server._max_requests
        if not limit:
            return None
        return 'close' if self.requests >= limit else limit

    cdef int dispatch(self, IncomingCore req, tuple head) except -1:
        server = self.server
        if head[6] and self._upgrade_wanted(req):
            return 0
        limit = server._max_requests
        cls = self.response_class
        cdef ResponseCore res
        if cls is default_response_class:
            res = <ResponseCore>(<PyTypeObject*>cls).tp_new(cls, <PyObject*>EMPTY_TUPLE, NULL)
            res.init(req, self, limit)
        else:
            res = <ResponseCore?>cls(req, self)
        if self.current is None:
            self.current = res
            res.socket = self.socket
        else:
            self.queue.append(res)
        if limit and self.requests > limit:
            # Node: past maxRequestsPerSocket, 503 and the connection closes.
            server.emit('dropRequest', req, self.socket)
            res.writeHead(503)
            res.end()
            return 0
        cdef int flags = head[7]
        if self.require_host and req._minor == 1 and not flags & NAME_HOST:
            res.writeHead(400, ['Connection', 'close'])
            res.end()
            return 0
        expect = req.headers.get('expect') if flags & NAME_EXPECT else None
        if expect is None:
            (<EventEmitter?>server)._emit('request', (req, res))
        elif expect.lower() == '100-continue' and req._minor == 1:
            if server.listenerCount('checkContinue'):
                server.emit('checkContinue', req, res)
            else:
                res.writeContinue()
                server.emit('request', req, res)
        elif server.listenerCount('checkExpectation'):
            server.emit('checkExpectation', req, res)
        else:
            res.writeHead(417)
            res.end()
        return 0

    def response_ended(self, res):
        """``res`` called end(): when it is the current response, its bytes
        are queued on the socket, so the next one may write after them at
        once (and, if it already ended too, the one after it)."""
        if res is not self.current:
            return          # its turn comes when the ones before it end
        socket = self.socket
        while True:
            if (<OutgoingCore?>res)._last:
                # Node: the connection ends after this answer; the requests
                # read after it get none.
                self.closing = True
                self.queue.clear()
                self.current = None
                socket.end()
                return
            if not self.queue:
                self.current = None
                if (self.server._keep_alive_timeout and not self.keep_alive_armed
                        and not (<HTTPParser?>self.parser).in_message):
                    self.keep_alive_armed = True
                    socket.setTimeout(self.server._keep_alive_timeout)
                return
            res = self.queue.pop(0)
            self.current = res
            res.assignSocket(socket)
            if not (<OutgoingCore?>res)._finished:
                return

    def response_finished(self, res):
        """'finish' of ``res``: its request's unread body is dropped, and
        its 'close' follows on the next tick (Node's resOnFinish)."""
        cdef IncomingCore req = <IncomingCore?>(<OutgoingCore?>res).req
        if not req._consumed:
            req.dump()
        self.loop.call_soon(close_exchange, (res,))


def close_exchange(OutgoingCore res):
    """'close' of the response, then of its request (Node's order; a
    request whose 'end' is still to come closes after it)."""
    res.emit_close()
    cdef IncomingCore req = <IncomingCore?>res.req
    if req._end_emitted:
        req.emit_close()
    else:
        req._close_after_end = True
