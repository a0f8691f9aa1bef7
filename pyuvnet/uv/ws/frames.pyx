# WebSocket framing (RFC 6455) for pyuvnet.ws, in C: UTF-8 validation, close
# codes, masking, and the frames the sender builds and writes. The receiver
# of an upgraded socket's reads is receiver.pyx (included after this file:
# it reads the helpers here).

from libc.stdint cimport uint8_t

cdef uint64_t WS_HIGH_BITS = 0x8080808080808080ULL

DEF MASK_POOL = 1024


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
