# llhttp's callbacks for HTTPParser (http/parser.pyx, included just
# before this file, whose ``http_settings`` they fill): each copies what
# llhttp reports per byte range into the parser's C buffer, or marks a
# message's head, body or end for the owner's calls, with no Python call
# of its own.


cdef inline bint large_length_body(ll.llhttp_t* p) noexcept:
    # A Content-Length body (no chunking, no Transfer-Encoding) with at
    # least READ_INTO_BODY_MIN bytes to come: at the end of the head, the
    # whole body; within it, its rest.
    return (p.flags & ll.F_CONTENT_LENGTH and p.content_length >= READ_INTO_BODY_MIN
            and not p.flags & (ll.F_CHUNKED | ll.F_TRANSFER_ENCODING))


cdef inline HTTPParser parser_of(ll.llhttp_t* p):
    return <HTTPParser>p.data


cdef int on_message_begin(ll.llhttp_t* p) noexcept:
    cdef HTTPParser self = parser_of(p)
    self.buf_len = 0
    self.n_ends = 0
    self.header_nread = 0
    self.chunk_ext_nread = 0
    self.in_message = True
    self.head_done = False
    self.started = uv.uv_hrtime()
    return 0


cdef int on_first_line(ll.llhttp_t* p, const char* at, size_t length) noexcept:
    cdef HTTPParser self = parser_of(p)
    cdef int r = self.track(length)
    if r != 0:
        return r
    return self.append(at, length)


cdef inline int on_header_data(ll.llhttp_t* p, const char* at, size_t length) noexcept:
    cdef HTTPParser self = parser_of(p)
    cdef int r = self.track(length)
    if r != 0:
        return r
    if self.n_ends == 0 and self.mark() != 0:    # the url's or reason's end
        return -1
    return self.append(at, length)


cdef enum:
    HEADER_STATE_CONTENT_LENGTH = 2     # llhttp's header_state in that value


cdef int on_header_value(ll.llhttp_t* p, const char* at, size_t length) noexcept:
    # A tab after a Content-Length's digits: the vendored llhttp (9.4) takes
    # it as whitespace, Node 20's (9.3) refuses it at once, "Invalid
    # character in Content-Length" (its value span holds the digits and
    # what follows them, so any tab in it is that tab).
    cdef const char* tab
    if p.header_state == HEADER_STATE_CONTENT_LENGTH:
        tab = <const char*>memchr(at, 9, length)
        if tab != NULL:
            parser_of(p).refused_at = tab
            ll.llhttp_set_error_reason(
                p, "HPE_INVALID_CONTENT_LENGTH:Invalid character in Content-Length")
            return ll.HPE_USER
    return on_header_data(p, at, length)


cdef bint h11_refuses(HTTPParser self, ll.llhttp_t* p) noexcept:
    # HTTPParser.strict's refusals, each with the reason the 400 is for.
    # (The head's flags: a head known again from the memo was not read.)
    cdef int flags = (<tuple>self.head)[7]
    if p.http_major == 0:
        ll.llhttp_set_error_reason(p, "HPE_INVALID_VERSION:Invalid HTTP version")
    elif flags & NAME_TE_NOT_CHUNKED:
        ll.llhttp_set_error_reason(
            p, "HPE_INVALID_TRANSFER_ENCODING:Transfer-Encoding other than chunked")
    elif flags & NAME_HOST_AGAIN:
        ll.llhttp_set_error_reason(p, "HPE_INVALID_HEADER_TOKEN:Duplicate Host header")
    else:
        return False
    return True


cdef int on_mark(ll.llhttp_t* p) noexcept:
    return parser_of(p).mark()


cdef int on_headers_complete(ll.llhttp_t* p) noexcept:
    cdef HTTPParser self = parser_of(p)
    if self.n_ends == 0 and self.mark() != 0:    # a head without headers
        return -1
    try:
        build_head(self)
    except BaseException as exc:
        self.error = exc
        return -1
    if self.strict and not self.response and h11_refuses(self, p):
        self.head = None            # never handed over
        return ll.HPE_USER
    # Trailers, if any, are collected afresh after ends[0] (an empty url).
    self.header_nread = 0
    self.buf_len = 0
    self.n_ends = 0
    self.mark()
    self.head_done = True
    if self.response and (self.skip_body or p.status_code == 204 or p.status_code == 304
                          or (100 <= p.status_code < 200 and p.status_code != 101)):
        self.large_body = False
        return 1
    if not self.response and p.upgrade and upgrade_taken(self, p):
        # Node's parserOnIncoming answers 2: no body, the connection is the
        # upgrade's from the end of the head (ws then reads a body sent
        # with the upgrade request as frames, and refuses them).
        self.large_body = False
        return 2
    self.large_body = large_length_body(p)
    return 0


cdef bint upgrade_taken(HTTPParser self, ll.llhttp_t* p) noexcept:
    # A CONNECT, or an upgrade request the server takes (its _takes_upgrade):
    # one it does not take is a plain request, whose body is read as a body.
    # The answer is the exchange's for this head's dispatch, which asks no
    # more (the server's answer may log: --ws none's warning, said once).
    if not isinstance(self.owner, ServerExchange):
        return p.method == ll.HTTP_CONNECT
    cdef ServerExchange exchange = <ServerExchange>self.owner
    exchange.upgrade_taken = p.method == ll.HTTP_CONNECT
    if not exchange.upgrade_taken:
        try:
            exchange.upgrade_taken = bool(exchange.server._takes_upgrade((<tuple>self.head)[4]))
        except BaseException as exc:
            self.error = exc
    return exchange.upgrade_taken


cdef int on_body(ll.llhttp_t* p, const char* at, size_t length) noexcept:
    cdef HTTPParser self = parser_of(p)
    if length == 0:
        return 0
    if self.parse_at != NULL:      # the body's first byte, in the parse() the message began
        if self.large_body:
            self.head_size = at - self.parse_at
        self.parse_at = NULL
    try:
        if <Py_ssize_t>length == self.read_filled and at == uv.pyuvnet_bytes_data(self.read_buffer):
            self.read_filled = 0
            chunk = uv.pyuvnet_body_handover(&self.read_buffer, length)
        else:
            chunk = uv.pyuvnet_bytes_copy(at, length)
    except BaseException as exc:
        self.error = exc
        return -1
    if self.body is None:
        self.body = chunk
    elif type(self.body) is list:
        self.body.append(chunk)
    else:
        self.body = [self.body, chunk]
    return 0


cdef int on_message_complete(ll.llhttp_t* p) noexcept:
    cdef HTTPParser self = parser_of(p)
    trailers = raw_headers(self, 1) if self.n_ends > 1 else None
    self.in_message = False
    self.head_done = False
    self.parse_at = NULL            # a message after this one begins within the parse()
    if not self.large_body:
        self.head_size = 0
    # else as measured in on_body, or as before: its head was read alone
    # (head_size long) or in pieces
    self.started = 0
    cdef int r
    cdef bint whole = False         # all of it (and no body) in this llhttp_execute
    if self.head is not None:
        head, self.head = self.head, None
        body = self.take_body()
        whole = self.fresh and body is None and trailers is None
        r = self.call_exchange(CALL_MESSAGE, head, body, trailers)
    else:
        r = self.call_exchange(CALL_END, self.take_body(), trailers, None)
    self.fresh = False
    if r == 0 and self.source is not None and isinstance(self.owner, ServerExchange) \
            and (<ServerExchange>self.owner).paused:
        # The server stopped reading (its answers are not being read): the
        # next message waits too, unparsed (finish_feed puts it back).
        self.held = True
        return ll.HPE_PAUSED
    if r == 0 and whole:
        return learn_message(self, head)
    return r


cdef int on_chunk_extension(ll.llhttp_t* p, const char* at, size_t length) noexcept:
    cdef HTTPParser self = parser_of(p)
    self.chunk_ext_nread += length
    if self.chunk_ext_nread > MAX_CHUNK_EXTENSIONS:
        ll.llhttp_set_error_reason(
            p, "HPE_CHUNK_EXTENSIONS_OVERFLOW:Chunk extensions overflow")
        return ll.HPE_USER
    return 0


cdef int on_chunk_header(ll.llhttp_t* p) noexcept:
    cdef HTTPParser self = parser_of(p)
    self.header_nread = 0
    self.chunk_ext_nread = 0
    return 0


http_settings.on_message_begin = on_message_begin
http_settings.on_url = on_first_line
http_settings.on_status = on_first_line
http_settings.on_header_field = on_header_data
http_settings.on_header_value = on_header_value
http_settings.on_header_field_complete = on_mark
http_settings.on_header_value_complete = on_mark
http_settings.on_headers_complete = on_headers_complete
http_settings.on_body = on_body
http_settings.on_message_complete = on_message_complete
http_settings.on_chunk_extension_name = on_chunk_extension
http_settings.on_chunk_extension_value = on_chunk_extension
http_settings.on_chunk_header = on_chunk_header
http_settings.on_chunk_complete = on_chunk_header
