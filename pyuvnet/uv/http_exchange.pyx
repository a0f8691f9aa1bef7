# ServerExchange: the C half of pyuvnet.http's server connection
# (pyuvnet/http/_server.py's ServerConnection), so that one request and its
# answer run no Python frame of pyuvnet's own (docs/DESIGN.md, "Where
# Python runs"): the parser's owner for whole messages, each request's
# IncomingMessage and ServerResponse (http_messages.pyx), the responses'
# order, keep-alive, and each exchange's 'finish' and 'close'.

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
                    socket.setTimeout(self.server._keep_alive_socket_timeout())
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
