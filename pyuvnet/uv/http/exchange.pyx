# ServerExchange: the C half of pyuvnet.http's server connection
# (pyuvnet/_internal/http_server.py's ServerConnection), so that one request and its
# answer run no Python frame of pyuvnet's own (docs/DESIGN.md, "Where
# Python runs"): the parser's owner for whole messages, each request's
# IncomingMessage and ServerResponse (http/incoming.pyx, outgoing.pyx),
# the responses' order, keep-alive, and each exchange's 'finish' and
# 'close'.

cdef class ServerSettings:
    """An http server's settings that its connections read, as C: one
    object the server and all its exchanges share.  Those Node reads off
    the server per request (``timeout``, ``keepAliveTimeout``,
    ``maxRequestsPerSocket``: the server's properties write through to
    them, so a change applies at once) or per connection
    (``maxHeadersCount``), and those only its constructor sets."""

    cdef public object timeout
    """A connection's idle timeout in ms (0: none; server.setTimeout)."""
    cdef public object keep_alive_timeout
    """Milliseconds an idle keep-alive connection stays open."""
    cdef public object max_requests
    """Requests per connection (0: no limit)."""
    cdef public object max_headers_count
    """maxHeadersCount: the headers a request's ``headers`` take (None:
    Node's 1000; 0: no limit)."""
    cdef public size_t max_header_size
    """maxHeaderSize: the bytes a head may take."""
    cdef public bint insecure
    """insecureHTTPParser: llhttp's lenient flags."""
    cdef public bint require_host
    """requireHostHeader: an HTTP/1.1 request without Host gets 400."""
    cdef public bint strict
    """The parsers refuse what h11 refuses and llhttp takes
    (HTTPParser.strict): the ASGI server's, as uvicorn's."""
    cdef public bint join_duplicates
    """joinDuplicateHeaders."""
    cdef public bint reject_body_writes
    """rejectNonStandardBodyWrites: a body written to a HEAD, 204 or 304
    answer raises ERR_HTTP_BODY_NOT_ALLOWED (else it is dropped)."""
    cdef public object incoming_class, response_class
    """The IncomingMessage and ServerResponse options (the classes made):
    pyuvnet.http's unless the options name others."""
    cdef public object unique_headers
    """uniqueHeaders, lower-cased (or None)."""
    cdef readonly list strs
    """The strs the server's parsers decoded last, by position in a head,
    shared so that a new connection's first head reuses its
    predecessors' (HTTPParser.last_strs)."""

    def __cinit__(self):
        self.timeout = self.max_requests = 0
        self.keep_alive_timeout = 5000
        self.max_header_size = 16384
        self.require_host = True
        self.incoming_class = default_incoming_class
        self.response_class = default_response_class
        self.strs = []


cdef class ServerExchange:
    """The C half of one server connection's HTTP state (pyuvnet/
    _internal/http_server.py's ServerConnection): its making, the parser's owner for
    whole messages, each request's IncomingMessage and ServerResponse, the
    responses' order, the exchange's end ('finish', then 'close' on the
    next tick), and the connection's 'end' and 'close'.

    Ownership: the socket holds the exchange through the listeners it puts
    on it, and the exchange holds the socket and its parser, which holds
    it back as its owner.  The connection's 'close' (or an upgrade's
    ``release``) breaks both cycles, so that a closed connection's objects
    are freed as soon as nothing else holds them, not by the cyclic GC."""

    cdef public object server, socket, parser
    cdef bint listening                 # our listeners are on the socket
    cdef public object incoming         # the request whose body is being read
    cdef public object current          # the response whose turn it is
    cdef public list queue              # responses waiting for their turn;
                                        # None until a request is pipelined
    cdef public Py_ssize_t requests
    cdef public bint keep_alive_armed
    cdef public bint closing            # a response said Connection: close
    cdef public Py_ssize_t outgoing_data    # held by answers waiting their turn
    cdef public bint paused             # reading stopped: the answers are not read
    cdef public bint dispatching        # a request's listeners run (not idle)
    cdef bint plain_writes              # socket.write is its own C write (write_after)
    cdef bint c_writes                  # the socket is a StreamWrites (a C stream):
                                        # its write fields are read in C; known at
                                        # once, as a Socket's is a long MRO to walk
    cdef public object upgrading
    cdef bint flushing                  # read_answered sends: 'finish' waits a tick
    cdef bint upgrade_taken             # the parser's answer for the head it
                                        # read last: an upgrade taken
    # The socket's high-water marks (Node's messages read them per message;
    # a socket's do not change): its requests' and responses'.
    cdef Py_ssize_t read_hwm, write_hwm
    cdef object drain_owner             # this read's request whose 'end' waits
                                        # for the read's ticks (drain_before_end)
    cdef public object app_data         # what the app glue above keeps per
                                        # connection (pyuvnet.wsgi's environ part)
    cdef object __weakref__
    cdef Loop loop
    cdef readonly ServerSettings settings
    """The server's (``server._settings``)."""

    def __cinit__(self, *args, **kwargs):
        self.loop = current_loop()

    def __init__(self, server, socket):
        """``server``'s HTTP over the new connection ``socket``: a parser
        is its sole 'data' listener, and the exchange listens for its
        'end', 'close', 'error' and 'timeout'."""
        self.server = server
        self.socket = socket
        # (A net.Socket's write is write_method's C method, not
        # StreamWrites.write itself: own_write_of knows both.)
        self.plain_writes = own_write_of(socket.write) is socket
        self.c_writes = isinstance(socket, StreamWrites)
        self.read_hwm = read_hwm_of(socket)
        self.write_hwm = write_hwm_of(socket)
        cdef ServerSettings settings = <ServerSettings?>server._settings
        self.settings = settings
        self.parser = HTTPParser(self, False, settings.max_header_size,
                                 settings.max_headers_count, settings.insecure,
                                 settings.strs)
        (<HTTPParser>self.parser).strict = settings.strict
        server._http_connections.add(self)
        cdef EventEmitter emitter = <EventEmitter?>socket
        data = (<HTTPParser>self.parser).data_listener(socket)
        for event, listener in self.socket_listeners(data):
            emitter._add(event, listener, False, False)
        self.listening = True
        if settings.timeout:
            socket.setTimeout(settings.timeout)

    # -- the socket's events -------------------------------------------------

    cdef tuple socket_listeners(self, data):
        # Made again for removal rather than kept: bound methods match by
        # equality, and keeping the pairs would be six more GC-tracked
        # objects per connection for the cyclic GC to walk.  ``data`` is
        # the parser's listener: at attach, the very object the stream's
        # sink compares by identity (HTTPParser.data_listener).
        return (('data', data), ('end', self._on_end),
                ('close', self._on_close), ('error', self._on_socket_error),
                ('timeout', self._on_timeout), ('drain', self._on_drain))

    def _on_end(self):
        try:
            (<HTTPParser>self.parser).finish()
        finally:
            self.incoming = None

    def _on_close(self, had_error=False):
        """The connection closed: no more parsing, the cycles broken (see
        the class), and what was under way aborted (``_abort``)."""
        self.server._http_connections.discard(self)
        (<HTTPParser>self.parser).stop()
        # Our listeners stay on the closed socket, as Node's do; we let go
        # of the socket instead.  The requests and responses keep theirs.
        self.socket = None
        self.listening = False
        self.drain_owner = None
        if self.current is not None or self.queue or self.incoming is not None:
            self._abort()

    def _on_drain(self):
        """The socket's 'drain': reading again if it stopped for the
        answers (unless a request's unread body holds it), and the
        current answer's own 'drain' (Node's socketOnDrain)."""
        if self.paused and self.outgoing_data <= self.write_hwm:
            self.paused = False
            req = self.incoming
            if self.socket is not None and (req is None or not (<IncomingCore>req).read_stopped):
                self.socket.resume()
        if self.current is not None:
            (<OutgoingCore>self.current).socket_drained()

    cdef int answers_unread(self) except -1:
        """After a request went to its listeners: the connection stops
        reading while its answers wait unsent (the socket needs its 'drain',
        or the answers waiting their turn hold a high-water mark's worth),
        so that a client that pipelines and never reads cannot make the
        server hold every answer (Node's parserOnIncoming)."""
        socket = self.socket
        if self.paused or socket is None:
            return 0
        if self.c_writes:
            full = (<StreamWrites>socket).need_drain
        else:
            full = socket.writableNeedDrain
        if full or self.outgoing_data >= self.write_hwm:
            self.paused = True
            socket.pause()
        return 0

    def release(self):
        """No more parsing, and none of our listeners on the socket (an
        upgrade hands the socket over); the cycles are broken as at
        'close'."""
        (<HTTPParser>self.parser).stop()
        if self.listening:
            self.listening = False
            for event, listener in self.socket_listeners((<HTTPParser>self.parser).feed):
                self.socket.removeListener(event, listener)

    # -- the parser's callbacks ----------------------------------------------

    def _on_message(self, tuple head, body, trailers):
        self.on_message(head, body, trailers)

    cdef int on_message(self, tuple head, body, trailers) except -1:
        """A whole message in one read (the parser calls this as C)."""
        cdef IncomingCore req = self.request(head)
        if body is not None:
            req.body_with_head = True
            req.push_parsed(body)
        req.push_end(trailers)
        self.dispatch(req, head)
        if body is not None and not unheard(req):
            self.drain_before_end(req)
        return self.answers_unread()

    def _on_head(self, tuple head):
        self.on_head(head)

    cdef int on_head(self, tuple head) except -1:
        """A head whose body goes on in later reads (called as C too)."""
        req = self.request(head)
        self.incoming = req
        self.dispatch(req, head)
        return self.answers_unread()

    def _on_body(self, chunk):
        self.on_body(chunk)

    cdef int on_body(self, body) except -1:
        """One read's body bytes (called as C too)."""
        if self.incoming is not None:
            self.push_body(<IncomingCore>self.incoming, body)
        return 0

    cdef int push_body(self, IncomingCore req, body) except -1:
        """``body`` (bytes, or a list of a chunked body's spans) into
        ``req``, a span at a time.  Node's server parser calls each span's
        'data' as a callback of its own, whose ticks and microtasks run
        before the next span's: several spans for a flowing request
        someone listens to go to its tick, which runs them so
        (IncomingCore.on_tick; not here, inside the parse)."""
        if (type(body) is list and not unheard(req) and req._flowing is True
                and req._readableState is None):
            req.push_spans(<list>body)
            self.drain_before_end(req)
        else:
            req.push_parsed(body)
        return 0

    def _on_message_end(self, body, trailers):
        self.on_message_end(body, trailers)

    cdef int on_message_end(self, body, trailers) except -1:
        """The last of the body, and the end (called as C too)."""
        req, self.incoming = self.incoming, None
        if req is not None:
            if body is not None:
                self.push_body(<IncomingCore>req, body)
                if not unheard(<IncomingCore>req):
                    # Node ends it once that body's ticks and microtasks ran.
                    self.drain_before_end(<IncomingCore>req)
            (<IncomingCore>req).push_end(trailers)
        return 0

    cdef int drain_before_end(self, IncomingCore req) except -1:
        """``req``'s body and end go to its listeners with the ticks and
        microtasks of each span run in between (IncomingCore.
        read_drain_begins), as Node's parser runs them before it parses
        on; unless another message follows in the read: Node's would have
        ended before that one began, and ours keeps the order of the read's
        requests instead (``request`` cancels it)."""
        req.read_drain_begins()
        self.drain_owner = req
        return 0

    cdef int read_answered(self) except -1:
        """One read's requests went to their listeners: what they answered
        leaves now (StreamWrites.flush_early), and with it their messages;
        so does a connection's last answer, with our FIN right behind it.
        Their 'finish' comes on a tick (OutgoingCore.on_sent), as Node's
        after a write done in end(): after the ticks the requests' listeners
        queued, and before the 'end' of a request they read at once."""
        if self.drain_owner is not None:
            self.drain_owner = None
        if self.c_writes and self.socket is not None:
            # (Left set if the flush raises: 'finish' then comes on a tick.)
            self.flushing = True
            (<StreamWrites>self.socket).flush_early(self.closing)
            self.flushing = False
            self.loop.flusher.flush_crowded_turn()
        return 0

    # -- requests and responses ----------------------------------------------

    cdef IncomingCore request(self, tuple head):
        # With no server timeout (the default), the keep-alive timeout stays
        # armed while requests come: it measures idleness, and _on_timeout
        # spares a busy connection.  Otherwise Node's switch, per request.
        if self.keep_alive_armed and self.settings.timeout:
            self.keep_alive_armed = False
            self.socket.setTimeout(self.settings.timeout)
        if self.drain_owner is not None:
            (<IncomingCore>self.drain_owner).in_read_drain = False
            self.drain_owner = None
        cdef IncomingCore req
        cls = self.settings.incoming_class
        if cls is default_incoming_class:
            # Its own tp_new, called as C: no __init__ to look up and call.
            req = <IncomingCore>(<PyTypeObject*>cls).tp_new(cls, <PyObject*>EMPTY_TUPLE, NULL)
            req.socket = self.socket
            req._high_water_mark = self.read_hwm
        else:
            req = <IncomingCore?>cls(self.socket)
        req.exchange = self
        if self.settings.join_duplicates:
            req._join_duplicates = True
        req.set_head(head)
        req._headers_count = (<HTTPParser>self.parser).headers_count
        self.requests += 1
        return req

    def max_requests_note(self):
        """What the response's Keep-Alive head says of maxRequestsPerSocket:
        None (no limit), 'close' (this was the last request), or the limit."""
        limit = self.settings.max_requests
        if not limit:
            return None
        return 'close' if self.requests >= limit else limit

    cdef int dispatch(self, IncomingCore req, tuple head) except -1:
        self.dispatching = True
        try:
            return self.dispatch_request(req, head)
        finally:
            self.dispatching = False

    cdef int dispatch_request(self, IncomingCore req, tuple head) except -1:
        server = self.server
        if head[6] and self.upgrade_taken:
            self._take_upgrade(req)
            return 0
        limit = self.settings.max_requests
        cls = self.settings.response_class
        cdef ResponseCore res
        if cls is default_response_class:
            res = <ResponseCore>(<PyTypeObject*>cls).tp_new(cls, <PyObject*>EMPTY_TUPLE, NULL)
            res.init(req, self, limit)
        else:
            res = <ResponseCore?>cls(req, self)
        if self.settings.reject_body_writes:
            res._reject_body = True
        if self.current is None:
            self.current = res
            res.socket = self.socket
        elif self.queue is None:
            # Made when first needed: a list is one more GC-tracked object
            # per connection, and most clients never pipeline.
            self.queue = [res]
        else:
            self.queue.append(res)
        if limit and self.requests > limit:
            # Node: past maxRequestsPerSocket, 503 and the connection closes.
            server.emit('dropRequest', req, self.socket)
            res.writeHead(503)
            res.end()
            return 0
        cdef int flags = head[7]
        if self.settings.require_host and req._minor == 1 and not flags & NAME_HOST:
            res.writeHead(400, ['Connection', 'close'])
            res.end()
            return 0
        # Node looks at Expect in HTTP/1.1 requests only.
        expect = (req.headers.get('expect')
                  if flags & NAME_EXPECT and req._minor == 1 and req._major == 1 else None)
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
        elif kit('expects_continue')(expect):
            res._expect_continue = True
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
        # Its request, if its 'end' is still to come, closes after the
        # response's 'close' (res.on_tick): Node's request closes some
        # ticks after its 'end', when the response's 'close' has come.
        # A request that ends before (its body read first) closes at once.
        # One read at once ends after the response's 'finish' (on_tick).
        cdef IncomingCore req = <IncomingCore?>res.req
        req._close_after_end = False
        req.answer_unsent = True
        if res is not self.current:
            return 0        # its turn comes when the ones before it end
        socket = self.socket
        while True:
            if res._last:
                # Node: the connection ends after this answer; the requests
                # read after it get none.  Node's resOnFinish destroys the
                # socket once its FIN has left (destroySoon), without
                # waiting for the peer's: a client that never closes holds
                # no fd, and the server saves a poll per connection.
                self.closing = True
                self.queue = None
                self.current = None
                destroy_soon = getattr(socket, 'destroySoon', None)
                if destroy_soon is None:
                    socket.end()        # a Duplex of the user's: Node ends it
                else:
                    destroy_soon()
                return 0
            if not self.queue:
                self.current = None
                timeout = self.settings.keep_alive_timeout
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
        req.answer_unsent = False
        if not req._consumed:
            req.dump()
        # A request read at once ends after this 'finish', as in Node; one
        # whose body came with its head after the response's 'close' too
        # (Node completes such a message in a later callback of the read).
        if req.end_waits and not req.body_with_head:
            req.queue_end()
        self.loop.call_soon_tick(res)
        if req.end_waits:
            req.queue_end()
