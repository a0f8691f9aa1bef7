# The WebSocket receiver (RFC 6455) for pyuvnet.ws: it parses a connection's
# reads into messages, in C, with frames.pyx's validation and unmasking.
#
# WsReceiver is fed each read of an upgraded socket.  On a TCP or pipe
# socket it is the stream's sink (``data_listener``), so that a read is
# parsed where libuv left it, with no chunk made; elsewhere (a TLS socket)
# its ``feed`` is the 'data' listener.  Per frame nothing in Python runs:
# a whole message is unmasked into the bytes that 'message' gives, emitted
# on the WebSocket (an EventEmitter) from C.  The rare events go to the
# WebSocket's methods:
#   _on_control(opcode, data)        a ping (9) or pong (10)
#   _on_conclude(code, reason)       a close frame; nothing is parsed after it
#   _on_receiver_error(message, code, status, range_error)
#                                    ws's receiver error; nothing after it
#   _on_compressed(data, is_binary)  a whole permessage-deflate message
#                                    (compressed), for zlib in Python
# A binary message is bytes, or (``binary_type``, the WebSocket's binaryType,
# read at a message's first frame) a bytearray (1, 'arraybuffer') or the list
# of its frames' non-empty payloads (2, 'fragments'), as ws's receiver.
# The checks, their order and their messages are ws v8's lib/receiver.js
# (pinned in tests/ws/test_ws_receiver.py).

from libc.stdlib cimport realloc, free
from libc.string cimport memmove
from libc.stdint cimport uint8_t, uint32_t

# A receiver's buffer larger than this is freed once empty, so that an idle
# connection does not keep a large message's worth.
DEF WS_KEEP_CAP = 65536

WS_EVENT_MESSAGE = 'message'


cdef class WsReceiver:
    """One WebSocket connection's frame parser (see the comment above)."""

    cdef EventEmitter ws                # the WebSocket: 'message' is emitted on it from C
    cdef object owner                   # the same, for its Python methods
    cdef readonly bint is_server
    cdef public bint deflate            # permessage-deflate was negotiated
    cdef public bint skip_utf8
    cdef public object max_payload      # 0: none (a Python int, compared in C below)
    cdef unsigned long long max_payload_c
    cdef Py_ssize_t max_fragments
    cdef readonly bint stopped          # a close frame or an error: nothing more parsed
    # The WebSocket is paused: no frame is parsed until resume_parsing();
    # what a read brought past the last one waits in ``buf``, so that a
    # paused connection holds one read, not the messages it would make.
    cdef public bint held
    cdef bint parsing                   # inside parse(): a resume there is its loop's
    # Bytes read but not parsed yet (a frame's beginning).
    cdef uint8_t* buf
    cdef Py_ssize_t buf_len, buf_cap
    # The fragments of the message so far (unmasked).
    cdef uint8_t* msg
    cdef Py_ssize_t msg_len, msg_cap
    # The frame whose header has been read, awaiting its payload.
    cdef bint in_payload
    cdef bint fin
    cdef int opcode
    cdef unsigned long long payload_len
    cdef bint masked
    cdef uint8_t key[4]
    # The message being read.
    cdef int fragmented                 # its opcode while fragmented, else 0
    cdef bint compressed
    cdef unsigned long long total       # its payload so far
    cdef Py_ssize_t fragments
    cdef int msg_type                   # binary_type when the message began
    cdef list parts                     # its frames' payloads, for 'fragments'
    cdef public int binary_type         # 0 bytes, 1 bytearray, 2 list of frames
    cdef Stream source

    def __cinit__(self, EventEmitter ws, bint is_server, max_payload=0, bint deflate=False,
                  bint skip_utf8=False, Py_ssize_t max_fragments=0):
        self.ws = ws
        self.owner = ws
        self.is_server = is_server
        self.max_payload = max_payload
        self.max_payload_c = max_payload if max_payload > 0 else 0
        self.deflate = deflate
        self.skip_utf8 = skip_utf8
        self.max_fragments = max_fragments

    def __dealloc__(self):
        free(self.buf)
        free(self.msg)

    def data_listener(self, socket):
        """The 'data' listener to put on ``socket`` (``feed``); a TCP or
        pipe socket's reads come to the receiver unmade while it is the
        sole listener, until ``release()``."""
        cdef Stream stream
        listener = self.feed
        if isinstance(socket, Stream):
            stream = <Stream>socket
            stream.take_sink(self, listener, feed_ws, NULL)
            self.source = stream
        return listener

    def release(self):
        """Reads no longer come here; the WebSocket is let go (the cycle
        through it broken) and the buffers are freed."""
        cdef Stream stream = self.source
        self.stop()
        if stream is not None:
            self.source = None
            stream.drop_sink(self)

    def stop(self):
        """Nothing more is parsed: what waits for the rest of a frame or a
        message is freed now, not when the WebSocket and this receiver,
        which refer to each other, are collected (a 100 MiB partial
        message held until the next cyclic collection)."""
        self.stopped = True
        self.drop_buffers()

    cdef void drop_buffers(self) noexcept:
        free(self.buf)
        self.buf = NULL
        self.buf_len = self.buf_cap = 0
        free(self.msg)
        self.msg = NULL
        self.msg_len = self.msg_cap = 0
        self.parts = None

    def feed(self, data):
        """Parses one chunk the connection read."""
        cdef const uint8_t[::1] view = data
        if self.stopped or view.shape[0] == 0:
            return
        self.parse(&view[0], view.shape[0])

    def resume_parsing(self):
        """No longer held: the frames that waited are parsed now."""
        self.held = False
        if self.buf_len and not self.parsing and not self.stopped:
            self.parse(self.buf, 0)

    cdef int grow(self, uint8_t** area, Py_ssize_t* cap, Py_ssize_t need) except -1:
        cdef Py_ssize_t size = cap[0] if cap[0] else 4096
        cdef uint8_t* grown
        if need <= cap[0]:
            return 0
        while size < need:
            size *= 2
        grown = <uint8_t*>realloc(area[0], size)
        if grown == NULL:
            raise MemoryError()
        area[0] = grown
        cap[0] = size
        return 0

    cdef int parse(self, const uint8_t* data, Py_ssize_t size) except -1:
        cdef const uint8_t* p
        cdef Py_ssize_t n, used = 0
        if self.buf_len:
            self.grow(&self.buf, &self.buf_cap, self.buf_len + size)
            memcpy(self.buf + self.buf_len, data, size)
            self.buf_len += size
            p = self.buf
            n = self.buf_len
        else:
            p = data
            n = size
        self.parsing = True
        try:
            used = self.frames(p, n)
        finally:
            self.parsing = False
            # What was parsed is gone even when a listener raised.
            if p == <const uint8_t*>self.buf:
                if used < n:
                    memmove(self.buf, self.buf + used, n - used)
                self.buf_len = n - used
            elif used < n and not self.stopped:
                self.grow(&self.buf, &self.buf_cap, n - used)
                memcpy(self.buf, p + used, n - used)
                self.buf_len = n - used
            if self.buf_len == 0 and self.buf_cap > WS_KEEP_CAP:
                free(self.buf)
                self.buf = NULL
                self.buf_cap = 0
        return 0

    cdef int fail(self, str message, str code, int status, bint prefix, bint range_error) except -1:
        self.stopped = True
        self.drop_buffers()
        if prefix:
            message = 'Invalid WebSocket frame: ' + message
        self.owner._on_receiver_error(message, code, status, range_error)
        return 0

    cdef Py_ssize_t frames(self, const uint8_t* p, Py_ssize_t n) except -1:
        """Parses the frames in ``n`` bytes at ``p``; returns how many it used."""
        cdef Py_ssize_t pos = 0, head
        cdef uint8_t b0, b1
        cdef int opcode
        cdef bint compressed
        cdef unsigned long long length
        cdef uint32_t high
        while not self.stopped:
            if not self.in_payload:
                if n - pos < 2 or self.held:
                    break
                b0 = p[pos]
                b1 = p[pos + 1]
                if b0 & 0x30:
                    self.fail('RSV2 and RSV3 must be clear', 'WS_ERR_UNEXPECTED_RSV_2_3', 1002, True, True)
                    break
                compressed = (b0 & 0x40) != 0
                if compressed and not self.deflate:
                    self.fail('RSV1 must be clear', 'WS_ERR_UNEXPECTED_RSV_1', 1002, True, True)
                    break
                opcode = b0 & 0x0F
                length = b1 & 0x7F
                if opcode == 0:
                    if compressed:
                        self.fail('RSV1 must be clear', 'WS_ERR_UNEXPECTED_RSV_1', 1002, True, True)
                        break
                    if not self.fragmented:
                        self.fail('invalid opcode 0', 'WS_ERR_INVALID_OPCODE', 1002, True, True)
                        break
                elif opcode == 1 or opcode == 2:
                    if self.fragmented:
                        self.fail('invalid opcode %d' % opcode, 'WS_ERR_INVALID_OPCODE', 1002, True, True)
                        break
                elif 8 <= opcode <= 10:
                    if not b0 & 0x80:
                        self.fail('FIN must be set', 'WS_ERR_EXPECTED_FIN', 1002, True, True)
                        break
                    if compressed:
                        self.fail('RSV1 must be clear', 'WS_ERR_UNEXPECTED_RSV_1', 1002, True, True)
                        break
                    if length > 125 or (opcode == 8 and length == 1):
                        self.fail('invalid payload length %d' % length,
                                  'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002, True, True)
                        break
                else:
                    self.fail('invalid opcode %d' % opcode, 'WS_ERR_INVALID_OPCODE', 1002, True, True)
                    break
                if self.is_server and not b1 & 0x80:
                    self.fail('MASK must be set', 'WS_ERR_EXPECTED_MASK', 1002, True, True)
                    break
                if not self.is_server and b1 & 0x80:
                    self.fail('MASK must be clear', 'WS_ERR_UNEXPECTED_MASK', 1002, True, True)
                    break
                head = 2
                if length == 126:
                    head = 4
                elif length == 127:
                    head = 10
                if b1 & 0x80:
                    head += 4
                if n - pos < head:
                    break
                if length == 126:
                    length = (<unsigned long long>p[pos + 2] << 8) | p[pos + 3]
                elif length == 127:
                    high = ((<uint32_t>p[pos + 2] << 24) | (<uint32_t>p[pos + 3] << 16) |
                            (<uint32_t>p[pos + 4] << 8) | p[pos + 5])
                    # ws refuses what a JavaScript number cannot hold exactly.
                    if high > (1 << 21) - 1:
                        self.fail('Unsupported WebSocket frame: payload length > 2^53 - 1',
                                  'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009, False, True)
                        break
                    length = ((<unsigned long long>high << 32) |
                              (<unsigned long long>p[pos + 6] << 24) | (<unsigned long long>p[pos + 7] << 16) |
                              (<unsigned long long>p[pos + 8] << 8) | p[pos + 9])
                # The header is whole: the frame is this receiver's now.
                self.fin = (b0 & 0x80) != 0
                if opcode == 0:
                    opcode = self.fragmented
                elif opcode < 8:
                    self.compressed = compressed
                    self.msg_type = self.binary_type if opcode == 2 else 0
                if not self.fin and not self.fragmented:
                    self.fragmented = opcode
                self.opcode = opcode
                self.masked = (b1 & 0x80) != 0
                if self.masked:
                    memcpy(self.key, p + pos + head - 4, 4)
                self.payload_len = length
                pos += head
                self.in_payload = True
                if length and opcode < 8:
                    self.total += length
                    if self.max_payload_c and self.total > self.max_payload_c:
                        self.fail('Max payload size exceeded', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
                                  1009, False, True)
                        break
            if <unsigned long long>(n - pos) < self.payload_len:
                break
            self.in_payload = False
            length = self.payload_len
            pos += <Py_ssize_t>length
            self.frame(p + pos - <Py_ssize_t>length, <Py_ssize_t>length)
        return pos

    cdef bytes payload(self, const uint8_t* data, Py_ssize_t n):
        cdef bytes out = PyBytes_FromStringAndSize(NULL, n)
        if self.masked:
            ws_mask_copy(<uint8_t*>PyBytes_AS_STRING(out), data, n, self.key)
        elif n:
            memcpy(PyBytes_AS_STRING(out), data, n)
        return out

    cdef int frame(self, const uint8_t* data, Py_ssize_t n) except -1:
        """A whole frame's payload: a control message, or a data frame."""
        cdef bytes out
        cdef bint is_binary
        cdef unsigned int code
        if self.opcode >= 8:
            out = self.payload(data, n)
            if self.opcode == 8:
                if n == 0:
                    self.stopped = True
                    self.owner._on_conclude(1005, b'')
                    return 0
                code = (<uint8_t>out[0] << 8) | <uint8_t>out[1]
                if not ws_valid_close_code(code):
                    self.fail('invalid status code %d' % code, 'WS_ERR_INVALID_CLOSE_CODE',
                              1002, True, True)
                    return 0
                if not self.skip_utf8 and not ws_valid_utf8_c(
                        <const uint8_t*>PyBytes_AS_STRING(out) + 2, n - 2):
                    self.fail('invalid UTF-8 sequence', 'WS_ERR_INVALID_UTF8', 1007, True, False)
                    return 0
                self.stopped = True
                self.owner._on_conclude(code, out[2:])
            else:
                self.owner._on_control(self.opcode, out)
            return 0
        self.fragments += 1
        if self.max_fragments > 0 and self.fragments > self.max_fragments:
            self.fail('Too many message fragments', 'WS_ERR_TOO_MANY_BUFFERED_PARTS', 1008, False, True)
            return 0
        if self.msg_type == 2 and not self.compressed:
            return self.fragment(data, n)
        if self.fin and self.msg_len == 0:
            out = self.payload(data, n)
        else:
            if n:
                self.grow(&self.msg, &self.msg_cap, self.msg_len + n)
                if self.masked:
                    ws_mask_copy(self.msg + self.msg_len, data, n, self.key)
                else:
                    memcpy(self.msg + self.msg_len, data, n)
                self.msg_len += n
            if not self.fin:
                return 0
            out = PyBytes_FromStringAndSize(<char*>self.msg, self.msg_len)
            self.msg_len = 0
            if self.msg_cap > WS_KEEP_CAP:
                free(self.msg)
                self.msg = NULL
                self.msg_cap = 0
        is_binary = self.opcode == 2
        self.total = 0
        self.fragmented = 0
        self.fragments = 0
        if self.compressed:
            self.compressed = False
            self.owner._on_compressed(out, is_binary)
            return 0
        if not is_binary and not self.skip_utf8 and not ws_valid_utf8_c(
                <const uint8_t*>PyBytes_AS_STRING(out), PyBytes_GET_SIZE(out)):
            self.fail('invalid UTF-8 sequence', 'WS_ERR_INVALID_UTF8', 1007, True, False)
            return 0
        if is_binary and self.msg_type == 1:
            self.ws._emit(WS_EVENT_MESSAGE, (bytearray(out), True))
        else:
            self.ws._emit(WS_EVENT_MESSAGE, (out, is_binary))
        return 0

    cdef int fragment(self, const uint8_t* data, Py_ssize_t n) except -1:
        # binaryType 'fragments': each frame's payload its own bytes, as ws
        # pushes them (empty ones left out).
        cdef list parts
        if self.parts is None:
            self.parts = []
        if n:
            self.parts.append(self.payload(data, n))
        if not self.fin:
            return 0
        parts, self.parts = self.parts, None
        self.total = 0
        self.fragmented = 0
        self.fragments = 0
        self.ws._emit(WS_EVENT_MESSAGE, (parts, True))
        return 0


cdef int feed_ws(object receiver, const char* data, Py_ssize_t size) except -1:
    # Stream's sink function (stream/readable.pyx): a raw read, for the receiver.
    cdef WsReceiver self = <WsReceiver>receiver
    if not self.stopped:
        self.parse(<const uint8_t*>data, size)
    return 0
