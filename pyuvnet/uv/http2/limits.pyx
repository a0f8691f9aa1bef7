# The http2 wing's limits, as Node 20 applies them to a session
# (uv/http2/session.pyx holds the session itself):
# - the protocol errors that end the session Node's way (h2_end_as_node,
#   called from nghttp2's invalid-frame and error callbacks), and a
#   request over the acknowledged stream bound, which ends it with
#   ENHANCE_YOUR_CALM instead (h2_over_stream_bound);
# - the allocator nghttp2 is given, which counts what the session holds
#   against maxSessionMemory (H2Core.memory()).
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memset

cdef int h2_on_error(ng.nghttp2_session* session, int lib_error, const char* message,
                     size_t length, void* user_data) noexcept:
    # A first frame other than SETTINGS: Node 20 ends the session as for a
    # protocol error.
    if lib_error == ng.NGHTTP2_ERR_SETTINGS_EXPECTED:
        h2_end_as_node(<H2Core>user_data, session, ng.NGHTTP2_ERR_PROTO)
    return 0


cdef void h2_end_as_node(H2Core core, ng.nghttp2_session* session, int lib_error) noexcept:
    # As Node 20's OnInvalidFrame: these errors end the session with GOAWAY
    # INTERNAL_ERROR (queued before nghttp2's own, which then is not sent)
    # and are the session's error (ERR_HTTP2_ERROR, nghttp2's text), raised
    # once receive() returns. A flow-control error keeps its own code,
    # which RFC 9113 6.9.1 and 6.9.2 want on the GOAWAY (h2spec 6.9.1/2).
    h2_end_session(core, session, lib_error,
                   ng.NGHTTP2_FLOW_CONTROL_ERROR if lib_error == ng.NGHTTP2_ERR_FLOW_CONTROL
                   else ng.NGHTTP2_INTERNAL_ERROR)


cdef void h2_end_session(H2Core core, ng.nghttp2_session* session, int lib_error,
                         uint32_t code) noexcept:
    core.terminated = True
    ng.nghttp2_session_terminate_session(session, code)
    if core.error is None:
        try:
            core.error = H2LibraryError(lib_error)
        except BaseException as error:
            core.error = error


cdef bint h2_over_stream_bound(H2Core core, ng.nghttp2_session* session,
                               const ng.nghttp2_frame* frame, int lib_error) noexcept:
    """True for a request HEADERS over the acknowledged
    SETTINGS_MAX_CONCURRENT_STREAMS, which nghttp2 reports as a protocol
    error, as it does a request on stream 0 or on an even stream, and one
    that depends on itself (checked after the bound): of these, only the
    bound's is on an odd stream past the last one accepted, depending on
    another stream or none."""
    cdef int32_t stream_id = frame.hd.stream_id
    return (core.is_server and lib_error == ng.NGHTTP2_ERR_PROTO
            and frame.hd.type == ng.NGHTTP2_HEADERS and stream_id & 1
            and stream_id > ng.nghttp2_session_get_last_proc_stream_id(session)
            and frame.headers.pri_spec.stream_id != stream_id)


# nghttp2's allocator: the C library's, each block prefixed with its size so
# that the core knows what its session holds (maxSessionMemory). The prefix
# is 16 bytes, keeping malloc's alignment.
DEF H2_MEM_PREFIX = 16


cdef void* h2_mem_malloc(size_t size, void* counter) noexcept:
    cdef size_t* block = <size_t*>malloc(size + H2_MEM_PREFIX)
    if block is NULL:
        return NULL
    block[0] = size
    (<size_t*>counter)[0] += size
    return <char*>block + H2_MEM_PREFIX


cdef void h2_mem_free(void* ptr, void* counter) noexcept:
    cdef size_t* block
    if ptr is NULL:
        return
    block = <size_t*>(<char*>ptr - H2_MEM_PREFIX)
    (<size_t*>counter)[0] -= block[0]
    free(block)


cdef void* h2_mem_calloc(size_t count, size_t size, void* counter) noexcept:
    cdef void* ptr
    if size and count > (<size_t>-1 - H2_MEM_PREFIX) // size:
        return NULL
    ptr = h2_mem_malloc(count * size, counter)
    if ptr is not NULL:
        memset(ptr, 0, count * size)
    return ptr


cdef void* h2_mem_realloc(void* ptr, size_t size, void* counter) noexcept:
    cdef size_t* block
    cdef size_t old
    cdef size_t* moved
    if ptr is NULL:
        return h2_mem_malloc(size, counter)
    block = <size_t*>(<char*>ptr - H2_MEM_PREFIX)
    old = block[0]
    moved = <size_t*>realloc(block, size + H2_MEM_PREFIX)
    if moved is NULL:
        return NULL
    moved[0] = size
    (<size_t*>counter)[0] += size
    (<size_t*>counter)[0] -= old
    return <char*>moved + H2_MEM_PREFIX


# maxSessionInvalidFrames and maxSessionRejectedStreams, counted as Node 20
# counts them: the one over the limit (count > max, counted before the
# increment) makes nghttp2 stop, and the session ends with GOAWAY
# INTERNAL_ERROR. Invalid frames are those nghttp2 reports as invalid and
# empty DATA frames without END_STREAM; rejected streams are those refused
# for maxSessionMemory, a count that an admitted stream sets back to 0.

class H2TooManyInvalidFrames(H2LibraryError):
    """The peer sent more invalid frames than maxSessionInvalidFrames
    (Node's ERR_HTTP2_TOO_MANY_INVALID_FRAMES)."""

    def __init__(self):
        super().__init__(ng.NGHTTP2_ERR_CALLBACK_FAILURE)


cdef bint h2_count_invalid(H2Core core) noexcept:
    """Counts an invalid frame; True when it is one too many (the error to
    raise is kept in core.error)."""
    core.invalid_frames += 1
    if core.invalid_frames - 1 <= core.max_invalid_frames:
        return False
    if core.error is None:
        try:
            core.error = H2TooManyInvalidFrames()
        except BaseException as error:
            core.error = error
    return True


cdef bint h2_count_rejected(H2Core core) noexcept:
    """Counts a refused stream; True when it is one too many (nghttp2 stops,
    and the session ends with nghttp2's "user callback" error, as Node's)."""
    core.rejected_streams += 1
    return core.rejected_streams - 1 > core.max_rejected_streams
