# A server's memory of the client's streams nghttp2 has closed and
# forgotten: nghttp2 1.70 keeps no closed stream, so it ignores a DATA or
# HEADERS frame on one, and a HEADERS on a stream id the client skipped,
# where RFC 9113 5.1 and 5.1.1 want an error (h2spec 5.1/8, 9, 11, 12 and
# 5.1.1/2). The frame watch (frame_watch.pyx) cuts before such a frame;
# h2_closed_answer() says how nghttp2 would answer the same frame on a
# closed stream it still held (extensions.pyx answers it). Only what the
# client itself did is held against it: a frame racing the server's own
# RST_STREAM (or a stream nghttp2 refused) is ignored, as RFC 9113 5.4.2
# wants.
#
# The last H2_CLOSED_SLOTS closes are held (H2Core.closed), each
# (id << 2) | how; every id above ``floor`` (the largest one let go) that
# nghttp2 and the ring both lack was never opened. Below it nothing is
# known and nghttp2 ignores the frame, as it did.
from pyuvnet.uv.http2 cimport nghttp2 as ng
from libc.stdint cimport uint8_t, int32_t, uint32_t, uint64_t

cdef enum:
    H2_CLOSED_SLOTS = 64
    H2_CLOSED_UNKNOWN = 0
    H2_CLOSED_BY_END = 1        # the client sent END_STREAM: a frame after is its error
    H2_CLOSED_BY_RESET = 2      # the client sent RST_STREAM
    H2_CLOSED_BY_SERVER = 3     # reset or refused by this side first: frames may still come
    # What h2_closed_answer() says a frame is owed:
    H2_ANSWER_NONE = 0          # nghttp2 reads it (and ignores it on a closed stream)
    H2_ANSWER_RESET = 1         # RST_STREAM STREAM_CLOSED
    H2_ANSWER_END = 2           # the session ends: GOAWAY STREAM_CLOSED
    H2_ANSWER_INVALID_CLOSED = 3    # an invalid frame, STREAM_CLOSED (h2_end_as_node)
    H2_ANSWER_INVALID_PROTO = 4     # an invalid frame, PROTOCOL_ERROR


cdef struct H2ClosedStreams:
    uint64_t slots[H2_CLOSED_SLOTS]
    uint32_t next               # the slot written next
    int32_t floor               # every id at or below it may have been let go
    int32_t peer_reset          # the stream of the last RST_STREAM received


cdef void h2_closed_note(H2ClosedStreams* closed, int32_t stream_id, int how) noexcept:
    cdef uint64_t old = closed.slots[closed.next]
    if old and <int32_t>(old >> 2) > closed.floor:
        closed.floor = <int32_t>(old >> 2)
    closed.slots[closed.next] = (<uint64_t>stream_id << 2) | <uint64_t>how
    closed.next = (closed.next + 1) % H2_CLOSED_SLOTS


cdef int h2_closed_how(H2ClosedStreams* closed, int32_t stream_id) noexcept:
    cdef uint32_t i
    for i in range(H2_CLOSED_SLOTS):
        if <int32_t>(closed.slots[i] >> 2) == stream_id:
            return <int>(closed.slots[i] & 3)
    return H2_CLOSED_UNKNOWN


cdef void h2_closed_on_close(H2ClosedStreams* closed, ng.nghttp2_session* session,
                             int32_t stream_id) noexcept:
    """A server's h2_on_stream_close: how a client's stream ended is kept."""
    cdef int how
    if not stream_id & 1:
        return
    if stream_id == closed.peer_reset:
        how = H2_CLOSED_BY_RESET
    elif ng.nghttp2_session_get_stream_remote_close(session, stream_id) == 1:
        how = H2_CLOSED_BY_END
    else:
        how = H2_CLOSED_BY_SERVER
    h2_closed_note(closed, stream_id, how)


cdef int h2_closed_answer(H2ClosedStreams* closed, ng.nghttp2_session* session,
                          int32_t stream_id, uint8_t kind) noexcept:
    """What a DATA or HEADERS frame (``kind``) on the client's
    ``stream_id`` is owed, before nghttp2 reads it: an H2_ANSWER_*."""
    cdef int how
    if (session is NULL or ng.nghttp2_session_find_stream(session, stream_id) is not NULL
            or stream_id > ng.nghttp2_session_get_last_proc_stream_id(session)):
        # Open, or never processed (refused after a GOAWAY): nghttp2's.
        return H2_ANSWER_NONE
    how = h2_closed_how(closed, stream_id)
    if how == H2_CLOSED_BY_RESET:
        # RFC 9113 5.1: a stream error, for a frame after the client's RST_STREAM.
        return H2_ANSWER_RESET
    if how == H2_CLOSED_BY_END:
        # As nghttp2 answers a frame on a closed stream it holds: "DATA:
        # stream closed" ends the session with GOAWAY STREAM_CLOSED;
        # "HEADERS: stream closed" is an invalid frame (Node's way).
        return H2_ANSWER_END if kind == ng.NGHTTP2_DATA else H2_ANSWER_INVALID_CLOSED
    if how == H2_CLOSED_UNKNOWN and kind == ng.NGHTTP2_HEADERS and stream_id > closed.floor:
        # A stream id below one the client opened, never opened itself
        # (RFC 9113 5.1.1): nghttp2's "request HEADERS: invalid stream_id".
        return H2_ANSWER_INVALID_PROTO
    return H2_ANSWER_NONE
