# The http2 wing's nghttp2 callbacks (H2Core is in session.pyx): the pieces
# of a frame gathered in C (a header block, field by field, against the
# session's limits), one call to the owner per stream event, and a stream's
# DATA copied from its write queue into nghttp2's frame.
from pyuvnet.uv.http2 cimport nghttp2 as ng
from libc.stdint cimport uint8_t, int32_t, uint32_t
from libc.string cimport memcmp
from cpython.unicode cimport PyUnicode_GET_LENGTH

cdef extern from "Python.h":
    const void* PyUnicode_DATA(object text)

# Each is called by nghttp2 from inside an H2Core method (user_data is that
# core, alive for the call). A Python error is kept in core.error and nghttp2
# told to stop (NGHTTP2_ERR_CALLBACK_FAILURE); the method raises it.

cdef inline int h2_failed(H2Core core, error) noexcept:
    if core.error is None:
        core.error = error
    return ng.NGHTTP2_ERR_CALLBACK_FAILURE


cdef inline int h2_drop_queue(H2Core core, object stream_id) except -1:
    # A stream's queue goes, with what it held from core.held()'s count.
    cdef H2Outgoing queue = core.outgoing.pop(stream_id, None)
    if queue is not None:
        core.queued_bytes -= queue.queued
    return 0


cdef int h2_on_begin_headers(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                             void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    try:
        # As Node: a new stream while the session holds more than
        # maxSessionMemory is refused (RST_STREAM ENHANCE_YOUR_CALM) and
        # never reaches the owner.
        if (core.is_server and frame.headers.cat == ng.NGHTTP2_HCAT_REQUEST
                and core.held() > core.max_session_memory):
            if h2_count_rejected(core):
                return ng.NGHTTP2_ERR_CALLBACK_FAILURE
            ng.nghttp2_submit_rst_stream(session, ng.NGHTTP2_FLAG_NONE, frame.hd.stream_id,
                                         ng.NGHTTP2_ENHANCE_YOUR_CALM)
            return ng.NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
        if core.is_server and frame.headers.cat == ng.NGHTTP2_HCAT_REQUEST:
            core.rejected_streams = 0
        # (A block's fields come one after the other, after this call.)
        # (Made by its type's tp_new: no Python type call per stream.)
        core.header_block = core.receiving[h2_block_id(frame)] = H2HeaderBlock.__new__(
            H2HeaderBlock)
        core.header_block_id = h2_block_id(frame)
    except BaseException as error:
        return h2_failed(core, error)
    return 0


# The names of HPACK's static table come in nghttp2's static buffers,
# whose bytes never move: each is decoded once and its str kept (its hash
# computed once, then, for the dicts it keys), in a small cache indexed by
# the buffer's address. Other names are decoded each time.
cdef enum:
    H2_NAME_SLOTS = 128
cdef const uint8_t* h2_name_bases[H2_NAME_SLOTS]
cdef size_t h2_name_lens[H2_NAME_SLOTS]
cdef PyObject* h2_name_texts[H2_NAME_SLOTS]     # owned references


cdef object h2_header_name(ng.nghttp2_rcbuf* name, ng.nghttp2_vec n):
    cdef size_t slot
    if not ng.nghttp2_rcbuf_is_static(name):
        return (<char*>n.base)[:n.len].decode('latin-1')
    slot = (<size_t>n.base >> 3) % H2_NAME_SLOTS
    if h2_name_bases[slot] == n.base and h2_name_lens[slot] == n.len:
        return <object>h2_name_texts[slot]
    text = (<char*>n.base)[:n.len].decode('latin-1')
    Py_INCREF(text)
    Py_XDECREF(h2_name_texts[slot])
    h2_name_texts[slot] = <PyObject*>text
    h2_name_bases[slot] = n.base
    h2_name_lens[slot] = n.len
    return text


# Values are kept the same way, by their buffer's address, but each is
# checked byte for byte before it is used again: a dynamic-table entry's
# buffer goes once the entry is evicted, and its address may then hold
# another value. A client's repeated values (its method, scheme, authority,
# path) are then one str each, not decoded per request. Never-indexed
# values (the peer's secrets) are not kept.
cdef enum:
    H2_VALUE_SLOTS = 64
    H2_VALUE_MOST = 128     # longer values are decoded each time
cdef const uint8_t* h2_value_bases[H2_VALUE_SLOTS]
cdef PyObject* h2_value_texts[H2_VALUE_SLOTS]     # owned references


cdef object h2_header_value(ng.nghttp2_vec v, uint8_t flags):
    cdef size_t slot
    cdef PyObject* kept
    if v.len > H2_VALUE_MOST or flags & ng.NGHTTP2_NV_FLAG_NO_INDEX:
        return (<char*>v.base)[:v.len].decode('latin-1')
    slot = (<size_t>v.base >> 3) % H2_VALUE_SLOTS
    kept = h2_value_texts[slot]
    # (A str decoded from latin-1 holds one byte per character: its bytes.)
    if (kept != NULL and h2_value_bases[slot] == v.base
            and <size_t>PyUnicode_GET_LENGTH(<object>kept) == v.len
            and memcmp(PyUnicode_DATA(<object>kept), v.base, v.len) == 0):
        return <object>kept
    text = (<char*>v.base)[:v.len].decode('latin-1')
    Py_INCREF(text)
    Py_XDECREF(kept)
    h2_value_texts[slot] = <PyObject*>text
    h2_value_bases[slot] = v.base
    return text


cdef int h2_on_header(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                      ng.nghttp2_rcbuf* name, ng.nghttp2_rcbuf* value, uint8_t flags,
                      void* user_data) noexcept:
    # Names are lowercase ASCII (nghttp2 checks); values are read as latin-1,
    # a str per byte, as Node reads them (bytes for core.request_bytes).
    cdef H2Core core = <H2Core>user_data
    cdef ng.nghttp2_vec n = ng.nghttp2_rcbuf_get_buf(name)
    cdef ng.nghttp2_vec v = ng.nghttp2_rcbuf_get_buf(value)
    cdef H2HeaderBlock block
    cdef int32_t block_id
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    try:
        block_id = h2_block_id(frame)
        if core.header_block is not None and core.header_block_id == block_id:
            block = core.header_block
        else:
            block = core.receiving.get(block_id)
            if block is None:
                return 0
        # As Node: each field counts its name, value and 32 bytes; a block
        # over maxHeaderListSize or maxHeaderListPairs resets its stream
        # with ENHANCE_YOUR_CALM, and what it held is dropped (an HPACK
        # bomb decodes into nothing kept).
        block.size += n.len + v.len + 32
        if block.size > core.max_header_list_size or len(block.fields) // 2 >= core.max_header_pairs:
            del core.receiving[block_id]
            core.header_block = None
            ng.nghttp2_submit_rst_stream(session, ng.NGHTTP2_FLAG_NONE, block_id,
                                         ng.NGHTTP2_ENHANCE_YOUR_CALM)
            return ng.NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
        if (core.request_bytes and frame.hd.type == ng.NGHTTP2_HEADERS
                and frame.headers.cat == ng.NGHTTP2_HCAT_REQUEST):
            # For the session's request sink, which puts them in an ASGI
            # scope as bytes: no str made and encoded back (nor the
            # sensitive names, which no scope carries).
            block.fields.append(PyBytes_FromStringAndSize(<char*>n.base, n.len))
            block.fields.append(PyBytes_FromStringAndSize(<char*>v.base, v.len))
            return 0
        block.fields.append(h2_header_name(name, n))
        block.fields.append(h2_header_value(v, flags))
        if flags & ng.NGHTTP2_NV_FLAG_NO_INDEX:
            if block.sensitive is None:
                block.sensitive = []
            block.sensitive.append(block.fields[-2])
    except BaseException as error:
        return h2_failed(core, error)
    return 0


cdef int h2_on_frame_recv(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                          void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    cdef int32_t stream_id = frame.hd.stream_id
    cdef uint8_t t = frame.hd.type
    cdef bint end_stream = (frame.hd.flags & ng.NGHTTP2_FLAG_END_STREAM) != 0
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    core.header_block = None        # (any block received is whole by now)
    try:
        if t == ng.NGHTTP2_HEADERS:
            key = stream_id     # (the dicts' key, made once)
            block = core.receiving.pop(key, None)
            if block is None:
                pass
            elif core.sink is not None and frame.headers.cat == ng.NGHTTP2_HCAT_REQUEST:
                # An app server's request: to its sink, with no Python
                # call of the owner's (request_sink.pxd).
                core.sink.on_request(stream_id, (<H2HeaderBlock>block).fields, end_stream)
            elif core.serving and frame.headers.cat == ng.NGHTTP2_HCAT_REQUEST:
                # A core-API server's request: its stream, made and emitted
                # in C (server_streams.pyx).
                h2_stream_request(core, key, <H2HeaderBlock>block, end_stream)
            else:
                core.owner._h2_headers(stream_id, frame.headers.cat,
                                       (<H2HeaderBlock>block).fields, end_stream,
                                       (<H2HeaderBlock>block).sensitive)
        elif t == ng.NGHTTP2_DATA:
            if end_stream:
                if core.sink is None or not core.sink.on_end(stream_id):
                    core.owner._h2_end(stream_id)
            elif frame.hd.length == 0 and h2_count_invalid(core):
                return ng.NGHTTP2_ERR_CALLBACK_FAILURE
        elif t == ng.NGHTTP2_SETTINGS:
            if frame.hd.flags & ng.NGHTTP2_FLAG_ACK:
                core.owner._h2_settings(True, ())
            else:
                core.owner._h2_settings(False, h2_custom_settings(frame))
        elif t == ng.NGHTTP2_PING:
            core.owner._h2_ping(bool(frame.hd.flags & ng.NGHTTP2_FLAG_ACK),
                                (<char*>frame.ping.opaque_data)[:8])
        elif t == ng.NGHTTP2_GOAWAY:
            core.owner._h2_goaway(frame.goaway.error_code, frame.goaway.last_stream_id,
                                  (<char*>frame.goaway.opaque_data)[:frame.goaway.opaque_data_len]
                                  if frame.goaway.opaque_data_len else b'')
        elif t == ng.NGHTTP2_RST_STREAM:
            core.closed.peer_reset = stream_id     # (its close comes next)
            core.owner._h2_rst_stream(stream_id, frame.rst_stream.error_code)
        elif t == ng.NGHTTP2_PUSH_PROMISE or t == ng.NGHTTP2_ALTSVC or t == ng.NGHTTP2_ORIGIN:
            h2_on_extra_frame(core, frame)
    except BaseException as error:
        return h2_failed(core, error)
    return 0


cdef int h2_on_data_chunk(ng.nghttp2_session* session, uint8_t flags, int32_t stream_id,
                          const uint8_t* data, size_t length, void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    cdef bytes chunk
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    # As Node's: the connection's window opens as the DATA comes, a
    # stream's as its reader takes it (give_back()), so a paused reader
    # holds its stream, not the connection.
    ng.nghttp2_session_consume_connection(session, length)
    try:
        chunk = PyBytes_FromStringAndSize(<const char*>data, length)
        # An app server's request body goes to its sink, with no Python
        # call of the owner's (request_sink.pxd).
        if core.sink is None or not core.sink.on_data(stream_id, chunk):
            core.owner._h2_data(stream_id, chunk)
    except BaseException as error:
        return h2_failed(core, error)
    return 0


cdef int h2_on_stream_close(ng.nghttp2_session* session, int32_t stream_id, uint32_t code,
                            void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    cdef H2Outgoing queue
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    try:
        key = stream_id     # (the dicts' key, made once)
        core.receiving.pop(key, None)
        core.header_block = None
        h2_drop_queue(core, key)
        if core.is_server:
            h2_closed_on_close(&core.closed, session, stream_id)
        if core.sink is None or not core.sink.on_close(stream_id, code):
            # The stream's own _on_close(code), found here: no call of the
            # owner's per stream.
            stream = core.streams.get(key)
            if stream is not None:
                stream._on_close(code)
    except BaseException as error:
        return h2_failed(core, error)
    return 0


cdef uint32_t h2_frame_error_code(int lib_error) noexcept:
    # As Node 20's OnFrameNotSent: 'frameError' gives the HTTP/2 code of
    # nghttp2's error (RFC 9113 section 7), not nghttp2's own.
    if lib_error == ng.NGHTTP2_ERR_STREAM_CLOSED:
        return ng.NGHTTP2_STREAM_CLOSED
    if lib_error == ng.NGHTTP2_ERR_HEADER_COMP:
        return ng.NGHTTP2_COMPRESSION_ERROR
    if lib_error == ng.NGHTTP2_ERR_FRAME_SIZE_ERROR:
        return ng.NGHTTP2_FRAME_SIZE_ERROR
    if lib_error == ng.NGHTTP2_ERR_FLOW_CONTROL:
        return ng.NGHTTP2_FLOW_CONTROL_ERROR
    if lib_error == ng.NGHTTP2_ERR_REFUSED_STREAM:
        return ng.NGHTTP2_REFUSED_STREAM
    if (lib_error == ng.NGHTTP2_ERR_PROTO or lib_error == ng.NGHTTP2_ERR_HTTP_HEADER
            or lib_error == ng.NGHTTP2_ERR_HTTP_MESSAGING):
        return ng.NGHTTP2_PROTOCOL_ERROR
    return ng.NGHTTP2_INTERNAL_ERROR


cdef int h2_on_frame_not_send(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                              int lib_error, void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    # As Node's OnFrameNotSent: a frame left unsent because its stream or
    # the session is closing is no error (a response to a request the
    # client cancelled in the same read: the session goes on).
    if (lib_error == ng.NGHTTP2_ERR_STREAM_CLOSED or lib_error == ng.NGHTTP2_ERR_STREAM_CLOSING
            or lib_error == ng.NGHTTP2_ERR_SESSION_CLOSING):
        return 0
    try:
        core.owner._h2_frame_error(frame.hd.type, h2_frame_error_code(lib_error),
                                   frame.hd.stream_id)
    except BaseException as error:
        return h2_failed(core, error)
    return 0


cdef int h2_on_invalid_frame(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                             int lib_error, void* user_data) noexcept:
    cdef H2Core core = <H2Core>user_data
    core.receiving.pop(h2_block_id(frame), None)
    core.header_block = None
    if lib_error == ng.NGHTTP2_ERR_REFUSED_STREAM and core.is_server:
        # Refused before nghttp2 made it a stream: its DATA may still come.
        h2_closed_note(&core.closed, frame.hd.stream_id, H2_CLOSED_BY_SERVER)
    if h2_count_invalid(core):
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    # DATA past its content-length: the nghttp2 Node 20 carries resets the
    # stream without calling here, and so does Node.
    if frame.hd.type == ng.NGHTTP2_DATA and lib_error == ng.NGHTTP2_ERR_PROTO:
        return 0
    if h2_over_stream_bound(core, session, frame, lib_error):
        # Node 20 sends INTERNAL_ERROR here; issue 70 asks ENHANCE_YOUR_CALM.
        # Queued first, it is the one GOAWAY: nghttp2's own PROTOCOL_ERROR
        # then finds the session terminating and queues none.
        h2_end_session(core, session, lib_error, ng.NGHTTP2_ENHANCE_YOUR_CALM)
    elif (lib_error < ng.NGHTTP2_ERR_FATAL or lib_error == ng.NGHTTP2_ERR_PROTO
            or lib_error == ng.NGHTTP2_ERR_STREAM_CLOSED or lib_error == ng.NGHTTP2_ERR_FLOW_CONTROL):
        h2_end_as_node(core, session, lib_error)
    return 0


cdef ng.nghttp2_ssize h2_select_padding(ng.nghttp2_session* session, const ng.nghttp2_frame* frame,
                                        size_t max_payloadlen, void* user_data) noexcept:
    # Node's paddingStrategy, set only when one was given: MAX pads each
    # HEADERS and DATA frame to the most nghttp2 allows; ALIGNED (and
    # CALLBACK, its alias in Node 20) to a multiple of 8 bytes with the
    # 9-byte head, or to that most when it is less.
    cdef H2Core core = <H2Core>user_data
    cdef size_t length = frame.hd.length
    cdef size_t over = (length + 9) % 8
    if core.padding == 2:
        return max_payloadlen
    if over == 0:
        return length
    return min(max_payloadlen, length + 8 - over)


cdef ng.nghttp2_ssize h2_read_data(ng.nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                                   size_t length, uint32_t* data_flags,
                                   ng.nghttp2_data_source* source, void* user_data) noexcept:
    # DATA for one stream: what its writes queued (at most the flow-control
    # window nghttp2 allows), copied into nghttp2's frame, or left where it
    # is for h2_send_data (data_send.pyx). An empty queue not yet ended
    # defers the stream until write()/end_data().
    cdef H2Core core = <H2Core>user_data
    cdef H2Outgoing queue
    cdef size_t n
    if core.owner is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    try:
        queue = core.outgoing.get(stream_id)
        if queue is None:
            data_flags[0] |= ng.NGHTTP2_DATA_FLAG_EOF
            return 0
        n = min(length, <size_t>queue.queued)
        if n == <size_t>queue.queued and queue.eof:
            data_flags[0] |= ng.NGHTTP2_DATA_FLAG_EOF
            if queue.want_trailers:
                data_flags[0] |= ng.NGHTTP2_DATA_FLAG_NO_END_STREAM
        if core.sender is not None and n >= H2_NO_COPY_MIN:
            data_flags[0] |= ng.NGHTTP2_DATA_FLAG_NO_COPY
            core.sender.queue = queue
            return n
        h2_take(core, stream_id, queue, n, buf)
        if n == 0 and not queue.eof:
            queue.deferred = True
            return ng.NGHTTP2_ERR_DEFERRED
    except BaseException as error:
        h2_failed(core, error)
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    return n
