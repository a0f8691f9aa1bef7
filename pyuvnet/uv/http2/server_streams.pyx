# A core-API server's requests (pyuvnet/http2/): each request's stream made
# and given to its session's 'stream' listeners from nghttp2's callback, and
# the server's relay of its sessions' 'stream'; no Python frame of pyuvnet's
# own between the HEADERS frame and the user's listener. (An app server's
# requests go to its request sink instead: request_sink.pxd.)


cdef int h2_stream_request(H2Core core, object stream_id, H2HeaderBlock block,
                           bint end_stream) except -1:
    """A server's request: its stream (the owner's ``_request_stream``) in
    the session's streams, Node's headers object of its block, 'stream'
    (stream, headers, flags, rawHeaders) on the session; then, as Node's,
    its END_STREAM after the listeners (they may have read or destroyed it)."""
    cdef object owner = core.owner
    cdef dict headers = h2_headers_dict(core.single_value, core.sensitive_key, block.fields,
                                        block.sensitive)
    stream = owner._request_stream(owner, stream_id)
    core.streams[stream_id] = stream
    stream._request_headers = headers
    stream.endAfterHeaders = end_stream
    if headers.get(':method') == 'HEAD':
        # As Node's: a HEAD's answer has no body, its writable side is
        # ended before the 'stream' event.
        stream._head_request = True
        stream.end()
    (<EventEmitter?>owner)._emit('stream', (
        stream, headers, (ng.NGHTTP2_FLAG_END_HEADERS | ng.NGHTTP2_FLAG_END_STREAM)
        if end_stream else ng.NGHTTP2_FLAG_END_HEADERS, block.fields))
    # (Its destroyed, read from its states.)
    if end_stream and not (stream._readableState.destroyed and stream._writableState.destroyed):
        stream.push(None)
    return 0


@cython.final
cdef class H2StreamRelay:
    """What a core-API server listens to its sessions' 'stream' with
    (pyuvnet/http2/_server.py): the compatibility API's ``compat(server,
    stream, headers, flags, rawHeaders)`` first when the server has a
    'request' listener, then the server's own 'stream' with the same
    arguments. A C callable: no Python frame per request."""
    cdef EventEmitter server
    cdef object compat

    def __cinit__(self, EventEmitter server, compat):
        self.server = server
        self.compat = compat

    def __call__(self, *args):
        if self.server._handler('request') is not None:
            self.compat(self.server, *args)
        self.server._emit('stream', args)


@cython.final
cdef class H2AfterEnd:
    """The once('end') listener of a stream nghttp2 closed cleanly before
    its readable side ended (Http2Stream._on_close(); Node's onStreamClose()
    listens to 'end' with kMaybeDestroy): the writable side is aborted and
    ended if it was still open, and the stream destroyed a tick later. A C
    callable: no Python frame per request."""
    cdef object stream

    def __cinit__(self, stream):
        self.stream = stream

    def __call__(self):
        stream = self.stream
        if not stream._writableState.ending:        # (mostly ended: no call)
            stream._end_aborted()
        next_tick_c(stream.destroy, ())



def h2_server_final(stream, callback):
    """ServerHttp2Stream._final(callback) (bound as that method): the usual
    answer's end, nghttp2 having closed the stream once its END_STREAM
    left, is done at once (nothing to end, nothing to close), here in C;
    any other goes to ``stream._end_response(callback)``."""
    if stream._ng_closed:
        callback()
    else:
        stream._end_response(callback)
