# The http2 wing's DATA frames without a copy of their payload, as Node's
# (nghttp2's NGHTTP2_DATA_FLAG_NO_COPY): over a plain socket (a Stream, not
# a TLSSocket) a DATA frame's 9-byte header is copied and its payload is
# not. H2Core.send() lays out what one call frames (session.pyx): nghttp2's
# own frames (copied: their memory is nghttp2's until its next call) and
# each DATA payload as a slice of the bytes the stream's write() was given;
# all of it leaves as one vector of uv_buf_t through the Stream's write path
# (send_bufs, uv/stream/write_requests.pyx), which counts it in the socket's
# writableLength and 'drain' as any write.
#
# Ownership: the written bytes stay in the stream's H2Outgoing until framed;
# then the H2DataSend's ``keep`` list holds them (and one bytes object with
# the copied frame bytes), and once handed to the Stream, the WriteRequest
# holds that list until libuv's write callback (cancelled by a close: still
# called once), so every buffer libuv points into is alive until then and
# freed then, with no gc needed. A payload leaves the session's
# maxSessionMemory count when framed, as a copied one leaves it.
from pyuvnet.uv.http2 cimport nghttp2 as ng
from libc.stdint cimport uint8_t, int32_t, uint32_t
from libc.stdlib cimport malloc, realloc, free

# A payload this long or longer leaves from the written bytes; a shorter
# one (a small answer's body) is copied into nghttp2's frame, which then
# joins its HEADERS in one buffer.
cdef size_t H2_NO_COPY_MIN = 4096
# How much one send() lays out before nghttp2 is paused (NGHTTP2_ERR_PAUSE):
# one writev of up to 64 frames of 16 KiB; the socket's backpressure is
# looked at between two.
cdef Py_ssize_t H2_DIRECT_BATCH = 1048576
# The padding of a padded frame (nghttp2 pads only when asked to).
cdef uint8_t H2_ZEROS[256]


ctypedef struct h2_piece:
    char* base          # into a payload's bytes; NULL: at ``offset`` of the copied frame bytes
    size_t offset
    size_t length


cdef class H2DataSend:
    """One send()'s frames for a Stream: the copied bytes of nghttp2's own
    frames and DATA headers, and the DATA payloads as slices of the bytes
    written (kept alive by ``keep``), in their order."""
    cdef StreamWrites stream
    cdef h2_piece* pieces
    cdef uv.uv_buf_t* bufs
    cdef Py_ssize_t count, room
    cdef uint8_t* copied
    cdef size_t copied_len, copied_room
    cdef list keep
    cdef H2Outgoing queue           # the queue h2_read_data left a frame's payload in
    cdef Py_ssize_t total           # bytes laid out
    cdef Py_ssize_t payload         # of which slices of written bytes

    def __cinit__(self, StreamWrites stream):
        self.stream = stream

    def __dealloc__(self):
        free(self.pieces)
        free(self.bufs)
        free(self.copied)

    cdef void reset(self):
        self.count = 0
        self.copied_len = 0
        self.keep = None
        self.queue = None
        self.total = 0
        self.payload = 0

    cdef h2_piece* new_piece(self) except NULL:
        cdef Py_ssize_t room
        if self.count == self.room:
            room = self.room * 2 or 32
            pieces = <h2_piece*>realloc(self.pieces, room * sizeof(h2_piece))
            if pieces is NULL:
                raise MemoryError()
            self.pieces = pieces
            bufs = <uv.uv_buf_t*>realloc(self.bufs, room * sizeof(uv.uv_buf_t))
            if bufs is NULL:
                raise MemoryError()
            self.bufs = bufs
            self.room = room
        self.count += 1
        return &self.pieces[self.count - 1]

    cdef int add_copy(self, const uint8_t* data, size_t n) except -1:
        """``n`` bytes copied (nghttp2's memory, or a DATA frame's header)."""
        cdef h2_piece* last = &self.pieces[self.count - 1] if self.count else NULL
        cdef size_t room
        cdef uint8_t* grown
        if self.copied_len + n > self.copied_room:
            room = max(self.copied_room * 2, self.copied_len + n, 1024)
            grown = <uint8_t*>realloc(self.copied, room)
            if grown is NULL:
                raise MemoryError()
            self.copied = grown
            self.copied_room = room
        memcpy(self.copied + self.copied_len, data, n)
        if last is not NULL and last.base is NULL:
            last.length += n        # right after the previous copied bytes
        else:
            last = self.new_piece()
            last.base = NULL
            last.offset = self.copied_len
            last.length = n
        self.copied_len += n
        self.total += n
        return 0

    cdef int add_slice(self, bytes data, size_t offset, size_t n) except -1:
        """``n`` bytes of ``data`` from ``offset``, not copied."""
        cdef h2_piece* piece = self.new_piece()
        piece.base = PyBytes_AS_STRING(data) + offset
        piece.length = n
        if self.keep is None:
            self.keep = [data]
        elif self.keep[-1] is not data:
            self.keep.append(data)
        self.total += n
        self.payload += n
        return 0

    cdef object finish(self, list more, H2Core core):
        """What send() gives its owner: the frames as bytes (joined: a
        copy) when there is no payload slice or the stream cannot be written
        now; else they are written to the stream here, with the write
        callbacks of ``core``'s chunks framed, and True while it takes
        more, False once its writableLength reached its mark ('drain'
        follows). ``more``: bytes to send after them."""
        cdef Py_ssize_t i, nbytes, count
        cdef bytes copied
        cdef list keep
        for data in more:
            self.add_copy(<const uint8_t*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
        copied = PyBytes_FromStringAndSize(<char*>self.copied, self.copied_len)
        for i in range(self.count):
            self.bufs[i].base = (self.pieces[i].base if self.pieces[i].base is not NULL
                                 else PyBytes_AS_STRING(copied) + self.pieces[i].offset)
            self.bufs[i].len = self.pieces[i].length
        count = self.count
        keep = self.keep
        nbytes = self.total
        if self.payload == 0:
            self.reset()
            return copied
        if not self.writable():
            # (The owner finds out why: a socket destroyed, still
            # connecting, corked.)
            copied = b''.join([PyBytes_FromStringAndSize(self.bufs[i].base, self.bufs[i].len)
                               for i in range(count)])
            self.reset()
            return copied
        keep.append(copied)
        self.reset()
        return h2_write_bufs(self.stream, self.bufs, count, keep, nbytes, core)

    cdef bint writable(self):
        """The stream takes a write straight to libuv now: connected and
        open, not corked, ended or destroyed."""
        cdef StreamWrites s = self.stream
        return (s.connected and s.is_open() and not s.corked and not s.ending
                and s.dropped is None and s.is_writable_state())


cdef bint h2_write_bufs(StreamWrites s, uv.uv_buf_t* bufs, Py_ssize_t n, list keep,
                        Py_ssize_t nbytes, H2Core core) except -1:
    """A write of ``n`` buffers (``nbytes`` in all, alive while ``keep``
    is) to ``s``, behind what its write() queued, counted as its flush()
    counts a write; False once writableLength reached the mark. The write
    callbacks of ``core``'s chunks framed are called once the kernel took
    all of it: now, or with the write request's callback."""
    cdef Py_ssize_t r
    cdef list callbacks = None
    cdef H2Written notice = None
    if core.sent:
        notice = h2_written(core)
        callbacks = [None] * (n - 1)
        callbacks.append(notice)
    send_owed(s)
    s.first_of_read = False     # this write was its first
    if s.write_queue:
        s.flush_now()           # what was written before leaves first
    s.bytes_written += nbytes
    s.inflight_bytes += nbytes
    s.writing_now = True        # 'drain' and errors' callbacks wait for a tick
    try:
        r = send_bufs(s, bufs, n, keep, callbacks, nbytes)
        if r < 0:
            s.inflight_bytes -= nbytes
            s.write_done(None, <int>r)
        elif r == nbytes:
            s.inflight_bytes -= nbytes
    finally:
        s.writing_now = False
    if notice is not None and (r < 0 or r == nbytes):
        # Taken at once (or failed, which Node's ClearOutgoing does not
        # tell the streams either): called back now, as Node's.
        notice.written(None)
    if s._idle is not None:
        s.loop.refresh_time()
        s.last_activity = uv.uv_now(s.loop.uvloop)
    if s.queued_bytes + s.inflight_bytes >= s.write_hwm:
        s.need_drain = True
        return False
    return True


@cython.final
cdef class H2Written(WriteNotice):
    """The write callbacks of the DATA chunks one send() framed whole:
    called, each with no error, once the socket's write of their frames is
    done, whatever its outcome, as Node's ClearOutgoing() calls its streams'
    writes back after its socket's write (so a stream's writableLength and
    'drain' wait for the peer to take the data: a JS Duplex as the socket
    calls back when its peer reads)."""
    cdef list callbacks

    cdef int written(self, object err) except -1:
        cdef list callbacks = self.callbacks
        self.callbacks = None
        return 0 if callbacks is None else h2_call_back(callbacks)


cdef inline int h2_call_back(list callbacks) except -1:
    for callback in callbacks:
        callback()
    return 0


cdef H2Written h2_written(H2Core core):
    """The notice that calls back ``core``'s chunks framed so far, taken
    from it (core.sent starts again empty)."""
    cdef H2Written notice = H2Written.__new__(H2Written)
    notice.callbacks, core.sent = core.sent, []
    return notice


cdef int h2_sent(H2Core core, H2DataSend sender) except -1:
    """send() gives frames back as bytes, which its owner writes: over a
    plain socket with no write request pending, the kernel takes them with
    this turn's writes, Node's write done at once, and the write callbacks
    of the chunks framed run now; otherwise they wait for that write
    (core.after_write)."""
    cdef list callbacks
    if sender is not None and sender.stream.write_reqs == 0:
        callbacks, core.sent = core.sent, []
        return h2_call_back(callbacks)
    core.after_write = h2_written(core)
    return 0


def h2_write_to(H2Core core, socket):
    """The session's frames go to ``socket`` with DATA payloads uncopied
    when it is a plain Stream (a TLSSocket encrypts them: a copy anyway);
    whether they do."""
    if isinstance(socket, StreamWrites):
        core.sender = H2DataSend(socket)
    return core.sender is not None


cdef int h2_take(H2Core core, int32_t stream_id, H2Outgoing queue, size_t length,
                 uint8_t* buf) except -1:
    """``length`` bytes of a stream's queued DATA, copied into ``buf``, or
    with ``buf`` NULL laid out uncopied in core.sender; each chunk taken
    whole gives its write callback to core.sent, and the stream's end
    (trailers wanted, end_data()'s callback) follows its last chunk."""
    cdef size_t taken = 0, take
    cdef bytes chunk
    while queue.first is not None:
        chunk = queue.first
        take = min(length - taken, <size_t>(PyBytes_GET_SIZE(chunk) - queue.offset))
        if take:
            if buf is NULL:
                core.sender.add_slice(chunk, queue.offset, take)
            else:
                memcpy(buf + taken, PyBytes_AS_STRING(chunk) + queue.offset, take)
            taken += take
            queue.offset += take
            queue.queued -= take
            core.queued_bytes -= take
        if queue.offset < PyBytes_GET_SIZE(chunk):
            break
        callback = queue.pop()
        queue.offset = 0
        if callback is not None:
            core.sent.append(callback)
    if queue.first is None and queue.eof:
        if queue.want_trailers:
            core.done.append(stream_id)
        if queue.final_callback is not None:
            core.done.append(queue.final_callback)
            queue.final_callback = None
        core.outgoing.pop(stream_id, None)
    return 0


cdef int h2_send_data(ng.nghttp2_session* session, ng.nghttp2_frame* frame,
                      const uint8_t* framehd, size_t length, ng.nghttp2_data_source* source,
                      void* user_data) noexcept:
    # A DATA frame h2_read_data left uncopied (NGHTTP2_DATA_FLAG_NO_COPY),
    # called by nghttp2 right after it, in the same send() (so the stream's
    # queue it hands over, in sender.queue, is the frame's): its header
    # (and padding, when padded) copied, its payload laid out as slices.
    cdef H2Core core = <H2Core>user_data
    cdef H2DataSend sender = core.sender
    cdef size_t padlen = frame.data.padlen
    cdef uint8_t pad_length
    cdef H2Outgoing queue
    if core.owner is None or sender is None or sender.queue is None:
        return ng.NGHTTP2_ERR_CALLBACK_FAILURE
    try:
        sender.add_copy(framehd, 9)
        if padlen:
            pad_length = <uint8_t>(padlen - 1)
            sender.add_copy(&pad_length, 1)
        queue, sender.queue = sender.queue, None
        h2_take(core, frame.hd.stream_id, queue, length, NULL)
        if padlen > 1:
            sender.add_copy(H2_ZEROS, padlen - 1)
    except BaseException as error:
        return h2_failed(core, error)
    if sender.total >= H2_DIRECT_BATCH:
        return ng.NGHTTP2_ERR_PAUSE
    return 0
