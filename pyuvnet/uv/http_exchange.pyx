# ServerExchange: the C half of pyuvnet.http's server connection
# (pyuvnet/http/_server.py's ServerConnection), so that one request and its
# answer run no Python frame of pyuvnet's own (docs/DESIGN.md, "Where
# Python runs"): the parser's owner for whole messages, each request's
# IncomingMessage and ServerResponse (http_messages.pyx), the responses'
# order, keep-alive, and each exchange's 'finish' and 'close'.

cdef class ServerLimits:
    """The http server's settings that its connections read per request
    (Node reads them off the server each time, so a change applies at
    once): one object the server and all its exchanges share, read as C.
    The server's ``timeout``, ``keepAliveTimeout`` and
    ``maxRequestsPerSocket`` are properties over it."""

    cdef public object timeout
    """A connection's idle timeout in ms (0: none; server.setTimeout)."""
    cdef public object keep_alive_timeout
    """Milliseconds an idle keep-alive connection stays open."""
    cdef public object max_requests
    """Requests per connection (0: no limit)."""

    def __cinit__(self):
        self.timeout = self.max_requests = 0
        self.keep_alive_timeout = 5000


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
    cdef ServerLimits limits
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
        self.limits = server._limits
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
        # With no server timeout (the default), the keep-alive timeout stays
        # armed while requests come: it measures idleness, and _on_timeout
        # spares a busy connection.  Otherwise Node's switch, per request.
        if self.keep_alive_armed and self.limits.timeout:
            self.keep_alive_armed = False
            self.socket.setTimeout(self.limits.timeout)
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
        limit = self.limits.max_requests
        if not limit:
            return None
        return 'close' if self.requests >= limit else limit

    cdef int dispatch(self, IncomingCore req, tuple head) except -1:
        server = self.server
        if head[6] and self._upgrade_wanted(req):
            return 0
        limit = self.limits.max_requests
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
            # The exchange holds both until their 'close', so no cycle of
            # theirs can be garbage before then, and the cyclic GC need not
            # walk their many fields meanwhile: pipelined requests (all of
            # a turn's wait for the turn's write) made it walk each exchange
            # about twice, a sixth of a request's cost.  'close' gives them
            # back to the GC (MessageCore.emit_close).
            PyObject_GC_UnTrack(req)
            PyObject_GC_UnTrack(res)
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

    cdef int response_ended(self, OutgoingCore res) except -1:
        """``res`` called end(): when it is the current response, its bytes
        are queued on the socket, so the next one may write after them at
        once (and, if it already ended too, the one after it)."""
        if res is not self.current:
            return 0        # its turn comes when the ones before it end
        socket = self.socket
        while True:
            if res._last:
                # Node: the connection ends after this answer; the requests
                # read after it get none.
                self.closing = True
                self.queue.clear()
                self.current = None
                socket.end()
                return 0
            if not self.queue:
                self.current = None
                timeout = self.limits.keep_alive_timeout
                if (timeout and not self.keep_alive_armed
                        and not (<HTTPParser?>self.parser).in_message):
                    self.keep_alive_armed = True
                    socket.setTimeout(self.server._keep_alive_socket_timeout())
                return 0
            res = <OutgoingCore?>self.queue.pop(0)
            self.current = res
            res.assignSocket(socket)
            if not res._finished:
                return 0

    cdef int response_finished(self, OutgoingCore res) except -1:
        """'finish' of ``res``: its request's unread body is dropped, and
        its 'close' follows on the next tick (Node's resOnFinish; the tick
        is ``res.on_tick``)."""
        cdef IncomingCore req = <IncomingCore?>res.req
        if not req._consumed:
            req.dump()
        self.loop.call_soon_tick(res)
