# RFC 7540's PRIORITY frames, which nghttp2 1.70 reads and drops without a
# callback (RFC 9113 deprecates the scheme) while Node 20, on nghttp2 1.61,
# still emits 'priority' for them (and refuses one on stream 0 or on its
# own stream). H2Core.receive() has this watch follow the frame boundaries
# of the bytes it is given (a few compares per frame, no copy) and cuts the
# bytes after each PRIORITY frame, so its event comes in order with the
# frames nghttp2 reports. It also cuts before a stream's WINDOW_UPDATE of
# a large increment, which may take the stream's window past 2^31-1, and
# before a DATA frame that may overrun its stream's receive window: stream
# errors (RFC 9113 6.9.1, 6.9) that nghttp2 1.70 makes the connection's.
from pyuvnet.uv.http2 cimport nghttp2 as ng
from libc.stdint cimport uint8_t, int32_t, uint32_t
from libc.string cimport memcpy

# The client's connection preface a server reads before the first frame.
cdef size_t H2_CLIENT_MAGIC_LEN = 24
# A stream's WINDOW_UPDATE from this increment up is looked at before
# nghttp2 reads it (one whose stream's window was already past 2^31-1
# less this, and which takes it further, stays nghttp2's connection error).
cdef uint32_t H2_WATCHED_INCREMENT = 1 << 30
# What scan() finds: (H2_FOUND_PRIORITY, end, stream id, parent, weight,
# exclusive), (H2_FOUND_WINDOW, end, stream id, increment, 0, False), or
# (H2_FOUND_STREAM_FRAME, end of its frame header, stream id, frame type,
# its length, False).
cdef enum:
    H2_FOUND_PRIORITY = 0
    H2_FOUND_WINDOW = 1
    H2_FOUND_STREAM_FRAME = 2
    H2_WINDOW_UPDATE_LEN = 13           # a WINDOW_UPDATE frame's header and payload
    H2_FRAME_HEAD_LEN = 9


cdef class H2FrameWatch:
    cdef size_t skip            # bytes of the preface or of a payload not looked at
    cdef uint8_t head[9]        # a frame header being read, which a read
    cdef int head_len           # cut: held back from nghttp2 (extensions.pyx)
    cdef uint8_t body[5]        # a PRIORITY or WINDOW_UPDATE payload being read
    cdef int body_len           # -1 unless such a payload is being read
    cdef int body_need          # its length (5 or 4)
    cdef uint8_t kind           # its frame type
    cdef int32_t stream_id
    cdef ng.nghttp2_session* session    # a server's (H2Core sets it), else NULL
    cdef int32_t max_opened             # the client's newest stream the watch saw open
    cdef int32_t reset_id               # and the last it saw the client reset
    cdef size_t data_seen               # DATA payload bytes in the bytes scan() is given

    def __cinit__(self, bint is_server):
        self.skip = H2_CLIENT_MAGIC_LEN if is_server else 0
        self.body_len = -1

    cdef list scan(self, const uint8_t* data, size_t n):
        """What is found (the H2_FOUND_* tuples above) of the frames that end
        in data[:n], ``end`` the offset just after each; None when there is
        nothing (the usual case)."""
        cdef size_t pos = 0, take, length
        cdef list found = None
        cdef uint32_t parent
        cdef int32_t window
        self.data_seen = 0
        while pos < n:
            if self.skip:
                take = min(self.skip, n - pos)
                pos += take
                self.skip -= take
            elif self.body_len >= 0:
                take = min(<size_t>(self.body_need - self.body_len), n - pos)
                memcpy(self.body + self.body_len, data + pos, take)
                pos += take
                self.body_len += take
                if self.body_len == self.body_need:
                    self.body_len = -1
                    parent = ((<uint32_t>self.body[0] << 24) | (<uint32_t>self.body[1] << 16)
                              | (<uint32_t>self.body[2] << 8) | self.body[3])
                    if self.kind == ng.NGHTTP2_WINDOW_UPDATE:
                        if (parent & 0x7FFFFFFF) < H2_WATCHED_INCREMENT:
                            continue
                        item = (H2_FOUND_WINDOW, pos, self.stream_id, parent & 0x7FFFFFFF, 0, False)
                    else:
                        # As Node reports it: the weight as sent plus one.
                        item = (H2_FOUND_PRIORITY, pos, self.stream_id, parent & 0x7FFFFFFF,
                                self.body[4] + 1, bool(parent >> 31))
                    if found is None:
                        found = []
                    found.append(item)
            else:
                take = min(<size_t>(9 - self.head_len), n - pos)
                memcpy(self.head + self.head_len, data + pos, take)
                pos += take
                self.head_len += take
                if self.head_len == 9:
                    self.head_len = 0
                    length = (<size_t>self.head[0] << 16) | (<size_t>self.head[1] << 8) | self.head[2]
                    self.stream_id = <int32_t>(((<uint32_t>self.head[5] << 24)
                                                | (<uint32_t>self.head[6] << 16)
                                                | (<uint32_t>self.head[7] << 8) | self.head[8])
                                               & 0x7FFFFFFF)
                    # A PRIORITY of another length is nghttp2's to refuse
                    # (FRAME_SIZE_ERROR), as is a WINDOW_UPDATE of another
                    # length; the connection's window is nghttp2's too.
                    self.kind = self.head[3]
                    if ((self.kind == ng.NGHTTP2_DATA or self.kind == ng.NGHTTP2_HEADERS)
                            and self.session is not NULL and self.stream_id & 1):
                        # A new stream's HEADERS is nghttp2's alone; a
                        # frame on a stream below the newest that nghttp2
                        # holds no more, or that the client reset (in this
                        # read, maybe), is looked at first. (Few: a
                        # request's body in the read that opened it.) So
                        # is a DATA frame that may overrun its stream's
                        # window with the DATA before it in this read,
                        # which nghttp2 has not counted yet.
                        if self.kind == ng.NGHTTP2_HEADERS and self.stream_id > self.max_opened:
                            self.max_opened = self.stream_id
                        else:
                            window = -1
                            if self.kind == ng.NGHTTP2_DATA:
                                self.data_seen += length
                                if self.stream_id != self.reset_id:
                                    window = ng.nghttp2_session_get_stream_local_window_size(
                                        self.session, self.stream_id)
                            if (window >= 0 and self.data_seen > <size_t>window) or (
                                    window < 0 and (self.stream_id == self.reset_id or (
                                        self.stream_id <= self.max_opened
                                        and ng.nghttp2_session_find_stream(
                                            self.session, self.stream_id) is NULL))):
                                if found is None:
                                    found = []
                                found.append((H2_FOUND_STREAM_FRAME, pos, self.stream_id,
                                              self.kind, length, False))
                    elif self.kind == ng.NGHTTP2_RST_STREAM:
                        self.reset_id = self.stream_id
                    if self.kind == ng.NGHTTP2_PRIORITY and length == 5:
                        self.body_len = 0
                        self.body_need = 5
                    elif self.kind == ng.NGHTTP2_WINDOW_UPDATE and length == 4 and self.stream_id:
                        self.body_len = 0
                        self.body_need = 4
                    else:
                        self.skip = length
        return found
