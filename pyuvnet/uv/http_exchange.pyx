# The C halves of pyuvnet.http's per-request objects, so that one request
# and its answer run no Python frame of pyuvnet's own (docs/DESIGN.md,
# "Where Python runs"):
#
#   IncomingCore      IncomingMessage's state and its body's push/end/close
#   OutgoingCore      OutgoingMessage's state, the head's serialisation and
#                     end(); ResponseCore adds ServerResponse's constructor
#                     and writeHead()
#   ServerExchange    the server's per-connection object (the parser's
#                     owner): requests in, responses in order, keep-alive
#
# The Python classes (pyuvnet/http/_incoming.py, _outgoing.py, _server.py)
# derive from these and hold the rest of Node's API; the per-request path
# falls back to them for what is rare (a str body, cork(), strict lengths,
# a callback on end()).  What the C code needs of them (header validation,
# Node's errors) is handed over once by ``_set_http_kit``.

cdef dict http_kit = {}
# HeaderBlocks by (pairs, unique): responses mostly repeat their headers,
# so they are validated and serialised once.
cdef dict header_blocks = {}
DEF HEADER_BLOCKS_MAX = 512
cdef dict status_lines = {}         # (status, reason or None) -> its line, bytes (None: not latin-1)
cdef dict keep_alive_heads = {}     # (timeout, max requests note) -> the lines, bytes
cdef object last_keep_alive_timeout = None, last_keep_alive_note = None
cdef bytes last_keep_alive_lines = None
cdef int last_status = 0           # the last status made with Node's reason,
cdef object last_status_line = None, last_status_reason = None   # and its line and reason
cdef bytes DATE_LINE = b''
cdef long date_second = -1
cdef tuple EMPTY_TUPLE = ()
# The classes made per request without a Python call when the server's
# options did not replace them (set by pyuvnet.http).
cdef object default_incoming_class = None, default_response_class = None


def _set_http_kit(incoming_class, response_class, **kit):
    """pyuvnet.http's classes (IncomingMessage, ServerResponse) and the
    helpers the C code calls on its rare paths (make_header_block,
    status_number, format_date, STATUS_CODES and Node's errors)."""
    global default_incoming_class, default_response_class
    default_incoming_class = incoming_class
    default_response_class = response_class
    http_kit.update(kit)


cdef object kit(str name):
    return http_kit[name]


cdef extern from "<time.h>":
    long time(void* t)


cdef bytes date_line():
    """The Date header's line, made once per second (as Node's utcDate())."""
    global DATE_LINE, date_second
    cdef long now = time(NULL)
    if now != date_second:
        date_second = now
        DATE_LINE = kit('format_date')(now).encode('latin-1')
    return DATE_LINE


cdef bytes keep_alive_lines(timeout, max_requests):
    """Connection (and Keep-Alive) lines of a kept-alive connection, as
    Node's: ``max_requests`` 'close' says close (Node 20 says so on the
    last request maxRequestsPerSocket allows, yet does not close)."""
    global last_keep_alive_timeout, last_keep_alive_note, last_keep_alive_lines
    if (last_keep_alive_lines is not None and timeout is last_keep_alive_timeout
            and max_requests is last_keep_alive_note):
        return last_keep_alive_lines
    key = (timeout, max_requests)
    lines = keep_alive_heads.get(key)
    if lines is None:
        if max_requests == 'close':
            lines = b'Connection: close\r\n'
        else:
            lines = b'Connection: keep-alive\r\n'
            if timeout:
                lines += b'Keep-Alive: timeout=%d' % (timeout // 1000)
                if max_requests:
                    lines += b', max=%d' % max_requests
                lines += b'\r\n'
        if len(keep_alive_heads) < 64:
            keep_alive_heads[key] = lines
    last_keep_alive_timeout, last_keep_alive_note, last_keep_alive_lines = (
        timeout, max_requests, lines)
    return lines


cdef class HeaderBlock:
    """What make_header_block made of some headers: their lines, and what
    the head needs to know of them."""
    cdef bytes data                     # the lines; None when not latin-1
    cdef object connection              # Connection's value lower-cased, or None
    cdef object length                  # Content-Length's value, or None
    cdef object te                      # Transfer-Encoding's value lower-cased, or None
    cdef bint seen_date, seen_expect, seen_trailer
    # Equal keys may differ in their values' types (1 == True == 1.0, sent
    # as '1', 'true', '1'): a block whose values are not all str keeps
    # their types, and is used only for values of the same types.
    cdef tuple types

    cdef bint same_types(self, tuple pairs):
        cdef Py_ssize_t i
        if self.types is None:
            return True
        for i in range(len(pairs)):
            if type((<tuple>pairs[i])[1]) is not self.types[i]:
                return False
        return True


cdef HeaderBlock make_block(tuple pairs, unique):
    text, connection, length, te, seen_date, seen_expect, seen_trailer = \
        kit('make_header_block')(pairs, unique)
    cdef HeaderBlock block = HeaderBlock.__new__(HeaderBlock)
    try:
        block.data = text.encode('latin-1')
    except UnicodeEncodeError:
        block.data = None
    block.connection = connection
    block.length = length
    block.te = te
    block.seen_date = seen_date
    block.seen_expect = seen_expect
    block.seen_trailer = seen_trailer
    return block


cdef HeaderBlock header_block(pairs, unique):
    """The HeaderBlock of ``pairs`` ((name, value) pairs): raises for a bad
    name or value, as setHeader() would.  A list value repeats the header,
    except for Cookie and the names in ``unique``, which are joined."""
    cdef tuple key_pairs = pairs if type(pairs) is tuple else tuple(pairs)
    cdef HeaderBlock block
    try:
        key = (key_pairs, unique)
        cached = header_blocks.get(key)
    except TypeError:       # a list value: not cached
        return make_block(key_pairs, unique)
    if cached is not None and (<HeaderBlock>cached).same_types(key_pairs):
        return <HeaderBlock>cached
    block = make_block(key_pairs, unique)
    if len(header_blocks) >= HEADER_BLOCKS_MAX:
        header_blocks.clear()
    types = tuple([type(value) for _, value in key_pairs])
    for t in types:
        if t is not str:
            block.types = types
            break
    header_blocks[key] = block
    return block


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


cdef class OutgoingCore(EventEmitter):
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
    cdef public bint _finish_emitted, _closed
    cdef public bint _should_keep_alive
    # headers Node would add, removed by the user
    cdef public object _removed
    cdef public object socket
    cdef public object _conn            # a ServerResponse's connection
    # (bytes, callback) written before the connection was assigned
    cdef public tuple _pending
    cdef public object _unique          # the uniqueHeaders option's lower-case names
    cdef public int _corked             # cork() calls not yet undone by uncork()
    cdef public tuple _corked_writes    # (bytes, callback) written while corked
    cdef public bint _strict
    cdef public object _header_length   # Content-Length as the head says it
    cdef public Py_ssize_t _bytes_written
    # ServerResponse's (here so that end() needs no Python call)
    cdef public object _status, _reason, req
    cdef bint is_response

    def __cinit__(self, *args, **kwargs):
        self._headers = {}
        self._has_body = self._chunked_by_default = self._should_keep_alive = True
        self._keep_alive_timeout = 0
        self._trailer = ''
        self._removed = frozenset()
        self._pending = self._corked_writes = EMPTY_TUPLE
        self._status = 200

    def end(self, chunk=None, encoding=None, callback=None):
        """The last body bytes (optional), then the end of the message:
        with no head made yet, the body's length becomes Content-Length and
        head and body go out as one write.  'finish' follows once sent."""
        if ((chunk is not None and type(chunk) is not bytes) or encoding is not None
                or callback is not None or self._finished or self._strict or self._corked):
            return self._end_slow(chunk, encoding, callback)
        data = b'' if chunk is None else chunk
        if self._header is None:
            self._content_length = len(data) if self._has_body else None
            if self.is_response:
                (<ResponseCore>self).write_head(self._status, None, None)
            else:
                self._implicit_header()
        self._bytes_written += len(data)
        if not self._has_body:
            data = b''
        elif self._chunked:
            data = self.chunked_end(data)
        self._finished = True
        self.send(data, self._on_sent)
        if self.is_response:
            self.response_ended()
        else:
            self._ended()
        return self

    cdef int response_ended(self) except -1:
        if self._conn is not None:
            (<ServerExchange?>self._conn).response_ended(self)
        return 0

    cdef bytes chunked_end(self, bytes data):
        return ((b'%x\r\n%s\r\n' % (len(data), data) if data else b'') + b'0\r\n'
                + self._trailer.encode('latin-1') + b'\r\n')

    def _chunked_end(self, bytes data):
        """The end of a chunked body: ``data``'s chunk, the last chunk and
        the trailers."""
        return self.chunked_end(data)

    def _ended(self):
        """end() was called (a ServerResponse tells its connection)."""
        if self.is_response:
            self.response_ended()

    def _send(self, data, callback=None):
        return self.send(data, callback)

    cdef object send(self, data, callback):
        if not self._header_sent:
            self._header_sent = True
            data = self._header + data
        if self._corked:
            self._corked_writes = self._corked_writes + ((data, callback),)
            return True
        return self.deliver(data, callback)

    def _deliver(self, data, callback):
        return self.deliver(data, callback)

    cdef object deliver(self, data, callback):
        socket = self.socket
        conn = self._conn
        if socket is None or (conn is not None and (<ServerExchange?>conn).current is not self):
            self._pending = self._pending + ((data, callback),)
            return False
        return socket.write(data, callback)

    def _on_sent(self, error=None):
        if not self._finish_emitted and not self._closed:
            self._finish_emitted = True
            self._emit('finish', EMPTY_TUPLE)
            if self._conn is not None:
                (<ServerExchange?>self._conn).response_finished(self)

    def _emit_close(self):
        self.emit_close()

    cdef int emit_close(self) except -1:
        if not self._closed:
            self._closed = True
            self._emit('close', EMPTY_TUPLE)
        return 0

    def _store_header(self, str first_line, headers):
        """Make the head as Node's _storeHeader: ``first_line`` the request
        or status line (with its CRLF), ``headers`` a list of (name, value)
        in the order set; returns whether Expect is set."""
        try:
            line = first_line.encode('latin-1')
        except UnicodeEncodeError:
            line = None
        return self.store_header(line, first_line, headers)

    cdef bint store_header(self, bytes first_line, str line_text, headers) except -1:
        """_store_header's work; ``first_line`` None when it is not latin-1
        (``line_text`` is then what the error names)."""
        cdef HeaderBlock block = header_block(headers, self._unique)
        cdef bint seen_length = block.length is not None
        if seen_length and self._strict:
            try:
                self._header_length = int(block.length)
            except ValueError:
                pass
        cdef list parts = [first_line, block.data]
        cdef bint seen_connection = block.connection is not None
        if seen_connection:
            if 'close' in block.connection:
                self._last = True
            else:
                self._should_keep_alive = True
        cdef bint seen_te = block.te is not None
        if seen_te and 'chunked' in block.te:
            self._chunked = True
        if not block.seen_date and self._send_date and 'date' not in self._removed:
            parts.append(date_line())
        if not seen_connection:
            if self._should_keep_alive and (
                    seen_length or self._chunked_by_default or self._agent_keep_alive()):
                parts.append(keep_alive_lines(self._keep_alive_timeout, self._max_requests_note))
            else:
                self._last = True
                parts.append(b'Connection: close\r\n')
        if not seen_length and not seen_te:
            if not self._has_body:
                pass
            elif not self._chunked_by_default:
                self._last = True
            elif (not block.seen_trailer and 'content-length' not in self._removed
                  and self._content_length is not None):
                parts.append(b'Content-Length: %d\r\n' % self._content_length)
            elif 'transfer-encoding' not in self._removed:
                parts.append(b'Transfer-Encoding: chunked\r\n')
                self._chunked = True
            else:
                self._last = True
        if block.seen_trailer and not self._chunked:
            # Node: only a chunked body can end with the trailers announced.
            raise kit('ERR_HTTP_TRAILER_INVALID')()
        if first_line is None or block.data is None:
            raise kit('ERR_INVALID_CHAR')('header content', line_text.strip())
        parts.append(b'\r\n')
        self._header = b''.join(parts)
        return block.seen_expect

    def _agent_keep_alive(self):
        return False


cdef class ResponseCore(OutgoingCore):
    """ServerResponse's constructor and writeHead() in C."""

    def __init__(self, req, connection=None):
        self.init(<IncomingCore?>req, connection)

    cdef int init(self, IncomingCore request, connection) except -1:
        self.is_response = True
        self._send_date = True
        self.req = request
        self._conn = connection
        if request.method == 'HEAD':
            self._has_body = False
        if request._minor == 0 or request._major < 1:
            te = request.headers.get('te', '')
            self._chunked_by_default = 'chunked' in te.lower()
        if connection is not None:
            # Node's parserOnIncoming: res.shouldKeepAlive = the request's
            # (an HTTP/1.0 keep-alive request stays open when the answer's
            # length is known: Content-Length set, or TE: chunked asked).
            exchange = <ServerExchange?>connection
            server = exchange.server
            self._should_keep_alive = request._keep_alive
            self._keep_alive_timeout = server._keep_alive_timeout
            self._unique = exchange.unique_headers
            if server._max_requests:
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

    cdef int write_head(self, statusCode, statusMessage, headers) except -1:
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
            statusMessage = self._reason
        elif '\r' in statusMessage or '\n' in statusMessage:
            self._reason = statusMessage        # kept, as Node keeps it
            raise kit('ERR_INVALID_CHAR')('statusMessage')
        cdef int code = statusCode
        global last_status, last_status_line, last_status_reason
        if statusMessage is None and code == last_status:
            # The last status made, with Node's reason: its line again.
            line = last_status_line
            statusMessage = last_status_reason
        else:
            key = (statusCode, statusMessage)
            line = status_lines.get(key, False)
            if line is False:
                line_text = 'HTTP/1.1 %d %s\r\n' % (
                    statusCode, kit('STATUS_CODES').get(statusCode, 'unknown')
                    if statusMessage is None else statusMessage)
                try:
                    line = line_text.encode('latin-1')
                except UnicodeEncodeError:
                    line = None
                if len(status_lines) < 1024:
                    status_lines[key] = line
            if statusMessage is None:
                statusMessage = kit('STATUS_CODES').get(statusCode, 'unknown')
                last_status, last_status_line, last_status_reason = code, line, statusMessage
        self._reason = statusMessage
        if not self._headers:
            if not headers:
                pairs = EMPTY_TUPLE
            elif type(headers) is dict:
                pairs = tuple((<dict>headers).items())
            else:
                pairs = tuple(zip(headers[0::2], headers[1::2]))
        else:
            pairs = self._merged_headers(headers)
        if code == 204 or code == 304 or 100 <= code <= 199:
            self._has_body = False
        self.store_header(line, 'HTTP/1.1 %d %s' % (statusCode, statusMessage)
                          if line is None else None, pairs)
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
        cdef IncomingCore req = self.request(head)
        if body is not None:
            req.push(body)
        req.push_end(trailers)
        self.dispatch(req, head)

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
        cls = self.response_class
        cdef ResponseCore res
        if cls is default_response_class:
            res = <ResponseCore>(<PyTypeObject*>cls).tp_new(cls, <PyObject*>EMPTY_TUPLE, NULL)
            res.init(req, self)
        else:
            res = <ResponseCore?>cls(req, self)
        if self.current is None:
            self.current = res
            res.socket = self.socket
        else:
            self.queue.append(res)
        limit = server._max_requests
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
