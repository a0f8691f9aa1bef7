# WebSocket framing (RFC 6455) for pyuvnet.ws: the receiver that parses a
# connection's reads into messages, the frame builder of the sender, and
# UTF-8 validation, all in C.
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

cdef uint64_t WS_HIGH_BITS = 0x8080808080808080ULL

# A receiver's buffer larger than this is freed once empty, so that an idle
# connection does not keep a large message's worth.
DEF WS_KEEP_CAP = 65536
DEF MASK_POOL = 1024

WS_EVENT_MESSAGE = 'message'


cdef inline bint ws_valid_utf8_c(const uint8_t* s, Py_ssize_t n) noexcept nogil:
    """RFC 3629 UTF-8 (no overlong forms, no surrogates, nothing past
    U+10FFFF), as Node's buffer.isUtf8, which ws v8 uses."""
    cdef Py_ssize_t i = 0
    cdef uint8_t c, c1
    cdef uint64_t word
    while i < n:
        # ASCII runs eight bytes at a time (memcpy: no unaligned load).
        while i + 8 <= n:
            memcpy(&word, s + i, 8)
            if word & WS_HIGH_BITS:
                break
            i += 8
        if i >= n:
            break
        c = s[i]
        if c < 0x80:
            i += 1
        elif c < 0xC2:
            return False
        elif c < 0xE0:
            if i + 1 >= n or (s[i + 1] & 0xC0) != 0x80:
                return False
            i += 2
        elif c < 0xF0:
            if i + 2 >= n:
                return False
            c1 = s[i + 1]
            if (c1 & 0xC0) != 0x80 or (s[i + 2] & 0xC0) != 0x80:
                return False
            if (c == 0xE0 and c1 < 0xA0) or (c == 0xED and c1 > 0x9F):
                return False
            i += 3
        elif c < 0xF5:
            if i + 3 >= n:
                return False
            c1 = s[i + 1]
            if (c1 & 0xC0) != 0x80 or (s[i + 2] & 0xC0) != 0x80 or (s[i + 3] & 0xC0) != 0x80:
                return False
            if (c == 0xF0 and c1 < 0x90) or (c == 0xF4 and c1 > 0x8F):
                return False
            i += 4
        else:
            return False
    return True


def ws_valid_utf8(data):
    """Whether ``data`` (bytes-like) is valid UTF-8 (RFC 3629)."""
    cdef const uint8_t[::1] view = data
    if view.shape[0] == 0:
        return True
    return ws_valid_utf8_c(&view[0], view.shape[0])


cdef inline bint ws_valid_close_code(unsigned int code) noexcept nogil:
    # ws's isValidStatusCode: the codes a close frame may carry.
    return (1000 <= code <= 1014 and code != 1004 and code != 1005 and code != 1006) or (
        3000 <= code <= 4999)


def ws_close_code_valid(code):
    """Whether a close frame may carry ``code`` (ws's isValidStatusCode)."""
    return isinstance(code, int) and not isinstance(code, bool) and 0 <= code < 65536 and \
        ws_valid_close_code(code)


cdef inline void ws_mask_copy(uint8_t* dst, const uint8_t* src, Py_ssize_t n,
                              const uint8_t* key) noexcept nogil:
    # Masking and unmasking are one XOR with the key's bytes in turn, eight
    # bytes at a time (memcpy: no unaligned access).
    cdef Py_ssize_t i = 0
    cdef uint64_t k, word
    memcpy(&k, key, 4)
    memcpy((<uint8_t*>&k) + 4, key, 4)
    while i + 8 <= n:
        memcpy(&word, src + i, 8)
        word ^= k
        memcpy(dst + i, &word, 8)
        i += 8
    while i < n:
        dst[i] = src[i] ^ key[i & 3]
        i += 1


# Masking keys for frames a client sends: from os.urandom, a pool at a time.
cdef uint8_t ws_mask_pool[MASK_POOL]
cdef Py_ssize_t ws_mask_at = MASK_POOL


cdef int ws_next_mask(uint8_t* key) except -1:
    global ws_mask_at
    cdef bytes fresh
    if ws_mask_at + 4 > MASK_POOL:
        fresh = os.urandom(MASK_POOL)
        memcpy(ws_mask_pool, PyBytes_AS_STRING(fresh), MASK_POOL)
        ws_mask_at = 0
    memcpy(key, ws_mask_pool + ws_mask_at, 4)
    ws_mask_at += 4
    return 0


cdef inline Py_ssize_t ws_head(uint8_t* out, int opcode, Py_ssize_t n, bint fin, bint mask,
                               bint rsv1) noexcept:
    """A frame's header for a payload of ``n`` bytes, at ``out`` (room for
    14 bytes), with room for the masking key when ``mask``; its length."""
    cdef Py_ssize_t head = 2
    cdef int i
    out[0] = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | (opcode & 0x0F)
    if n > 65535:
        head = 10
        out[1] = 127
        for i in range(8):
            out[2 + i] = (n >> (8 * (7 - i))) & 0xFF
    elif n > 125:
        head = 4
        out[1] = 126
        out[2] = n >> 8
        out[3] = n & 0xFF
    else:
        out[1] = <uint8_t>n
    if mask:
        out[1] |= 0x80
        head += 4
    return head


cdef bytes frame_of(int opcode, const uint8_t* data, Py_ssize_t n, bint fin, bint mask,
                    bint rsv1):
    """One frame of the ``n`` bytes at ``data``, masked with a fresh random
    key when ``mask`` (a client's frames)."""
    cdef uint8_t header[14]
    cdef uint8_t key[4]
    cdef uint8_t* out
    cdef Py_ssize_t head = ws_head(header, opcode, n, fin, mask, rsv1)
    frame = PyBytes_FromStringAndSize(NULL, head + n)
    out = <uint8_t*>PyBytes_AS_STRING(frame)
    memcpy(out, header, head)
    if mask:
        ws_next_mask(key)
        memcpy(out + head - 4, key, 4)
        if n:
            ws_mask_copy(out + head, data, n, key)
    elif n:
        memcpy(out + head, data, n)
    return frame


cdef bytes frame_of_data(int opcode, object data, bint fin, bint mask, bint rsv1):
    """One frame of ``data`` (bytes-like): bytes read in place, as an
    echo's and most sends' are (a memoryview's making and checks cost
    about 550 instructions, a twentieth of a 1 KiB echo)."""
    if type(data) is bytes:
        return frame_of(opcode, <const uint8_t*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data),
                        fin, mask, rsv1)
    return frame_of_buffer(opcode, data, fin, mask, rsv1)


cdef bytes frame_of_buffer(int opcode, object data, bint fin, bint mask, bint rsv1):
    # Apart from frame_of_data: a memoryview variable costs its function
    # a release on every call, which the bytes path then does not pay.
    cdef const uint8_t[::1] view = data
    cdef Py_ssize_t n = view.shape[0]
    return frame_of(opcode, &view[0] if n else NULL, n, fin, mask, rsv1)


def ws_frame(int opcode, data, bint fin=True, bint mask=False, bint rsv1=False):
    """One frame: ``opcode``, ``data`` (bytes-like) as its payload, masked
    with a fresh random key when ``mask`` (a client's frames)."""
    return frame_of_data(opcode, data, fin, mask, rsv1)


def ws_frame_head(int opcode, Py_ssize_t size, bint fin=True, bint rsv1=False):
    """The header of an unmasked frame whose payload is ``size`` bytes
    (a server's, sent with the payload by ``ws_write``)."""
    cdef uint8_t header[14]
    return PyBytes_FromStringAndSize(<char*>header, ws_head(header, opcode, size, fin, False, rsv1))


# An unmasked payload this long or longer leaves as the header and the
# caller's own bytes (one writev, no copy); a shorter one is copied into
# one frame, which the first write of a read may hand the kernel at once.
DEF WS_GATHER_MIN = 16384


def ws_write(socket, bytes head, bytes data, callback=None):
    """``head`` then ``data`` written to ``socket``: as two entries of a
    plain stream's queue, which leave in one writev and keep ``data``
    itself, not a copy (a non-reader's queue of a message sent N times
    is one payload and N headers); joined on any other socket.  write()'s
    answer."""
    cdef StreamWrites plain = own_write_of(socket.write)
    if plain is not None:
        return plain.write_after(head, data, callback) == 1
    if callback is None:
        return socket.write(head + data)
    return socket.write(head + data, None, callback)


def ws_send(socket, int opcode, data, bint fin=True, bint mask=False, bint rsv1=False,
            callback=None):
    """One frame of ``data`` (bytes-like) written to ``socket``: a server's
    payload of WS_GATHER_MIN bytes or more, when bytes, without a copy
    (``ws_write``); else one frame (``ws_frame``).  write()'s answer."""
    cdef uint8_t header[14]
    if not mask and type(data) is bytes and PyBytes_GET_SIZE(data) >= WS_GATHER_MIN:
        head = PyBytes_FromStringAndSize(
            <char*>header, ws_head(header, opcode, PyBytes_GET_SIZE(data), fin, False, rsv1))
        return ws_write(socket, head, data, callback)
    # (frame_of_data in C: ws_frame's call through the module was a
    # Python call per send, its arguments parsed again: about 250
    # instructions.)
    if callback is None:
        return socket.write(frame_of_data(opcode, data, fin, mask, rsv1))
    return socket.write(frame_of_data(opcode, data, fin, mask, rsv1), None, callback)


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
