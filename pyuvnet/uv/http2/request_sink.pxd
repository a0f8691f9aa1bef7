# The seam between the http2 wing and an app server above it (uvloop's
# per-room .pxd, h2o's request handler): a server session's core hands each
# request's events to its ``sink``, an H2RequestSink, from nghttp2's
# callbacks (callbacks.pyx), with no Python call of the owner's. An app
# server's C wing subclasses it, through request_stream.pyx's
# H2SessionRequests (uv/asgi/h2_cycle.pyx's H2Requests, uv/wsgi/
# h2_call.pyx's WsgiH2Requests); the http2 wing knows no app server's names.
from libc.stdint cimport int32_t, uint32_t


cdef class H2RequestSink:
    # A request's head came: ``fields`` its block's (name, value, ...) list,
    # ``ended`` whether END_STREAM came with it.
    cdef int on_request(self, int32_t stream_id, list fields, bint ended) except -1
    # A request's DATA chunk, its END_STREAM on DATA, its stream's close:
    # False when the stream is none of the sink's (the owner's, then).
    cdef bint on_data(self, int32_t stream_id, bytes chunk) except -1
    cdef bint on_end(self, int32_t stream_id) except -1
    cdef bint on_close(self, int32_t stream_id, uint32_t code) except -1
