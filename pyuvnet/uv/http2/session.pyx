# The http2 wing: one nghttp2 session driven from memory (uv/http2/nghttp2.pxd).
#
# H2Core holds the nghttp2_session of one Http2Session (pyuvnet/http2/
# _session.py, its owner). The socket's reads go in through receive(); the
# frames nghttp2 makes come out of send(), which the owner writes to the
# socket while the socket takes them. Framing, HPACK and flow control run in
# nghttp2; nghttp2's callbacks (callbacks.pyx) gather a frame's pieces in C
# and call the owner once per stream event: a header block complete, a DATA
# chunk, a stream's end, a SETTINGS, PING or GOAWAY frame. A stream's close
# goes to the stream itself (the core holds the owner's streams by id), and
# a server's request becomes its stream here (server_streams.pyx).
#
# Ownership: nghttp2 gets the H2Core as its user_data. The core owns the
# session and deletes it once, in close() or in __dealloc__; nghttp2 calls
# back only from inside receive(), send() and the submit calls, which the
# core makes itself, so the core (and its owner, a strong reference) is alive
# in every callback. A close() from inside a callback (the owner destroyed
# on a GOAWAY, say) only drops the owner: nghttp2 is still running, so the
# session is deleted when receive() or send() returns, and the callbacks
# left stop nghttp2 at once. What the owner raises in a callback is kept
# and raised again once nghttp2 has returned.
from pyuvnet.uv.http2 cimport nghttp2 as ng
from libc.stdint cimport uint8_t, int32_t, uint32_t
from libc.stdlib cimport malloc, free

# How much send() frames at most before it hands the bytes to the owner: the
# socket's backpressure is looked at between two sends.
cdef Py_ssize_t H2_SEND_BATCH = 65536
# What each open stream counts against maxSessionMemory beside nghttp2's
# own allocations: Node 20 counts its Http2Stream object's size per stream,
# which makes it refuse new streams at about 15.6k held streams with the
# default 10 MB (some 635 bytes a stream; nghttp2's share is some 140).
cdef size_t H2_NODE_STREAM_SIZE = 494


class H2LibraryError(Exception):
    """An nghttp2 call failed: ``code`` is nghttp2's (negative) error code,
    the message nghttp2_strerror()'s text (Node's ERR_HTTP2_ERROR).  The
    codes the Python session tells apart are named here, from nghttp2.h."""

    PROTO = ng.NGHTTP2_ERR_PROTO                                # a peer's protocol error
    STREAM_ID_NOT_AVAILABLE = ng.NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE    # out of stream ids
    STREAM_CLOSED = ng.NGHTTP2_ERR_STREAM_CLOSED
    NOMEM = ng.NGHTTP2_ERR_NOMEM

    def __init__(self, int code):
        super().__init__(ng.nghttp2_strerror(code).decode('ascii'))
        self.code = code


@cython.final
cdef class H2Outgoing:
    """A stream's DATA waiting for nghttp2: the chunks written and the write
    callback of each, called once nghttp2 has framed the whole chunk. The
    oldest chunk is held alone: a deque only once a second one waits (a
    response's one body chunk makes none). Made by tp_new (__new__): no
    Python type call per response."""
    cdef bytes first            # the oldest chunk not framed whole (None: none waits)
    cdef object first_callback  # its write callback, or None
    cdef object rest            # deque of the chunks after it, or None until one came
    cdef object callbacks       # deque, one callback (or None) per chunk of rest; None
                                # while every one of those is None
    cdef Py_ssize_t offset      # how much of the first chunk went out
    cdef public Py_ssize_t queued   # bytes waiting
    cdef bint eof               # end() was called: END_STREAM after the last chunk
    cdef object final_callback
    cdef bint want_trailers     # the stream ends with trailers, not END_STREAM
    cdef bint deferred          # nghttp2 was told to wait (NGHTTP2_ERR_DEFERRED)

    cdef int push(self, bytes chunk, callback) except -1:
        if self.first is None:
            self.first = chunk
            self.first_callback = callback
            return 0
        if self.callbacks is None and callback is not None:
            # A None for each chunk of rest before this one.
            self.callbacks = deque([None] * (len(self.rest) if self.rest is not None else 0))
        if self.rest is None:
            self.rest = deque()
        self.rest.append(chunk)
        if self.callbacks is not None:
            self.callbacks.append(callback)
        return 0

    cdef object pop(self):
        """The first chunk was framed whole: the next is first; gives back
        the write callback of the one framed (or None)."""
        callback = self.first_callback
        if self.rest:
            self.first = self.rest.popleft()
            self.first_callback = self.callbacks.popleft() if self.callbacks is not None else None
        else:
            self.first = self.first_callback = None
        return callback


@cython.final
@cython.freelist(8)
cdef class H2HeaderBlock:
    """A header block being received: [name, value, ...], its size, and the
    names the peer sent never-indexed (None while there are none)."""
    cdef list fields
    cdef size_t size
    cdef list sensitive

    def __cinit__(self):
        self.fields = []


cdef class H2Core:
    cdef ng.nghttp2_session* session
    cdef object owner
    cdef dict receiving         # stream id -> [name, value, ...] of a header block
    cdef H2HeaderBlock header_block     # the block whose fields nghttp2 is giving (or None),
    cdef int32_t header_block_id        # for h2_on_header without a lookup per field
    cdef dict outgoing          # stream id -> H2Outgoing
    cdef list done              # end_data() callbacks (and streams wanting trailers) to call
    cdef list sent              # the write callbacks of the chunks send() framed whole,
                                # called once the socket has their frames (h2_sent)
    cdef readonly object after_write    # send()'s: the callback for the socket's
                                        # write of its frames, or None (H2Written)
    cdef object error           # what the owner raised in a callback
    cdef int depth              # receive()/send() running nghttp2 (callbacks may come)
    cdef readonly bint is_server
    cdef public bint request_bytes      # a request's fields kept as bytes (an ASGI server's)
    cdef H2RequestSink sink     # an app server's (request_sink.pxd), or None: the
                                # requests and their closes go there, not to the owner
    cdef readonly dict streams  # the owner's streams (its _streams): stream id -> its
                                # stream, or a request sink's handler
    cdef bint serving           # a server's (serve_streams()): its requests' streams are
                                # made in C (server_streams.pyx); else the owner's _h2_headers
    cdef object single_value    # serve_streams()'s rules of the requests' headers objects
    cdef object sensitive_key
    cdef size_t max_header_list_size    # a received block's size (HPACK decoded)
    cdef size_t max_header_pairs        # and its count of fields
    cdef size_t allocated               # what nghttp2 holds (h2_mem_*)
    cdef Py_ssize_t queued_bytes        # the bytes of every H2Outgoing's queue
    cdef size_t max_session_memory      # Node's maxSessionMemory, in bytes
    cdef H2FrameWatch watch             # reads each frame head first: PRIORITY, DATA past its
                                        # window, frames on closed streams (frame_watch.pyx)
    cdef bint watched                   # receive() is given bytes the watch has seen
    cdef size_t dropping                # the payload still to come of a DATA frame dropped
                                        # before nghttp2 read it (h2_drop_overrun)
    cdef H2ClosedStreams closed         # a server's: how the client's closed streams ended
    cdef readonly bint terminated       # told to end the session: nghttp2 sends no
                                        # RST_STREAM after that (h2_reset_ahead's then)
    cdef list raw_frames                # PRIORITY frames to write before nghttp2's (extensions.pyx)
    cdef H2DataSend sender              # send() writes DATA uncopied to the socket (data_send.pyx)
    cdef uint32_t invalid_frames        # Node's counts against maxSessionInvalidFrames
    cdef uint32_t max_invalid_frames
    cdef uint32_t rejected_streams      # and maxSessionRejectedStreams (limits.pyx)
    cdef uint32_t max_rejected_streams
    cdef int padding                    # Node's paddingStrategy: 1 aligned, 2 max; 0 none
                                        # (nghttp2 then has no padding callback to call)

    def __cinit__(self, owner, bint is_server, dict options):
        """A session for ``owner``; ``options``: peerMaxConcurrentStreams,
        maxReservedRemoteStreams, maxOutstandingAcks, maxSettings,
        maxSendHeaderBlockLength, maxHeaderTableSize (nghttp2's options),
        paddingStrategy (Node's, 1 or 2; else none)."""
        cdef ng.nghttp2_session_callbacks* callbacks
        cdef ng.nghttp2_option* option
        cdef ng.nghttp2_mem mem
        cdef int rc
        self.owner = owner
        self.is_server = is_server
        self.receiving = {}
        self.streams = {}
        self.outgoing = {}
        self.done = []
        self.sent = []
        self.max_header_list_size = options['maxHeaderListSize']
        self.max_header_pairs = options['maxHeaderListPairs']
        self.max_session_memory = options['maxSessionMemory']
        self.max_invalid_frames = options.get('maxSessionInvalidFrames', 1000)
        self.max_rejected_streams = options.get('maxSessionRejectedStreams', 100)
        mem.mem_user_data = <void*>&self.allocated
        mem.malloc = h2_mem_malloc
        mem.free = h2_mem_free
        mem.calloc = h2_mem_calloc
        mem.realloc = h2_mem_realloc
        self.watch = H2FrameWatch(is_server)
        self.raw_frames = []
        if ng.nghttp2_session_callbacks_new(&callbacks) != 0:
            raise MemoryError()
        if ng.nghttp2_option_new(&option) != 0:
            ng.nghttp2_session_callbacks_del(callbacks)
            raise MemoryError()
        ng.nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, h2_on_begin_headers)
        ng.nghttp2_session_callbacks_set_on_header_callback2(callbacks, h2_on_header)
        ng.nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, h2_on_frame_recv)
        ng.nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, h2_on_data_chunk)
        ng.nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, h2_on_stream_close)
        ng.nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, h2_on_frame_not_send)
        ng.nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, h2_on_invalid_frame)
        ng.nghttp2_session_callbacks_set_error_callback2(callbacks, h2_on_error)
        ng.nghttp2_session_callbacks_set_send_data_callback(callbacks, h2_send_data)
        self.padding = options.get('paddingStrategy', 0)
        if self.padding:
            ng.nghttp2_session_callbacks_set_select_padding_callback2(callbacks, h2_select_padding)
        # A stream's receive window opens as its reader takes its data
        # (consume()), not as nghttp2 parses it: a paused reader stops its
        # window (the connection's opens as the DATA comes, h2_on_data_chunk).
        ng.nghttp2_option_set_no_auto_window_update(option, 1)
        ng.nghttp2_option_set_peer_max_concurrent_streams(option, options['peerMaxConcurrentStreams'])
        ng.nghttp2_option_set_max_reserved_remote_streams(option, options['maxReservedRemoteStreams'])
        ng.nghttp2_option_set_max_outbound_ack(option, options['maxOutstandingAcks'])
        ng.nghttp2_option_set_max_settings(option, options['maxSettings'])
        ng.nghttp2_option_set_max_send_header_block_length(option, options['maxSendHeaderBlockLength'])
        ng.nghttp2_option_set_max_deflate_dynamic_table_size(option, options['maxHeaderTableSize'])
        if not is_server:
            # A server's ALTSVC and ORIGIN frames reach the owner ('altsvc', 'origin').
            ng.nghttp2_option_set_builtin_recv_extension_type(option, ng.NGHTTP2_ALTSVC)
            ng.nghttp2_option_set_builtin_recv_extension_type(option, ng.NGHTTP2_ORIGIN)
        if is_server:
            rc = ng.nghttp2_session_server_new3(&self.session, callbacks, <void*>self, option, &mem)
        else:
            rc = ng.nghttp2_session_client_new3(&self.session, callbacks, <void*>self, option, &mem)
        ng.nghttp2_option_del(option)
        ng.nghttp2_session_callbacks_del(callbacks)
        if rc != 0:
            self.session = NULL
            raise H2LibraryError(rc)
        if is_server:
            self.watch.session = self.session

    def __dealloc__(self):
        if self.session is not NULL:
            ng.nghttp2_session_del(self.session)
            self.session = NULL

    def close(self):
        """Frees the nghttp2 session now (not at the next gc), or, from
        inside one of its callbacks, as soon as nghttp2 returns; the core is
        dead afterwards. The streams' queued writes are dropped."""
        self.owner = None
        self.error = None
        self.sender = None
        self.sink = None
        self.outgoing.clear()
        self.queued_bytes = 0
        self.sent = []
        self.after_write = None
        self.receiving.clear()
        self.header_block = None
        if self.depth == 0:
            self.free_session()

    def serve_streams(self, single_value, sensitive_key):
        """A server's: each request's stream is made and given to the
        owner's 'stream' listeners from nghttp2's callback (server_streams.pyx),
        its headers object made as h2_headers_object(single_value,
        sensitive_key, fields, sensitive) makes it."""
        self.serving = True
        self.single_value = single_value
        self.sensitive_key = sensitive_key

    cdef free_session(self):
        if self.session is not NULL:
            self.watch.session = NULL
            ng.nghttp2_session_del(self.session)
            self.session = NULL

    cdef inline int check(self, int rc) except -1:
        if self.session is NULL or self.owner is None:
            raise H2LibraryError(ng.NGHTTP2_ERR_INVALID_STATE)
        if rc < 0:
            raise H2LibraryError(rc)
        return 0

    cdef int raise_pending(self) except -1:
        cdef object error = self.error
        if error is not None:
            self.error = None
            raise error
        return 0

    # -- bytes in, frames out ----------------------------------------------

    def receive(self, const uint8_t[:] data):
        """Feeds the bytes a socket read to nghttp2 (which calls the owner
        per stream event); raises H2LibraryError when the peer broke the
        protocol badly enough that the session must end (nghttp2 has queued
        the GOAWAY)."""
        cdef ng.nghttp2_ssize rc
        if self.session is NULL or self.owner is None or data.shape[0] == 0:
            return
        if not self.watched and h2_receive_priorities(self, data):
            return
        self.depth += 1
        try:
            rc = ng.nghttp2_session_mem_recv2(self.session, &data[0], data.shape[0])
        finally:
            self.depth -= 1
        if self.owner is None:      # closed by a callback
            self.free_session()
            return
        self.raise_pending()
        if rc < 0:
            raise H2LibraryError(<int>rc)

    def send(self):
        """The next frames to write (up to about 64 KiB), b'' when nghttp2
        has nothing to send; then the end_data() callbacks whose streams
        were framed to their end are called, and the owner's
        _h2_want_trailers for each stream whose data ran out before its
        trailers. With DATA payloads written uncopied (h2_write_to), those
        frames are written to the socket here instead: True, or False once
        the socket wants 'drain'. The write callbacks of the chunks framed
        wait for the socket's write of their frames, as Node's (h2_sent):
        for bytes given back, ``after_write`` is then the callback to write
        them with (None: there is none to wait for)."""
        cdef const uint8_t* data
        cdef ng.nghttp2_ssize n = 0
        cdef list parts = []
        cdef Py_ssize_t total = 0
        cdef list done
        cdef H2DataSend sender = self.sender
        self.after_write = None
        if self.depth:
            # Inside a callback nghttp2 may not send; the owner flushes after.
            return b''
        if sender is not None:
            sender.reset()
        if self.raw_frames:
            # PRIORITY frames first, between two of nghttp2's frame sequences
            # (HEADERS and its CONTINUATIONs leave in one): as nghttp2 queues
            # its own ahead of new streams' HEADERS, Node's peer hears a
            # request's PRIORITY before the request.
            for frame in self.raw_frames:
                if sender is not None:
                    sender.add_copy(<const uint8_t*>PyBytes_AS_STRING(frame),
                                    PyBytes_GET_SIZE(frame))
                else:
                    parts.append(frame)
            self.raw_frames = []
        while self.session is not NULL and self.owner is not None and total < H2_SEND_BATCH:
            self.depth += 1
            try:
                n = ng.nghttp2_session_mem_send2(self.session, &data)
            finally:
                self.depth -= 1
            if self.owner is None:
                self.free_session()
                return b''
            self.raise_pending()
            if n < 0:
                raise H2LibraryError(<int>n)
            if n == 0:
                break
            if sender is not None:
                sender.add_copy(data, n)
            else:
                parts.append(PyBytes_FromStringAndSize(<char*>data, n))
            total += n
        out = b''.join(parts) if sender is None else sender.finish(parts, self)
        if self.sent and out.__class__ is bytes:
            h2_sent(self, sender)
        if self.done:
            done, self.done = self.done, []
            for callback in done:
                if isinstance(callback, int):
                    if self.owner is not None:
                        self.owner._h2_want_trailers(callback)
                else:
                    callback()
        return out

    def wants(self):
        """(want_read, want_write): whether the session still reads, and has
        frames to send."""
        if self.session is NULL:
            return (False, False)
        return (bool(ng.nghttp2_session_want_read(self.session)),
                bool(ng.nghttp2_session_want_write(self.session)))

    # -- submitting ----------------------------------------------------------

    def submit_settings(self, list entries):
        """A SETTINGS frame of (id, value) pairs."""
        cdef Py_ssize_t n = len(entries), i
        cdef ng.nghttp2_settings_entry* iv = <ng.nghttp2_settings_entry*>malloc(
            sizeof(ng.nghttp2_settings_entry) * (n or 1))
        if iv is NULL:
            raise MemoryError()
        try:
            for i in range(n):
                iv[i].settings_id = entries[i][0]
                iv[i].value = entries[i][1]
            self.check(ng.nghttp2_submit_settings(self.session, ng.NGHTTP2_FLAG_NONE, iv, n)
                       if self.session is not NULL else 0)
        finally:
            free(iv)

    def submit_ping(self, bytes payload):
        """A PING of the 8 bytes given."""
        self.check(0)
        self.check(ng.nghttp2_submit_ping(self.session, ng.NGHTTP2_FLAG_NONE,
                                          <const uint8_t*><char*>payload))

    def submit_goaway(self, uint32_t code, int32_t last_stream_id, bytes opaque):
        """A GOAWAY; last_stream_id < 0: the last stream nghttp2 processed."""
        self.check(0)
        if last_stream_id < 0:
            last_stream_id = ng.nghttp2_session_get_last_proc_stream_id(self.session)
        self.check(ng.nghttp2_submit_goaway(
            self.session, ng.NGHTTP2_FLAG_NONE, last_stream_id, code,
            <const uint8_t*><char*>opaque, len(opaque)))

    def terminate(self, uint32_t code):
        """Ends the session with a GOAWAY of ``code``: nghttp2 ignores what
        the peer sends after it, and wants() is (False, False) once it left."""
        self.check(0)
        self.terminated = True
        self.check(ng.nghttp2_session_terminate_session(self.session, code))

    def memory(self):
        """What the session holds, as Node counts it against
        maxSessionMemory: nghttp2's own allocations, the data written and
        not yet framed, and Node's size of a stream per open stream."""
        return self.held()

    cdef inline size_t held(self) noexcept:
        # (Kept as the queues change: summed here, it cost a pass over
        # every stream's queue per stream opened; a C call, read per stream.)
        return (self.allocated + <size_t>self.queued_bytes
                + <size_t>len(self.streams) * H2_NODE_STREAM_SIZE)

    def submit_rst_stream(self, int32_t stream_id, uint32_t code):
        self.check(0)
        self.check(ng.nghttp2_submit_rst_stream(self.session, ng.NGHTTP2_FLAG_NONE, stream_id, code))

    def submit_request(self, list headers, bint end_stream):
        """A request's HEADERS; gives back the new stream's id. Unless
        end_stream, the stream's body follows through write()/end_data()."""
        cdef int32_t stream_id
        cdef ng.nghttp2_data_provider2 provider
        self.check(0)
        provider.source.ptr = NULL
        provider.read_callback = h2_read_data
        stream_id = with_nv(headers, self.session, 0, 0, NULL if end_stream else &provider)
        self.check(stream_id)
        if not end_stream:
            self.outgoing[stream_id] = H2Outgoing.__new__(H2Outgoing)
        return stream_id

    def submit_response(self, int32_t stream_id, list headers, bint end_stream):
        """A response's HEADERS (or an informational one, 1xx, with
        ``end_stream`` None-like: see submit_headers)."""
        self.respond(stream_id, headers, end_stream)

    cdef int respond(self, int32_t stream_id, list headers, bint end_stream) except -1:
        cdef ng.nghttp2_nv* nva = h2_nv_array(headers)
        try:
            self.respond_nv(stream_id, nva, len(headers), end_stream)
        finally:
            free(nva)
        return 0

    cdef int respond_nv(self, int32_t stream_id, const ng.nghttp2_nv* nva, size_t n,
                        bint end_stream) except -1:
        """respond()'s submit of a head already laid out (nghttp2 copies it)."""
        cdef ng.nghttp2_data_provider2 provider
        self.check(0)
        provider.source.ptr = NULL
        provider.read_callback = h2_read_data
        if not end_stream:
            key = stream_id     # (the dict's key, made once)
            if key not in self.outgoing:
                self.outgoing[key] = H2Outgoing.__new__(H2Outgoing)
        self.check(ng.nghttp2_submit_response2(self.session, stream_id, nva, n,
                                               NULL if end_stream else &provider))
        return 0

    def submit_headers(self, int32_t stream_id, list headers):
        """A HEADERS frame without END_STREAM (1xx, additionalHeaders())."""
        self.check(0)
        self.check(with_nv(headers, self.session, 2, stream_id, NULL))

    def submit_trailers(self, int32_t stream_id, list headers):
        """The trailing HEADERS, with END_STREAM; no headers end the stream
        with an empty DATA instead, as Node does."""
        cdef ng.nghttp2_data_provider2 provider
        cdef H2Outgoing queue
        self.check(0)
        if headers:
            self.check(with_nv(headers, self.session, 3, stream_id, NULL))
            return
        h2_drop_queue(self, stream_id)
        queue = H2Outgoing.__new__(H2Outgoing)
        queue.eof = True
        self.outgoing[stream_id] = queue
        provider.source.ptr = NULL
        provider.read_callback = h2_read_data
        self.check(ng.nghttp2_submit_data2(self.session, ng.NGHTTP2_FLAG_END_STREAM,
                                           stream_id, &provider))

    def write(self, stream_id, bytes chunk, callback):
        """Queues a DATA chunk; ``callback()`` once nghttp2 framed all of it.
        (``stream_id``, an int, is the queues' key as given: no int made
        again per call.)"""
        return self.queue_chunk(stream_id, chunk, callback)

    cdef bint queue_chunk(self, object stream_id, bytes chunk, callback) except -1:
        cdef H2Outgoing queue = self.outgoing.get(stream_id)
        if queue is None or queue.eof:
            return False
        queue.push(chunk, callback)
        queue.queued += len(chunk)
        self.queued_bytes += len(chunk)
        self.resume(stream_id, queue)
        return True

    def end_data(self, stream_id, callback, bint want_trailers):
        """No more DATA: END_STREAM after what is queued (or, with
        want_trailers, the owner's _h2_want_trailers); ``callback()`` then
        (``stream_id`` as write()'s)."""
        return self.end_queue(stream_id, callback, want_trailers)

    cdef bint end_queue(self, object stream_id, callback, bint want_trailers) except -1:
        cdef H2Outgoing queue = self.outgoing.get(stream_id)
        if queue is None:
            return False
        queue.eof = True
        queue.final_callback = callback
        queue.want_trailers = want_trailers
        self.resume(stream_id, queue)
        return True

    cdef resume(self, object stream_id, H2Outgoing queue):
        if queue.deferred and self.session is not NULL:
            queue.deferred = False
            ng.nghttp2_session_resume_data(self.session, stream_id)

    def consume(self, int32_t stream_id, size_t size):
        """``size`` bytes of a stream's DATA were taken by its reader: the
        stream's window opens by as much."""
        self.give_back(stream_id, size)

    cdef inline int give_back(self, int32_t stream_id, size_t size) except -1:
        if self.session is not NULL and size:
            ng.nghttp2_session_consume_stream(self.session, stream_id, size)
        return 0

    def queued(self, int32_t stream_id):
        """Bytes written on a stream that nghttp2 has not framed yet."""
        return self.queued_on(stream_id)

    cdef Py_ssize_t queued_on(self, int32_t stream_id) except -1:
        cdef H2Outgoing queue = self.outgoing.get(stream_id)
        return 0 if queue is None else queue.queued

    # -- state ---------------------------------------------------------------

    def local_setting(self, int id):
        self.check(0)
        return ng.nghttp2_session_get_local_settings(self.session, id)

    def remote_setting(self, int id):
        self.check(0)
        return ng.nghttp2_session_get_remote_settings(self.session, id)

    def state(self):
        """Node's session.state fields, from nghttp2."""
        self.check(0)
        s = self.session
        return {
            'effectiveLocalWindowSize': ng.nghttp2_session_get_effective_local_window_size(s),
            'effectiveRecvDataLength': ng.nghttp2_session_get_effective_recv_data_length(s),
            'nextStreamID': ng.nghttp2_session_get_next_stream_id(s),
            'localWindowSize': ng.nghttp2_session_get_local_window_size(s),
            'lastProcStreamID': ng.nghttp2_session_get_last_proc_stream_id(s),
            'remoteWindowSize': ng.nghttp2_session_get_remote_window_size(s),
            'outboundQueueSize': ng.nghttp2_session_get_outbound_queue_size(s),
            'deflateDynamicTableSize': ng.nghttp2_session_get_hd_deflate_dynamic_table_size(s),
            'inflateDynamicTableSize': ng.nghttp2_session_get_hd_inflate_dynamic_table_size(s),
        }

    def stream_state(self, int32_t stream_id):
        """Node's stream.state, read as its RefreshState() reads it: idle (1)
        and zeros for a stream nghttp2 does not hold (yet); its
        localWindowSize is, as Node's, nghttp2's remote window."""
        cdef ng.nghttp2_stream* stream = NULL
        if self.session is not NULL:
            stream = ng.nghttp2_session_find_stream(self.session, stream_id)
        if stream is NULL:
            return {'state': 1, 'weight': 0, 'sumDependencyWeight': 0, 'localClose': 0,
                    'remoteClose': 0, 'localWindowSize': 0}
        return {
            'state': ng.nghttp2_stream_get_state(stream),
            'weight': ng.nghttp2_stream_get_weight(stream),
            'sumDependencyWeight': ng.nghttp2_stream_get_sum_dependency_weight(stream),
            'localClose': ng.nghttp2_session_get_stream_local_close(self.session, stream_id),
            'remoteClose': ng.nghttp2_session_get_stream_remote_close(self.session, stream_id),
            'localWindowSize': ng.nghttp2_session_get_stream_remote_window_size(self.session, stream_id),
        }

