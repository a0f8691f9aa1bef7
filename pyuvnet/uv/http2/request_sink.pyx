# H2RequestSink's methods (declared in request_sink.pxd, the seam an app
# server's C wing implements): the base takes no request, so a stream's
# events stay its owner's.


cdef class H2RequestSink:

    cdef int on_request(self, int32_t stream_id, list fields, bint ended) except -1:
        raise NotImplementedError('an H2RequestSink subclass takes the requests')

    cdef bint on_data(self, int32_t stream_id, bytes chunk) except -1:
        return False

    cdef bint on_end(self, int32_t stream_id) except -1:
        return False

    cdef bint on_close(self, int32_t stream_id, uint32_t code) except -1:
        return False
