# HTTPParser: llhttp (Node's parser, vendor/llhttp) bound for pyuvnet.http.
#
# The parser is fed each chunk a connection reads (``feed`` is the socket's
# sole 'data' listener, so the read callback calls it with no Python
# bytecode in between).  On a TCP or pipe socket it is the stream's sink
# (``data_listener``): while ``feed`` is the sole listener and the socket
# flows, llhttp parses the loop's read buffer where libuv left it, in
# Node's 64 KiB chunks, with no chunk made; a body's bytes are copied once,
# into the bytes its 'data' gives, or not at all: in a Content-Length body
# the parser has libuv read straight into a bytes object
# (``parser_read_buffer``, http/parser_sink.pyx), which becomes the 'data'
# chunk; after such a body, the next message's head is read alone (a read
# of the last head's length), so that its body too lands in a bytes
# object; a server's head read so waits for the read right after it, and
# goes with its body as one whole message when that read brings it
# (``head_waits``).  Everything
# llhttp reports per byte range (the URL, each header name and value) is
# copied into one C buffer, with no Python call; the owner is called once
# per message head, once per read that carried body bytes, and once when
# the message ends (a server's ServerExchange as C, with no Python frame).
# A whole message in one read (a GET, or a POST whose body came with it) is
# one call: ``_on_message``; a request repeated byte for byte is known again
# by its bytes, without llhttp (http/parser_memo.pyx).
#
# The owner (the server's or the client's per-connection object) gets:
#   _on_message(head, body, trailers)  a whole message within one feed()
#   _on_head(head)                     a head whose message goes on
#   _on_body(chunk)                    the body bytes of one feed()
#   _on_message_end(body, trailers)    the rest of the body, and the end
#   _on_upgrade(rest)                  an upgrade (or CONNECT) request or 101
#                                      answer ended; rest: the bytes after it
#   _on_parse_error(code, reason, nparsed, raw)   Node's HPE_* code, the
#                                      bytes of the chunk parsed; the parser
#                                      is done after it
# ``head`` is (method or status code, url or status message, major, minor,
# raw headers [name, value, ...], should_keep_alive, upgrade, name flags:
# HTTP_NAME_HOST | HTTP_NAME_EXPECT when a Host or Expect header is there); ``body`` is
# bytes, a list of bytes (a read that carried several spans of a chunked
# body: one each, as llhttp's on_body gives them to Node's 'data'), or
# None; ``trailers`` a raw list or None.
#
# Limits as Node's binding (src/node_http_parser.cc): the bytes of the
# request or status line and the headers (and of the trailers) reaching
# max_header_size is HPE_HEADER_OVERFLOW; a chunk's extensions over 16 KiB
# HPE_CHUNK_EXTENSIONS_OVERFLOW.  No lenient flag is set unless the owner
# asks for Node's insecureHTTPParser (``insecure``), which sets them all.

from pyuvnet.uv.http cimport llhttp as ll
from cpython.ref cimport PyObject, Py_CLEAR
from cpython.unicode cimport PyUnicode_DecodeLatin1

cdef extern from "Python.h":
    int PyUnicode_KIND(object s)
    void* PyUnicode_DATA(object s)
    Py_ssize_t PyUnicode_GET_LENGTH(object s)
    int PyUnicode_1BYTE_KIND
from libc.stdlib cimport realloc, free
from libc.string cimport memchr, memcmp

DEF MAX_CHUNK_EXTENSIONS = 16384
# A body's rest from which reads land in a bytes object of their own
# (parser_read_buffer).  Such a read stops at the body's end, so the next
# request's bytes come with a read of their own: worth it where the copy it
# saves (about a microsecond per 10 KiB) outweighs that system call.
# After a message with a body that long, the next head is read alone, for
# the same trade: one more read for the body's copy.
DEF READ_INTO_BODY_MIN = 16384
# The most a parser keeps of its last head, or of its last message, to
# know them again (http/parser_memo.pyx).
DEF HEAD_MEMO_MAX = 2048
DEF HEAD_MEMO_KEY = 8               # Py_ssize_t's of a head's key: see build_head
# What the parser calls its owner for (HTTPParser.call_exchange).
cdef enum:
    CALL_MESSAGE
    CALL_HEAD
    CALL_BODY
    CALL_END

cdef ll.llhttp_settings_t http_settings
ll.llhttp_settings_init(&http_settings)

cdef class HTTPParser:
    """One connection's llhttp parser, requests (``response=False``) or
    responses (``response=True``)."""

    cdef ll.llhttp_t parser
    cdef object owner
    cdef readonly bint response
    # The head (or trailers) being read: bytes in buf, and per field and
    # value its end offset in ends (ends[0]: the url's or reason's end).
    cdef char* buf
    cdef Py_ssize_t buf_len, buf_cap
    cdef Py_ssize_t* ends
    cdef Py_ssize_t n_ends, ends_cap
    cdef size_t header_nread
    cdef size_t chunk_ext_nread
    cdef int name_flags             # NAME_HOST | NAME_EXPECT ...: what the last raw_headers() saw
    cdef public bint strict
    """Refuse what uvicorn's h11 refuses and llhttp takes: HTTP/0.9, two
    Host headers, a Transfer-Encoding other than one "chunked" (the ASGI
    and WSGI servers'; Node's http takes them)."""
    cdef public size_t max_header_size
    cdef Py_ssize_t headers_limit   # maxHeadersCount as a limit (0: none)
    cdef Py_ssize_t limited         # what the last raw_headers() cut at maxHeadersCount (0: none)
    cdef readonly Py_ssize_t headers_count
    """The pairs of the last head that its ``headers`` take (0: all of
    its raw headers): maxHeadersCount, when its raw headers are more."""
    cdef readonly bint in_message
    """True from a message's first byte until its end."""
    cdef readonly bint head_done
    """True from the end of a message's head until the message's end."""
    cdef object head            # built at headers complete, not yet handed over
    cdef object body            # this feed()'s body: None, one bytes, or a list of them
    cdef PyObject* read_buffer  # owned, or NULL: the bytes offered to the next read
    cdef Py_ssize_t read_filled # what the read being parsed put there (0: it is elsewhere)
    # Reading a head alone (parser_read_buffer): the length of the last
    # message's head, measured where it began a parse() (parse_at) and its
    # body followed in it, kept while messages have a large Content-Length
    # body (large_body).
    cdef const char* parse_at   # this parse()'s first byte, while a message may begin there
    cdef Py_ssize_t head_size   # the next head's read (0: no head read alone)
    cdef bint large_body        # this message's body is large_length_body()
    cdef Stream source          # the stream whose sink this parser is, or None
    cdef object error           # an exception a callback into the owner raised
    cdef const char* refused_at # where a callback of ours found the error it
                                # returned (llhttp's error_pos is its span's end)
    cdef readonly bint stopped
    cdef bint held              # the owner stopped reading: parsing waits (hold_here)
    # A server's head read alone whose large body comes next (parse_read):
    # the head waits for that read, so that a body that follows at once
    # makes one whole message with it (one call, the request complete).
    cdef bint head_alone        # this parse is of such a read
    """True once stop() was called or a parse error was reported."""
    cdef uint64_t started           # uv_hrtime() at the message's start, 0 between messages
    cdef public bint skip_body
    """A response to HEAD (or a 1xx/204/304 the client knows) has no body."""
    # The strs the last head was made of, by position (0: the url or
    # reason): a keep-alive client mostly repeats its header lines, and
    # an equal str is reused rather than decoded again.  A server's
    # parsers share one list (ServerSettings.strs): clients mostly send
    # the same lines, so a new connection's first head finds them too.
    cdef list last_strs
    # What the parser knows again (http/parser_memo.pyx): the last head
    # made, and the last whole message without a body, as bytes.
    cdef object memo_head
    cdef Py_ssize_t* memo       # memo_head's key, then ends[:n_ends], then buf[:buf_len]
    cdef Py_ssize_t memo_cap    # bytes at memo
    cdef Py_ssize_t memo_count  # headers_count with memo_head
    cdef bint head_repeated     # the last head was memo_head again
    cdef bint fresh             # this llhttp_execute began between messages
    cdef bint learning          # paused after a message to keep its bytes (next_*)
    cdef object next_head
    cdef Py_ssize_t next_count
    cdef char* raw              # the message's bytes
    cdef Py_ssize_t raw_len, raw_cap
    cdef object raw_head        # its head
    cdef Py_ssize_t raw_count, raw_limit    # headers_count and headers_limit with it
    cdef size_t raw_max_size    # max_header_size with it

    @property
    def max_headers_count(self):
        """Node's maxHeadersCount: the headers a head's ``headers`` take
        (its rawHeaders see ``node_raw_pairs``); set None for Node's 1000,
        0 (or less) for no limit.  Reads the limit (0: none)."""
        return self.headers_limit

    @max_headers_count.setter
    def max_headers_count(self, count):
        self.headers_limit = headers_limit_of(count)

    def __cinit__(self, owner, bint response=False, size_t max_header_size=16384,
                  max_headers_count=None, bint insecure=False, list strs=None):
        ll.llhttp_init(&self.parser, ll.HTTP_RESPONSE if response else ll.HTTP_REQUEST,
                       &http_settings)
        if insecure:
            set_lenient(&self.parser)
        self.parser.data = <void*>self
        self.owner = owner
        self.response = response
        self.max_header_size = max_header_size
        self.headers_limit = headers_limit_of(max_headers_count)
        self.last_strs = [] if strs is None else strs
        # As Node: a new connection counts as a message begun (a client
        # that sends nothing is cut by headersTimeout too).
        self.started = uv.uv_hrtime()

    def __dealloc__(self):
        free(self.buf)
        free(self.ends)
        free(self.memo)
        free(self.raw)
        Py_CLEAR(self.read_buffer)

    # -- collecting the head in C ------------------------------------------

    cdef int append(self, const char* at, size_t length) noexcept:
        cdef Py_ssize_t need = self.buf_len + <Py_ssize_t>length
        cdef char* grown
        if need > self.buf_cap:
            grown = <char*>realloc(self.buf, need * 2 + 256)
            if grown == NULL:
                return -1
            self.buf = grown
            self.buf_cap = need * 2 + 256
        memcpy(self.buf + self.buf_len, at, length)
        self.buf_len = need
        return 0

    cdef int mark(self) noexcept:
        cdef Py_ssize_t* grown
        if self.n_ends == self.ends_cap:
            grown = <Py_ssize_t*>realloc(self.ends, (self.ends_cap * 2 + 16) * sizeof(Py_ssize_t))
            if grown == NULL:
                return -1
            self.ends = grown
            self.ends_cap = self.ends_cap * 2 + 16
        self.ends[self.n_ends] = self.buf_len
        self.n_ends += 1
        return 0

    cdef int track(self, size_t length) noexcept:
        self.header_nread += length
        if self.header_nread >= self.max_header_size:
            ll.llhttp_set_error_reason(&self.parser, "HPE_HEADER_OVERFLOW:Header overflow")
            return ll.HPE_USER
        return 0

    cdef object take_body(self):
        body = self.body
        self.body = None
        return body

    # -- llhttp's callbacks --------------------------------------------------

    cdef int call_owner(self, str name, tuple args) noexcept:
        """Calls the owner; an exception is kept for feed() to raise, and
        stops the parse as stop() does."""
        if self.owner is None:          # stop()ped: nobody to call
            self.stopped = True
            return ll.HPE_PAUSED
        try:
            getattr(self.owner, name)(*args)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.stopped = True
        return ll.HPE_PAUSED if self.stopped else 0

    cdef int call_exchange(self, int call, a, b, c) noexcept:
        """call_owner for what comes per message and per read of body:
        ``call`` (CALL_MESSAGE: a, b, c = head, body, trailers; CALL_HEAD:
        a = head; CALL_BODY: a = the chunk; CALL_END: a, b = body,
        trailers), called as C for a server's connection (a ServerExchange)."""
        cdef ServerExchange exchange
        if not isinstance(self.owner, ServerExchange):
            if call == CALL_MESSAGE:
                return self.call_owner('_on_message', (a, b, c))
            if call == CALL_HEAD:
                return self.call_owner('_on_head', (a,))
            if call == CALL_BODY:
                return self.call_owner('_on_body', (a,))
            return self.call_owner('_on_message_end', (a, b))
        exchange = <ServerExchange>self.owner
        try:
            if call == CALL_MESSAGE:
                exchange.on_message(a, b, c)
            elif call == CALL_HEAD:
                exchange.on_head(a)
            elif call == CALL_BODY:
                exchange.on_body(a)
            else:
                exchange.on_message_end(a, b)
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.stopped = True
        return ll.HPE_PAUSED if self.stopped else 0

    # -- feeding -------------------------------------------------------------

    def feed(self, bytes data not None):
        """Parses one chunk the connection read; the owner is called as the
        module comment says.  Raises what a callback into the owner raised."""
        if self.stopped:
            return
        self.parse(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
        self.read_done()

    cdef int parse(self, const char* start, Py_ssize_t size) except -1:
        """feed()'s work on ``size`` bytes at ``start``, which stay put
        until it returns: the messages it knows again as bytes are handed
        over as they are (parser_memo.pyx), the rest goes through llhttp."""
        cdef ll.llhttp_errno_t err = ll.HPE_OK
        cdef const char* at = start
        cdef const char* end = start + size
        cdef const char* pos
        while True:
            if self.raw_len and not self.in_message:
                at += repeat_messages(self, at, end - at)
                if self.stopped or (at == end and size):
                    break
            self.parse_at = NULL if self.in_message else at
            self.fresh = not self.in_message
            err = ll.llhttp_execute(&self.parser, at, end - at)
            self.parse_at = NULL
            self.fresh = False
            if err != ll.HPE_PAUSED or not self.learning:
                break
            # Paused after a message to keep it (learn_message).
            self.learning = False
            pos = ll.llhttp_get_error_pos(&self.parser)
            ll.llhttp_resume(&self.parser)
            err = ll.HPE_OK
            keep_message(self, at, pos - at)
            at = pos
            if at == end or self.stopped:
                break
        return self.finish_feed(err, start, size)

    def data_listener(self, socket):
        """The 'data' listener to put on ``socket`` (``feed``); a TCP or
        pipe socket's reads then come to the parser unmade while it is the
        sole listener (the stream's sink, see the module comment), until
        ``release()``."""
        cdef Stream stream
        listener = self.feed
        if isinstance(socket, Stream):
            stream = <Stream>socket
            stream.take_sink(self, listener, feed_parser, parser_read_buffer)
            self.source = stream
        return listener

    def release(self):
        """The parser's socket is no longer read for it: it stops being
        the stream's sink (a socket an agent keeps, or an upgrade's)."""
        cdef Stream stream = self.source
        if stream is not None:
            self.source = None
            stream.drop_sink(self)

    cdef int parse_read(self, const char* data, Py_ssize_t size) except -1:
        """The stream's sink: a whole read where libuv left it, parsed in
        Node's chunks of at most 64 KiB as feed() would get them (what a
        chunk's listeners write leaves after the read, the stream's cut).
        Once the parser is not the sink that flows (a listener paused the
        socket, or an upgrade took it), the read's rest goes on as the
        stream's chunks, where they would have gone."""
        cdef Stream stream = self.source
        cdef Py_ssize_t start = 0, n
        if self.head is not None and (size == 0 or data != uv.pyuvnet_bytes_data(self.read_buffer)):
            # The head kept for its body's read, and this is not that read
            # (none came: size 0): the head goes on alone, as it came.
            try:
                self.finish_feed(ll.HPE_OK, NULL, 0)
            except BaseException as exc:
                stream.loop.report(exc)
        if size == 0:
            return 0
        # A read into the offered bytes (at most a chunk, all body): on_body
        # takes that bytes object as it is.
        self.read_filled = size if data == uv.pyuvnet_bytes_data(self.read_buffer) else 0
        self.head_alone = (size == self.head_size and not self.in_message
                           and isinstance(self.owner, ServerExchange))
        while start < size and not stream._destroyed:
            n = min(size - start, uv.PYUVNET_CHUNK_SIZE)
            stream.bytes_read += n      # as each chunk goes out (stream/read_callbacks.pyx)
            try:
                if (stream.sink is self and sink_fed(stream)
                        and not stream.loop.cut_turn_short()):
                    if not self.stopped:
                        self.parse(data + start, n)
                else:
                    stream.deliver_cut(data + start, n)
            except BaseException as exc:
                stream.loop.report(exc)
            start += n
        self.read_filled = 0
        self.head_alone = False
        if size == self.head_size and self.in_message and not self.head_done:
            # A head read alone was not the whole head: read normally
            # until a message measures it again.
            self.head_size = 0
        self.read_done()
        return 0

    cdef int read_done(self) except -1:
        """A read was parsed: a server connection sends what its requests
        answered (ServerExchange.read_answered)."""
        if isinstance(self.owner, ServerExchange):
            (<ServerExchange>self.owner).read_answered()
        return 0

    def finish(self):
        """The connection's end of input: completes a message that ends at
        EOF (a response with neither Content-Length nor chunking); a message
        cut short is a parse error."""
        if self.stopped:
            return
        self.finish_feed(ll.llhttp_finish(&self.parser), NULL, 0)

    cdef int finish_feed(self, ll.llhttp_errno_t err, const char* start,
                         Py_ssize_t size) except -1:
        cdef const char* pos
        cdef Py_ssize_t nparsed = 0
        if self.error is None and not self.stopped:
            # What this read brought of a message that goes on.
            if self.head is not None and not self.head_waits(err):
                head, self.head = self.head, None
                self.call_exchange(CALL_HEAD, head, None, None)
            if self.body is not None and not self.stopped:
                self.call_exchange(CALL_BODY, self.take_body(), None, None)
        if self.error is not None:
            exc, self.error = self.error, None
            raise exc
        if err == ll.HPE_OK or self.stopped:
            return 0
        if start != NULL:
            pos = ll.llhttp_get_error_pos(&self.parser)
            if self.refused_at != NULL:
                pos, self.refused_at = self.refused_at, NULL
            nparsed = pos - start if pos != NULL else 0
        if err == ll.HPE_PAUSED and self.held:
            # What follows the held message goes back in front of the
            # socket's unread input, for when it reads again.
            self.held = False
            ll.llhttp_resume(&self.parser)
            if nparsed < size:
                self.source._unshift(uv.pyuvnet_bytes_copy(start + nparsed, size - nparsed))
            return 0
        if err == ll.HPE_PAUSED_UPGRADE:
            # The owner either takes the connection over (stop()) or, with
            # no one to take it, feeds the rest back: it is HTTP again.
            ll.llhttp_resume_after_upgrade(&self.parser)
            rest = uv.pyuvnet_bytes_copy(start + nparsed, size - nparsed) \
                if start != NULL else b''
            self.call_owner('_on_upgrade', (rest,))
        else:
            self.stopped = True
            reason = (ll.llhttp_get_error_reason(&self.parser) or b'').decode('latin-1')
            if err == ll.HPE_USER:
                code, _, reason = reason.partition(':')
            else:
                code = ll.llhttp_errno_name(err).decode('ascii')
            # Node's rawPacket: the chunk being parsed (at EOF, none).
            raw = uv.pyuvnet_bytes_copy(start, size) if start != NULL else b''
            self.call_owner('_on_parse_error', (code, reason, nparsed, raw))
        if self.error is not None:
            exc, self.error = self.error, None
            raise exc
        return 0

    cdef bint head_waits(self, ll.llhttp_errno_t err):
        """Whether the head this read brought waits for the next read (see
        ``head_alone``): it came alone, whole, with nothing of its large
        Content-Length body.  libuv reads again at once after a read that
        filled its buffer, as this one did: parse_read hands the head over
        then, with the body if that read brought it, else alone (a read
        of nothing, size 0, included: the stream's read callback passes it
        on); EOF (finish) and stop() end the wait too."""
        return (self.head_alone and err == ll.HPE_OK and self.head_done
                and self.large_body and self.body is None and not self.stopped
                and not (<tuple>self.head)[6])

    def message_age(self):
        """Milliseconds since the current message began (or, before the
        first, since the parser was made); -1 between messages."""
        if self.started == 0:
            return -1
        return (uv.uv_hrtime() - self.started) / 1e6

    def stop(self):
        """No more callbacks: the rest of the current read and every later
        feed() are ignored (the connection is going away or was taken over
        by an upgrade)."""
        self.stopped = True
        self.head = None
        self.body = None
        # Our owner and our stream (we are its sink) hold us: the cycles
        # are broken here.
        self.owner = None
        self.release()
