# The C bases of an HTTP message and of pyuvnet.http's IncomingMessage
# (pyuvnet/http/_incoming.py), for the server to make and drive per
# request without a Python frame of pyuvnet's own:
#
#   MessageCore    what both sides share: the socket, 'close' once
#   IncomingCore   IncomingMessage's state and its body's push/end/close,
#                  pause/resume and the drain after resume (a C tick)
#   BodyWatch      what C glue above (ASGI's HTTPCycle) is told as a paused
#                  request's body arrives, instead of listening to it
#
# The outgoing side is http/outgoing.pyx.


cdef class MessageCore(EventEmitter):
    """An HTTP message's socket and its 'close', emitted once."""

    cdef public object socket
    """The message's connection (a Socket or TLSSocket), or None."""
    cdef public bint _closed
    # Its listeners stay past 'close' until _let_listeners_go(): a
    # ClientRequest aborted with its 'abort' still to come (Node's comes
    # after 'close' when the request had no socket yet).
    cdef public bint _keep_listeners

    def _emit_close(self):
        self.emit_close()

    def _let_listeners_go(self):
        """The listeners kept past 'close' (``_keep_listeners``) go."""
        self._keep_listeners = False
        if self._closed:
            self._drop_listeners()

    cdef int emit_close(self) except -1:
        if not PyObject_GC_IsTracked(self):
            # The server untracked it for its exchange (ServerExchange.
            # dispatch); past 'close' it may be in a cycle of the user's.
            PyObject_GC_Track(self)
        if not self._closed:
            self._closed = True
            if unheard(self):
                return 0        # most messages: no 'close' to emit, nothing to let go
            try:
                self._emit('close', EMPTY_TUPLE)
            finally:
                # 'close' is a message's last event.  Node code registers
                # closures that reach the other message of the exchange
                # (req.on('end', () => res.end(...)), and res.req leads
                # back): a reference cycle per request, which only the
                # cyclic GC would free (a tenth of a 500-connection upload
                # server's CPU).  Let go of them here instead.
                if not self._keep_listeners:
                    self._drop_listeners()
        return 0


cdef class BodyWatch:
    """Told, as C, when body bytes or the body's end reach a request that
    is not flowing: the glue then takes what waits (``take_body``) as its
    app asks, so the body is kept once, in the request's own buffer, read
    ahead no further than the high-water mark (plus the read under way)."""

    cdef int body_came(self) except -1:
        return 0


cdef Py_ssize_t read_hwm_of(object socket) except -1:
    """``socket``'s readableHighWaterMark (read in C from a libuv stream)."""
    if isinstance(socket, StreamReadable) and (<StreamReadable>socket).flowing != NODE_READS:
        return (<StreamReadable>socket).read_hwm
    return socket.readableHighWaterMark


cdef Py_ssize_t write_hwm_of(object socket) except -1:
    """``socket``'s writableHighWaterMark (read in C from a libuv stream)."""
    if isinstance(socket, StreamWrites):
        return (<StreamWrites>socket).write_hwm
    return socket.writableHighWaterMark


cdef inline int body_ended(IncomingCore message, object raw_trailers) except -1:
    """The message's body is all in, with its trailers, if any."""
    if raw_trailers:
        message._raw_trailers = raw_trailers
        message._trailers = None
    message._ended = True
    return 0


cdef class IncomingCore(MessageCore):
    """IncomingMessage's state and the body's arrival (Node's Readable
    push, end and close), for the parser's owners to call from C."""

    cdef public object method
    """The request's method (server side), e.g. 'GET'; None in a response."""
    cdef public object url
    """The request target as sent (server side), e.g. '/a?b=1'."""
    cdef public object _status, _reason   # a response's (client side)
    cdef public int _major, _minor
    cdef public object _raw, _raw_trailers
    cdef public list _buffer            # None until a chunk waits unread
    cdef Py_ssize_t buffered            # body bytes in _buffer
    # Node's IncomingMessage takes its socket's readableHighWaterMark when
    # made (stream.getDefaultHighWaterMark() without a socket): the unread
    # body the connection reads ahead before it stops.
    cdef public Py_ssize_t _high_water_mark
    cdef bint read_stopped              # we paused the socket (Node's readStop)
    cdef object exchange                # a request's ServerExchange, or None
    cdef BodyWatch watch                # told of the body while not flowing, or None
    cdef public object _headers, _trailers
    cdef public object _flowing         # None: not decided; False: paused
    cdef public object _decoder
    cdef public bint complete
    """True once the whole message was received and 'end' emitted."""
    cdef public bint aborted
    """True when the connection closed before the message was complete."""
    cdef public bint upgrade
    """True for an upgrade (or CONNECT) request someone listens for."""
    cdef public bint _ended             # the body's end arrived
    cdef public bint _end_emitted
    cdef bint end_due                   # push_end queued the tick that emits 'end'
    cdef bint resume_due                # resume() queued the tick that emits 'resume'
    cdef bint answer_unsent             # its response ended, and has not finished
    cdef bint end_waits                 # 'end' waits for that 'finish'
    cdef bint body_with_head            # its body came in the read of its head
    cdef bint in_read_drain             # the ticks after that read have not all run
    cdef bint delivering                # on_tick emits that body, draining between
    cdef public bint _consumed          # someone read (or dumped) the body
    cdef public bint _keep_alive        # llhttp's should_keep_alive for this message
    cdef public bint _join_duplicates   # the server's or request's joinDuplicateHeaders
    # A message closes after its 'end'; a request whose 'end' is still to
    # come when its response ends closes after the response's 'close'
    # (the server clears this then, Node's order).
    cdef public bint _close_after_end
    cdef public Py_ssize_t _headers_count   # the raw pairs ``headers`` takes (0: all)
    # the stream core's ReadableState once the Readable API was taken (as a
    # Stream's: uv/stream/readable.pyx), which the body is pushed into;
    # _flowing is then NODE_READS.
    cdef public object _readableState
    cdef Py_ssize_t readable_listeners  # 'readable' listeners last counted

    def __cinit__(self, *args, **kwargs):
        self.url = ''
        self._major = self._minor = 1
        # The parser's raw headers are a tuple (rawHeaders makes the list
        # when read): no GC-tracked list per message.
        self._raw = self._raw_trailers = EMPTY_TUPLE
        self._close_after_end = True
        self._high_water_mark = default_hwm

    def __init__(self, socket=None):
        self.socket = socket
        if socket is not None:
            self._high_water_mark = read_hwm_of(socket)

    cdef int _add(self, object event, object listener, bint prepend, bint once) except -1:
        EventEmitter._add(self, event, listener, prepend, once)
        # Node's Readable.on (and once, through it): a 'data' listener
        # starts the flow, unless pause() came first (prependListener,
        # EventEmitter's own, does not).
        if (not prepend and self._flowing is None and isinstance(event, str)
                and event == 'data'):
            self.resume()
        return 0

    cdef void _listeners_changed(self, object event):
        # 'readable' listeners take the Readable API; once taken, a 'data'
        # listener is the stream core's to hear of (Node's Readable.on).
        if type(event) is not str:
            return
        if PyUnicode_GET_LENGTH(event) == 8 and event == 'readable':
            self.readable_listeners = readable_heard(self, self._readableState,
                                                     self.readable_listeners)
        elif (self._readableState is not None and event == 'data'
                and self._handler('data') is not None):
            node_reads.listener_added(self, 'data')

    @property
    def readableLength(self):
        """Bytes of the body received and waiting to be read."""
        if self._readableState is not None:
            return self._readableState.length
        return self.buffered

    def _read(self, n):
        """Node's _read(), once the Readable API was taken: the socket
        reads again if the body had stopped it."""
        if self.read_stopped:
            self.start_socket()

    def _take_reads(self, state):
        """Hand the body to ``state`` (as Stream._take_reads)."""
        queue = self._buffer
        hand_over(state, self._flowing, self._decoder, self._end_emitted, self._closed)
        self._consumed = True
        self._decoder = self._buffer = None
        self.buffered = 0
        self._readableState = state
        self._flowing = NODE_READS
        self.end_due = False
        return queue, self._ended and not self._end_emitted

    def _node_end_emitted(self):
        """The stream core emitted 'end' (the ReadableState's endHook): the
        message is complete, and closes if it closes after its 'end'."""
        if not self._end_emitted:
            self._end_emitted = self.complete = True
            if self._close_after_end:
                self.emit_close()

    cdef int emit_close(self) except -1:
        cdef object state = self._readableState
        if state is not None and not self._closed:
            state.destroyed = state.closed = state.closeEmitted = True
        return MessageCore.emit_close(self)

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

    def _push(self, body):
        """Body from the parser (one call per read): see push_parsed."""
        self.push_parsed(body)

    cdef int push_parsed(self, body) except -1:
        """The parser's body: bytes, or a chunked body's spans, each one
        push (one 'data'), as Node's parsers push each of llhttp's on_body
        calls."""
        if type(body) is list:
            for chunk in <list>body:
                self.push(chunk)
        else:
            self.push(body)
        return 0

    cdef int push(self, chunk) except -1:
        if self._readableState is not None:
            if not node_reads.push(self, chunk):
                self.stop_socket()
            return 0
        if self._flowing is True and not self._buffer:
            if self._decoder is not None:
                chunk = self._decoder(chunk)
                if not chunk:
                    return 0
            self._emit('data', (chunk,))
            return 0
        if self._buffer is None:
            self._buffer = [chunk]
        else:
            self._buffer.append(chunk)
        self.buffered += len(chunk)
        if self.buffered >= self._high_water_mark:
            # Node's push() returned false: the socket stops reading until
            # the body is read (a read already under way still lands).
            self.stop_socket()
        if self.watch is not None:
            self.watch.body_came()
        return 0

    cdef int stop_socket(self) except -1:
        if not self.read_stopped and self.socket is not None and not self._closed:
            self.read_stopped = True
            self.socket.pause()
        return 0

    cdef int start_socket(self) except -1:
        """Node's readStart: the socket reads again, unless the server
        stopped it for its unread answers (ServerExchange.paused)."""
        self.read_stopped = False
        socket = self.socket
        if (socket is None or self._closed
                or (self.exchange is not None and (<ServerExchange>self.exchange).paused)
                or (isinstance(socket, Stream) and (<Stream>socket).flowing == 1)):
            return 0
        socket.resume()
        return 0

    def _push_end(self, raw_trailers=None):
        """The message is complete."""
        self.push_end(raw_trailers)

    def _push_last(self, body, raw_trailers=None):
        """The parser's last body (bytes, spans, or None) and the
        message's end, which came in one read.  A flowing message with
        nothing waiting gets its 'end' queued before its last chunk's
        'data', as Node's flow() reads that chunk after the end was pushed
        (endReadableNT first): 'end' comes before the ticks that chunk's
        listeners queue.  (A client response: the server's parser pushes
        its spans and end as they come.)"""
        cdef list spans
        if body is not None:
            spans = body if type(body) is list else [body]
            for chunk in spans[:-1]:
                self.push(chunk)
            if self._readableState is None and self._flowing is True and not self._buffer:
                body_ended(self, raw_trailers)
                self.queue_end()
                self.push(spans[-1])
                if self.read_stopped:
                    self.start_socket()
                return
            self.push(spans[-1])
        self.push_end(raw_trailers)

    cdef int push_end(self, raw_trailers) except -1:
        body_ended(self, raw_trailers)
        if self._readableState is not None:
            self.complete = True    # (Node's: before 'end', at the parser's end)
            node_reads.push(self, None)
        elif self._flowing is True and not self._buffer:
            # A tick that finds the end and queues 'end' (on_tick), as
            # resume()'s: the 'end's of one read's pipelined requests keep
            # their order.
            current_loop().call_soon_tick(self)
        elif self.watch is not None:
            self.watch.body_came()
        if self.read_stopped:
            # Node's parserOnMessageComplete (readStart): the connection
            # reads on for its next message, whatever of this body waits
            # unread.  Else a body that ended at the high-water mark held
            # the socket until read through paths (the Readable API's
            # read() of an ended body) that never ask it to read again.
            self.start_socket()
        return 0

    def pause(self):
        """Stop 'data' until resume(); the connection reads on until a
        high-water mark's worth waits (readableHighWaterMark), as Node's."""
        if self._readableState is not None:
            node_reads.pause(self)
            return self
        self._flowing = False
        return self

    def resume(self):
        """Start or restart 'data': what waited comes first, on a later tick."""
        self._consumed = True
        if self._readableState is not None:
            node_reads.resume(self)
            return self
        if self._flowing is not True:
            self._flowing = True
            # Node's resume_ emits 'resume' on the tick, before the data;
            # only a message with a listener for it pays for that tick.
            self.resume_due = self._handler('resume') is not None
            if self._buffer or self._ended or self.resume_due:
                # What waited, then 'end' (with nothing waiting, a push
                # emits at once and push_end queues the 'end').
                current_loop().call_soon_tick(self)
            if not self._ended and self.buffered < self._high_water_mark:
                self.start_socket()
        return self

    cdef int on_tick(self) except -1:
        """The tick resume() or push_end() queued: the chunks that waited
        (while still flowing), then 'end' once the body is over; 'resume'
        first when resume() asked for it."""
        if self.resume_due:
            self.resume_due = False
            if not self._closed:
                self._emit('resume', EMPTY_TUPLE)
        if self.end_due:
            self.end_due = False
            return self.emit_end()
        # Node's server parser gives a body span by span, each 'data' a
        # callback of its own whose ticks and microtasks run before the
        # next span and before the end (read_drain_begins): when the ticks
        # of the read that brought it deliver it, so do we, running them
        # here (a tick: no parse is under way).
        cdef bint draining = self.in_read_drain and not self.delivering
        cdef Loop loop
        if draining:
            self.delivering = True
            loop = current_loop()
        try:
            while self._buffer and self._flowing is True and not self._closed:
                chunk = self._buffer.pop(0)
                self.buffered -= len(chunk)
                if self._decoder is not None:
                    chunk = self._decoder(chunk)
                    if not chunk:
                        continue
                self._emit('data', (chunk,))
                if draining:
                    loop.drain_ticks()
            if draining and self._ended:
                # The end waits for the last span's ticks and microtasks
                # (its 'data' may have come at once, in the parse).
                loop.drain_ticks()
        finally:
            if draining:
                self.delivering = self.in_read_drain = False
        if self._ended and not self._buffer and self._flowing is True and not self._end_emitted:
            if self.answer_unsent:
                # Node's answer left in end(), its 'finish' on the next
                # tick, before this 'end': it waits for our 'finish'
                # (ServerExchange.response_finished).
                self.end_waits = True
            elif not self.end_waits:
                # Node's resume_ (or its flow) finds the end and queues
                # endReadableNT: 'end' a tick later.
                self.queue_end()
        self.read_some()
        return 0

    cdef int read_drain_begins(self) except -1:
        """A read brought body (with the head, or its end, or several
        spans) to a request with listeners: if the ticks that follow the
        read deliver it (a 'data' listener or resume() in the 'request'
        listener, or flowing already), on_tick runs each span's ticks and
        microtasks before the next span and the end, as Node's; once the
        read's first microtasks run (``_read_drained``), a later delivery
        is Node's flow, all at once."""
        if self.in_read_drain:
            return 0
        self.in_read_drain = True
        cdef Loop loop = current_loop()
        loop.microtasks.append((self._read_drained, EMPTY_TUPLE))
        loop.maybe_queued = True
        return 0

    cdef int push_spans(self, list spans) except -1:
        """A flowing request's spans of one read: its tick emits them
        (on_tick, which runs each one's ticks and microtasks before the
        next, as Node's parser callbacks)."""
        if self._buffer is None:
            self._buffer = []
        for chunk in spans:
            self._buffer.append(chunk)
            self.buffered += len(chunk)
        if self.buffered >= self._high_water_mark:
            self.stop_socket()
        current_loop().call_soon_tick(self)
        return 0

    def _read_drained(self):
        if not self.delivering:
            self.in_read_drain = False

    cdef int read_some(self) except -1:
        """The body was read down below the high-water mark: the socket
        reads again if we stopped it (Node's _read)."""
        if self.read_stopped and self.buffered < self._high_water_mark:
            self.start_socket()
        return 0

    def _read_some(self):
        self.read_some()

    def _emit_end(self):
        self.emit_end()

    cdef int queue_end(self) except -1:
        """'end' on the next tick (on_tick), no longer waiting for its
        response's 'finish' if it did (``end_waits``)."""
        self.end_waits = False
        self.end_due = True
        current_loop().call_soon_tick(self)
        return 0

    cdef int emit_end(self) except -1:
        if self._end_emitted or self._closed:
            return 0
        self._end_emitted = True
        self.complete = True
        self._emit('end', EMPTY_TUPLE)
        if self._close_after_end:
            self.emit_close()
        return 0

    cdef bytes take_body(self):
        """What of the body waits unread, taken at once as bytes (b'' when
        none), for the C glue of the servers above pyuvnet.http (WSGI,
        ASGI): what read() would do, the socket reading again if it had
        stopped for it.  Once the body is all in (``_ended``), the message
        is marked read too, as the end of the body would, with no tick and
        no 'end' to emit when nobody listens for it."""
        cdef list chunks = self._buffer
        cdef bytes body = b''
        if chunks:
            body = <bytes>chunks[0] if len(chunks) == 1 else b''.join(chunks)
            self._buffer = None
            self.buffered = 0
            self.read_some()
        if self._ended:
            self.dump()
        return body

    def _dump(self):
        """Read and drop the body nobody read, so that the connection can
        go on to its next message (Node's _dump)."""
        self.dump()

    cdef int dump(self) except -1:
        if not self._consumed and self._ended and not self._buffer and (
                unheard(self) or self._handler('end') is None):
            # A whole message nobody listens to: done, without the ticks.
            self._consumed = self._end_emitted = self.complete = True
            self._flowing = True
            return 0
        if not self._consumed:
            # Node's _dump: what waited flows on the next tick, to the
            # 'data' listeners added by then (in 'resume', say), or none.
            self._consumed = True
            self.removeAllListeners('data')
            self.resume()
        return 0
