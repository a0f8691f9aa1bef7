# HTTPParser as a Stream's sink (stream/readable.pyx's take_sink, set by
# HTTPParser.data_listener): the functions a socket's read path calls in C,
# one to parse a read where libuv left it, one to offer libuv the buffer
# the next read lands in (a large body's own bytes object, or a head's
# length: http/parser.pyx says why).


cdef int feed_parser(object parser, const char* data, Py_ssize_t size) except -1:
    # Stream's sink function (stream/readable.pyx): a raw read, for the parser.
    return (<HTTPParser>parser).parse_read(data, size)


cdef char* parser_read_buffer(object parser, size_t* size) noexcept:
    # A Stream's sink buffer (stream/readable.pyx): inside a Content-Length
    # body with at least READ_INTO_BODY_MIN bytes to come, the next read
    # lands in a bytes object of the body's rest (a chunk at most), so all
    # of it is body and on_body hands that object on uncopied (unless the
    # read brought the byte after the body too: then it is copied).  The parser
    # keeps it until then (or until its next offer, or its end): libuv
    # writes into it until the read callback.  Between messages, after
    # such a body, the read is of the last head's length: a client that
    # repeats its head (most do) has its next body read that way too.  A
    # guess that misses costs a read, never a byte: whatever lands where,
    # llhttp parses it there, and on_body hands over only a whole read.
    cdef HTTPParser self = <HTTPParser>parser
    cdef ll.llhttp_t* p = &self.parser
    if not self.in_message:
        if 0 < self.head_size < <Py_ssize_t>size[0]:
            size[0] = <size_t>self.head_size
        return NULL
    if (not self.head_done or self.stopped or not large_length_body(p)
            or ll.llhttp_get_errno(p) != ll.HPE_OK):
        return NULL
    # A byte over the body's last piece: the read that brings the body's
    # end alone is then short of the buffer, and libuv does not read again
    # (to find nothing: it reads on only after a read filled its buffer).
    if p.content_length <= <uint64_t>uv.PYUVNET_CHUNK_SIZE:
        size[0] = <size_t>p.content_length + 1
    else:
        size[0] = uv.PYUVNET_CHUNK_SIZE
    return uv.pyuvnet_read_body(&self.read_buffer, size[0])
