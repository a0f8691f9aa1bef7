# The C bases of pyuvnet.http's outgoing messages (pyuvnet/http/_outgoing.py),
# for the server to make and drive per request without a Python frame of
# pyuvnet's own (their common base, MessageCore, is in http/incoming.pyx):
#
#   SentNotice     end()'s write callback
#   OutgoingCore   OutgoingMessage's state, the head's making (Node's
#                  _storeHeader, from http/head.pyx's cached pieces), end()
#                  of a bytes body as one write, 'finish'
#   ResponseCore   ServerResponse's constructor and writeHead()
#
# The Python class holds the rest of Node's API and the rarer paths.


@cython.final
cdef class SentNotice(WriteNotice):
    """end()'s write callback: the message's _on_sent, called as C by a
    net stream (a WriteNotice), as a callable by a TLSSocket.  Not a bound
    method, which the cyclic GC tracks: pipelined answers, one callback
    each held by the socket until the turn's write, made the GC walk and
    promote them all.  This object is no GC object (it holds the message
    as a plain counted pointer), so a hidden edge at most delays a cycle's
    collection; the socket drops it when the write is done or dropped."""

    cdef PyObject* message

    @staticmethod
    cdef SentNotice of(OutgoingCore message):
        cdef SentNotice notice = SentNotice.__new__(SentNotice)
        Py_INCREF(message)
        notice.message = <PyObject*>message
        return notice

    cdef int written(self, object err) except -1:
        return (<OutgoingCore>self.message).on_sent(err)

    def __dealloc__(self):
        Py_XDECREF(self.message)


cdef int uncork_all(object socket) except -1:
    """Undo every cork() on ``socket``, so that what it holds leaves before
    a destroy() that follows at once (which drops corked data, as Node's):
    a message's write() corks its socket until the next tick, as Node's."""
    while socket.writableCorked:
        socket.uncork()
    return 0


cdef inline int uncork_at_end(object socket) except -1:
    """Node's end(): the socket fully uncorked (a C stream's count read
    in C, so that the plain answer pays no attribute lookup)."""
    if socket is None:
        return 0
    if isinstance(socket, StreamWrites) and not (<StreamWrites>socket).corked:
        return 0
    return uncork_all(socket)


# What OutgoingCore._removed starts as: one object for every message (a
# removal makes a new set), so that a head's making knows it at a glance.
cdef frozenset NONE_REMOVED = frozenset()


cdef inline int finish_on_tick(OutgoingCore message) except -1:
    """Called by end() before its last write: a server's response that is
    its connection's current one, on a libuv stream, gets its 'finish' on
    the next tick, as Node's whose write is done in end() (afterWriteTick),
    before the ticks queued after end() and the turn's immediates.  The
    write may stay gathered for the turn's end until then: the tick hands
    it over if it is still waiting, and 'finish' comes there when the
    kernel took it all (else when it does, as Node's).  Only where someone
    listens to the response or its request: with no listener the order is
    not seen, and the write and its 'finish' wait for the turn's end, a
    tick saved (inline, the hello's answer pays a few field reads; a
    server's response's req is an IncomingCore)."""
    if (message._conn is None or message.finish_due or message._finish_emitted
            or (unheard(message) and unheard(<EventEmitter>message.req))):
        return 0
    return message.queue_finish_tick()


cdef inline int message_finished(OutgoingCore message, object err) except -1:
    """The message's last write done: 'finish' unless it failed, then what
    follows it on the connection."""
    if err is None:
        message._finish_emitted = True
        if not unheard(message):
            message._emit('finish', EMPTY_TUPLE)
    if message._conn is not None:
        (<ServerExchange?>message._conn).response_finished(message)
    return 0


cdef class OutgoingCore(MessageCore):
    """OutgoingMessage's state, its head's making (Node's _storeHeader) and
    end() for a bytes body; what is rarer goes to the Python class's
    ``_end_slow``."""

    cdef public dict _headers           # lower-case name -> [name, value]
    cdef public bint _send_date
    cdef public bint _has_body, _chunked_by_default
    cdef public object _keep_alive_timeout
    cdef public object _max_requests_note
    cdef public object _header          # the head made, as bytes
    cdef public bint _header_sent, _chunked
    cdef public object _content_length
    cdef public str _trailer
    cdef public bint _last              # the connection closes after this message
    cdef public bint _finished          # end() was called
    cdef public bint _finish_emitted
    cdef public bint _should_keep_alive
    # headers Node would add, removed by the user
    cdef public object _removed
    cdef public object _conn            # a ServerResponse's connection
    # (bytes, callback) written before the connection was assigned
    cdef public tuple _pending
    cdef public object _unique          # the uniqueHeaders option's lower-case names
    # Node's kCorked: cork() calls before the message had its socket (then
    # the socket's own, which _flush_pending passes them on to)
    cdef public int _corked
    cdef public bint _strict
    cdef public bint _reject_body       # the server's rejectNonStandardBodyWrites
    cdef public object _header_length   # Content-Length as the head says it
    cdef public Py_ssize_t _bytes_written
    cdef public Py_ssize_t _pending_bytes   # of ``_pending`` (Node's outputSize)
    # Node's kHighWaterMark: what may be written before the message has its
    # socket (stream.getDefaultHighWaterMark() when made; a response: its
    # socket's writableHighWaterMark).
    cdef public Py_ssize_t _high_water_mark
    cdef public bint _need_drain        # a write() returned False: 'drain' is owed
    cdef bint finish_due                # on_tick emits 'finish' (Node's afterWriteTick)
    cdef bint sent_early                # on_sent came before that tick,
    cdef object send_error              # with this error (None: sent)
    # ServerResponse's (here so that end() needs no Python call)
    cdef public object _status, _reason
    cdef public object req
    """A ServerResponse's request (its IncomingMessage)."""
    cdef bint is_response

    def __cinit__(self, *args, **kwargs):
        self._headers = {}
        self._has_body = self._chunked_by_default = self._should_keep_alive = True
        self._keep_alive_timeout = 0
        self._trailer = ''
        self._removed = NONE_REMOVED
        self._pending = EMPTY_TUPLE
        self._status = 200
        self._high_water_mark = default_hwm

    def end(self, chunk=None, encoding=None, callback=None):
        """The last body bytes (optional), then the end of the message:
        with no head made yet, the body's length becomes Content-Length and
        head and body go out as one write.  'finish' follows once sent."""
        data = b'' if chunk is None else chunk
        if encoding is not None or callback is not None or not self.ends_at_once(data):
            return self._end_slow(chunk, encoding, callback)
        self.end_bytes(data)
        return self

    cdef bint ends_at_once(self, data):
        """Whether end(data) with no encoding or callback is end_bytes(data):
        bytes, not ended, not strict, corked or rejecting a body."""
        return (type(data) is bytes and not self._finished and not self._strict
                and not self._corked and not self._reject_body)

    cdef int end_bytes(self, bytes data) except -1:
        """end(data)'s work once its fast path is sure (no callback, not
        ended, not strict, corked or rejecting a body): for the C glue
        above pyuvnet.http too."""
        if self._header is None:
            self._content_length = len(data) if self._has_body else None
            if self.is_response:
                (<ResponseCore>self).write_head(self._status, None, None)
            else:
                self._implicit_header()
        data = self.end_data(data)
        finish_on_tick(self)
        self.send(data, SentNotice.of(self))
        uncork_at_end(self.socket)
        self.prefinish()
        if self.is_response:
            self.response_ended()
        else:
            self._ended()
        return 0

    def _prefinish(self):
        self.prefinish()

    cdef int prefinish(self) except -1:
        """Node's _finish: 'prefinish' once the ended message's bytes are
        all the socket's (at end(), or when a message that waited for its
        socket or turn gets it).  Most messages have no listener at all:
        asked first, from the emitter's fields, so that their end() pays
        no lookup."""
        if (not unheard(self) and self._handler('prefinish') is not None
                and self._finished and self.socket is not None and not self._pending
                and (self._conn is None or (<ServerExchange?>self._conn).current is self)):
            self._emit('prefinish', EMPTY_TUPLE)
        return 0

    cdef int response_ended(self) except -1:
        if self._conn is not None:
            (<ServerExchange?>self._conn).response_ended(self)
        return 0

    def _end_data(self, bytes data):
        """end()'s last bytes ``data`` counted and framed (for a chunked
        body: its chunk, the last chunk and the trailers; nothing for a
        message without a body), and the message marked ended."""
        return self.end_data(data)

    cdef bytes end_data(self, bytes data):
        self._bytes_written += len(data)
        self._finished = True
        if not self._has_body:
            return b''
        if self._chunked:
            return ((b'%x\r\n%s\r\n' % (len(data), data) if data else b'') + b'0\r\n'
                    + self._trailer.encode('latin-1') + b'\r\n')
        return data

    def _ended(self):
        """end() was called (a ServerResponse tells its connection)."""
        if self.is_response:
            self.response_ended()

    def _send(self, data, callback=None):
        return self.send(data, callback)

    def _hand_over_writes(self):
        """Send what the socket gathered this turn now, as Node hands each
        write to libuv as it is made: an answer ended before an error that
        ends the process (write() after end() with no 'error' listener)
        has left, as in Node."""
        self.hand_over_writes()

    cdef int hand_over_writes(self) except -1:
        cdef StreamWrites stream
        if isinstance(self.socket, StreamWrites):
            stream = <StreamWrites>self.socket
            if stream.flush_queued and not stream.writing_now:
                stream.loop.flusher.unmark_dirty(stream)
                stream.flush_now()
        return 0

    def _finish_on_tick(self):
        finish_on_tick(self)

    cdef int queue_finish_tick(self) except -1:
        # finish_on_tick's rest, once someone listens.
        if (not (<ServerExchange>self._conn).c_writes
                or (<ServerExchange>self._conn).current is not self):
            return 0
        self.finish_due = True
        (<ServerExchange>self._conn).loop.call_soon_tick(self)
        return 0

    cdef object send(self, data, callback):
        cdef object head = None
        if not self._header_sent:
            self._header_sent = True
            if not data:
                data = self._header
            else:
                head = self._header
        return self.deliver(head, data, callback)

    cdef object deliver(self, head, data, callback):
        """``data``, after ``head`` (the message's head, or None), to the
        socket; or held until it is this response's turn."""
        socket = self.socket
        conn = self._conn
        cdef bint ok
        if socket is None or (conn is not None and (<ServerExchange?>conn).current is not self):
            return self.hold(data if head is None else head + data, callback)
        if head is None:
            ok = socket.write(data, callback) is not False
        elif conn is not None and (<ServerExchange>conn).plain_writes and type(data) is bytes:
            ok = (<StreamWrites>socket).write_after(<bytes>head, <bytes>data, callback) == 1
        else:
            ok = socket.write(head + data, callback) is not False
        if not ok:
            # Node's kNeedDrain: the socket's 'drain' is passed on to us
            # (socket_drained, from ServerExchange._on_drain or the
            # ClientRequest's socket listeners).
            self._need_drain = True
        return ok

    cdef bint hold(self, data, callback) except -1:
        """Keep a write until the message has its socket (its turn, for a
        pipelined answer): Node's outputData, whose size counts against
        the high-water mark, and against the connection's (Node's
        state.outgoingData: the server stops reading past it)."""
        cdef Py_ssize_t size = len(data)
        self._pending = self._pending + ((data, callback),)
        self._pending_bytes += size
        if self._conn is not None:
            (<ServerExchange?>self._conn).outgoing_data += size
        if self._pending_bytes < self._high_water_mark:
            return True
        self._need_drain = True
        return False

    def _flush_pending(self):
        """Writes what was written before the socket was assigned; True
        when the socket took all of it, so that a 'drain' owed meanwhile
        is due now (``_socket_drained``; else the socket's 'drain' brings
        it: Node's _flushOutput)."""
        return self.flush_pending()

    cdef bint flush_pending(self) except -1:
        socket = self.socket
        while self._corked:
            # Node's _flushOutput: the corks made before the socket are its.
            self._corked -= 1
            socket.cork()
        pending, self._pending = self._pending, EMPTY_TUPLE
        if self._conn is not None:
            (<ServerExchange?>self._conn).outgoing_data -= self._pending_bytes
        self._pending_bytes = 0
        cdef bint ok = True
        for data, callback in pending:
            ok = socket.write(data, callback) is not False
        return ok

    def _socket_drained(self):
        self.socket_drained()

    cdef int socket_drained(self) except -1:
        """The socket's 'drain' while this message is its current one:
        ours, if a write() of ours was refused (Node's socketOnDrain)."""
        if self._need_drain and not self._finished:
            self._need_drain = False
            self._emit('drain', EMPTY_TUPLE)
        return 0

    @property
    def writableNeedDrain(self):
        """True after write() returned False, until 'drain' (False once
        ended or destroyed)."""
        return self._need_drain and not self._finished and not self._closed

    @property
    def writableLength(self):
        """Bytes written and not yet taken by the kernel: those held for
        the socket, and the socket's."""
        socket = self.socket
        if socket is None or (self._conn is not None
                              and (<ServerExchange?>self._conn).current is not self):
            return self._pending_bytes
        return self._pending_bytes + socket.writableLength

    @property
    def writableHighWaterMark(self):
        """The socket's; before the message has one, what it was made with
        (stream.getDefaultHighWaterMark(); a response: its connection's)."""
        return self._high_water_mark if self.socket is None else self.socket.writableHighWaterMark

    def _on_sent(self, error=None):
        self.on_sent(error)

    cdef int on_sent(self, object err) except -1:
        """The message's last write left: 'finish' (once, before 'close');
        none when it failed (Node's onFinish: the socket had an error),
        but a response's 'close' comes all the same."""
        if self._finish_emitted or self._closed:
            return 0
        if self.finish_due:
            # The tick end() queued says it (finish_on_tick).
            self.sent_early = True
            self.send_error = err
            return 0
        if err is None and self._conn is not None and (<ServerExchange?>self._conn).flushing:
            # Sent in the read that asked for it (read_answered): Node's
            # 'finish' comes on the tick after end(), so ours on a tick too.
            self.finish_due = self.sent_early = True
            (<ServerExchange>self._conn).loop.call_soon_tick(self)
            return 0
        return message_finished(self, err)

    cdef int on_tick(self) except -1:
        """A ServerResponse's tick after 'finish' (ServerExchange.
        response_finished queues it): 'close' of the response, then of its
        request (Node's order; a request whose 'end' is still to come closes
        after it).  First, the tick of a 'finish' (finish_on_tick, or one
        on_sent put off)."""
        if self.finish_due:
            self.finish_due = False
            if not self.sent_early:
                self.hand_over_writes()     # on_sent may come in there
            if self.sent_early and not (self._finish_emitted or self._closed):
                self.sent_early = False
                err, self.send_error = self.send_error, None
                return message_finished(self, err)
            return 0        # the kernel has not taken it all: on_sent says when
        self.emit_close()
        cdef IncomingCore req = <IncomingCore?>self.req
        if req._end_emitted:
            req.emit_close()
        else:
            req._close_after_end = True
        return 0

    def _store_header(self, str first_line, headers):
        """Make the head as Node's _storeHeader: ``first_line`` the request
        or status line (with its CRLF), ``headers`` a list of (name, value)
        in the order set; returns whether Expect is set."""
        try:
            line = first_line.encode('latin-1')
        except UnicodeEncodeError:
            line = None
        return self.store_header(line, first_line, header_block(headers, self._unique))

    cdef bint store_header(self, bytes first_line, str line_text, HeaderBlock block) except -1:
        """_store_header's work, for the headers' ``block``; ``first_line``
        None when it is not latin-1 (``line_text`` is then what the error
        names)."""
        cdef bint seen_length = block.length is not None
        if seen_length and self._strict:
            try:
                self._header_length = int(block.length)
            except ValueError:
                pass
        # The head's pieces after the first line and the block.
        cdef object date = None, connection_lines = None, framing = None
        cdef bint seen_connection = block.connection is not None
        if seen_connection:
            if 'close' in block.connection:
                self._last = True
            else:
                self._should_keep_alive = True
        cdef bint seen_te = block.te is not None
        if seen_te and 'chunked' in block.te:
            self._chunked = True
        cdef bint none_removed = self._removed is NONE_REMOVED
        if (not block.seen_date and self._send_date
                and (none_removed or 'date' not in self._removed)):
            date = date_line()
        if not seen_connection:
            if self._should_keep_alive and (
                    seen_length or self._chunked_by_default or self._agent_keep_alive()):
                connection_lines = keep_alive_lines(self._keep_alive_timeout,
                                                    self._max_requests_note)
            else:
                self._last = True
                connection_lines = b'Connection: close\r\n'
        if not seen_length and not seen_te:
            if not self._has_body:
                pass
            elif not self._chunked_by_default:
                self._last = True
            elif (not block.seen_trailer
                  and (none_removed or 'content-length' not in self._removed)
                  and self._content_length is not None):
                framing = b'Content-Length: %d\r\n' % self._content_length
            elif 'transfer-encoding' not in self._removed:
                framing = b'Transfer-Encoding: chunked\r\n'
                self._chunked = True
            else:
                self._last = True
        if block.seen_trailer and not self._chunked:
            # Node: only a chunked body can end with the trailers announced.
            raise kit('ERR_HTTP_TRAILER_INVALID')()
        if first_line is None or block.data is None:
            raise kit('ERR_INVALID_CHAR')('header content', line_text.strip())
        self._header = join_head(first_line, block.data, date, connection_lines, framing)
        return block.seen_expect

    def _agent_keep_alive(self):
        return False


cdef class ResponseCore(OutgoingCore):
    """ServerResponse's constructor and writeHead() in C."""

    cdef public bint _expect_continue   # the request asked for 100 Continue
    cdef public bint _sent100           # writeContinue() was called

    def __init__(self, req, connection=None):
        self.init(<IncomingCore?>req, connection,
                  None if connection is None
                  else (<ServerExchange?>connection).settings.max_requests)

    cdef int init(self, IncomingCore request, connection, max_requests) except -1:
        """``max_requests``: the server's maxRequestsPerSocket (read once
        per request by the connection)."""
        self.is_response = True
        self._send_date = True
        self.req = request
        self._conn = connection
        method = request.method
        if (type(method) is str and PyUnicode_GET_LENGTH(method) == 4
                and <str>method == 'HEAD'):
            self._has_body = False
        if request._minor == 0 or request._major < 1:
            te = request.headers.get('te', '')
            self._chunked_by_default = 'chunked' in te.lower()
        if connection is not None:
            # Node's parserOnIncoming: res.shouldKeepAlive = the request's
            # (an HTTP/1.0 keep-alive request stays open when the answer's
            # length is known: Content-Length set, or TE: chunked asked).
            exchange = <ServerExchange?>connection
            # Node's parserOnIncoming: { highWaterMark: socket.writableHighWaterMark }
            self._high_water_mark = exchange.write_hwm
            self._should_keep_alive = request._keep_alive
            self._keep_alive_timeout = exchange.settings.keep_alive_timeout
            self._unique = exchange.settings.unique_headers
            if max_requests:
                self._max_requests_note = connection.max_requests_note()
        return 0

    def writeHead(self, statusCode, statusMessage=None, headers=None):
        """Make the head: ``statusCode`` (100-999), an optional reason
        phrase, and headers (a dict, or a flat list [name, value, ...])
        added to those set.  ERR_HTTP_HEADERS_SENT when made already."""
        self.write_head(statusCode, statusMessage, headers)
        return self

    def _implicit_header(self):
        self.write_head(self._status, None, None)

    cdef int write_head(self, statusCode, statusMessage, headers,
                        HeaderBlock block=None) except -1:
        """writeHead()'s work; ``block``, when given, is the headers' block
        made already (pyuvnet.asgi's, whose responses set no headers before)."""
        if self._header is not None:
            raise kit('ERR_HTTP_HEADERS_SENT')('write')
        if statusMessage is not None and type(statusMessage) is not str:
            statusMessage, headers = None, statusMessage
        if type(statusCode) is not int:
            statusCode = kit('status_number')(statusCode)
        if statusCode < 100 or statusCode > 999:
            raise kit('ERR_HTTP_INVALID_STATUS_CODE')(statusCode)
        self._status = statusCode
        if statusMessage is None:
            # Node: an empty statusMessage is the status's own reason too.
            statusMessage = self._reason or None
        cdef int code = statusCode
        cdef bint bad_reason = False
        global last_status, last_status_line, last_status_reason
        if statusMessage is None and code == last_status:
            # The last status made, with Node's reason: its line again.
            line = last_status_line
            statusMessage = last_status_reason
        else:
            key = (statusCode, statusMessage)
            line = status_lines.get(key, False)
            if line is False:
                # A reason is checked once, when its line is made: a cached
                # line's reason was valid (Node's checkInvalidHeaderChar).
                bad_reason = statusMessage is not None and invalid_header_text(statusMessage)
                line_text = 'HTTP/1.1 %d %s\r\n' % (
                    statusCode, kit('STATUS_CODES').get(statusCode, 'unknown')
                    if statusMessage is None else statusMessage)
                try:
                    line = line_text.encode('latin-1')
                except UnicodeEncodeError:
                    line = None
                if len(status_lines) < 1024 and not bad_reason:
                    status_lines[key] = line
            if statusMessage is None:
                statusMessage = kit('STATUS_CODES').get(statusCode, 'unknown')
                last_status, last_status_line, last_status_reason = code, line, statusMessage
        self._reason = statusMessage
        if block is not None:
            pass
        elif not self._headers:
            if not headers:
                block = header_block(EMPTY_TUPLE, self._unique)
            elif type(headers) is dict:
                block = dict_block(<dict>headers, self._unique)
            else:
                block = header_block(tuple(zip(headers[0::2], headers[1::2])), self._unique)
        else:
            block = header_block(self._merged_headers(headers), self._unique)
        if bad_reason:
            # After the headers' checks, as Node's order; kept, as Node keeps it.
            raise kit('ERR_INVALID_CHAR')('statusMessage')
        if code == 204 or code == 304 or 100 <= code <= 199:
            self._has_body = False
        if self._expect_continue and not self._sent100:
            # Node: a final answer to an Expect: 100-continue request whose
            # body was not asked for ends the connection (the client may
            # still send that body).
            self._should_keep_alive = False
        self.store_header(line, 'HTTP/1.1 %d %s' % (statusCode, statusMessage)
                          if line is None else None, block)
        return 0
