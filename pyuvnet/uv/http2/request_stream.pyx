# The stream side an app server's requests share over HTTP/2, whatever the
# interface (ASGI's uv/asgi/h2_cycle.pyx, WSGI's uv/wsgi/h2_call.pyx):
#
#   H2SessionRequests   one session's request sink (request_sink.pxd): its
#                       core, its streams dict, and each stream's DATA, END
#                       and close handed to the stream; a subclass makes
#                       the streams (on_request)
#   H2RequestStream     one request stream: its window given back, its
#                       head and body submitted to the core, its reset and
#                       its close, and what its Python session calls on it
#                       as on an Http2Stream (destroy, close, _on_*)
#
# Ownership: the session's ``_streams`` holds a stream while nghttp2 holds
# its id; the stream leaves it once it closed (or the connection went).

cdef uint32_t H2_NO_ERROR = 0, H2_CANCEL = 8, H2_INTERNAL_ERROR = 2
# Response body bytes not framed yet that hold the app (a Duplex's write()
# said False there).
cdef int H2_WRITE_HIGH_WATER = 16384


cdef class H2SessionRequests(H2RequestSink):
    """One session's requests (its core's ``sink`` until closed)."""

    cdef object session
    cdef H2Core core
    cdef dict streams           # the session's _streams
    cdef dict state             # and its instance dict: its ``destroyed``,
                                # ``closed`` and ``_flush_scheduled`` read per
                                # response without a getattr (some 200
                                # instructions each, issue 60)

    cdef int attach(self, session) except -1:
        """Becomes ``session``'s core's sink."""
        cdef H2Core core = session._core
        self.session = session
        self.core = core
        self.streams = session._streams
        self.state = session.__dict__
        core.sink = self
        return 0

    cdef int flush_later(self) except -1:
        # (The session's _schedule_flush(), called once per flush, not per response.)
        if not self.state['_flush_scheduled']:
            self.session._schedule_flush()
        return 0

    # -- the sink's interface (request_sink.pxd) -------------------------------

    cdef bint on_data(self, int32_t stream_id, bytes chunk) except -1:
        # A destroyed stream's bytes open the windows again at once.
        stream = self.streams.get(stream_id)
        if not isinstance(stream, H2RequestStream):
            return False
        if (<H2RequestStream>stream).destroyed:
            self.core.give_back(stream_id, len(chunk))
        else:
            (<H2RequestStream>stream).on_data(chunk)
        return True

    cdef bint on_end(self, int32_t stream_id) except -1:
        stream = self.streams.get(stream_id)
        if not isinstance(stream, H2RequestStream):
            return False
        if not (<H2RequestStream>stream).destroyed:
            (<H2RequestStream>stream).on_end()
        return True

    cdef bint on_close(self, int32_t stream_id, uint32_t code) except -1:
        stream = self.streams.get(stream_id)
        if not isinstance(stream, H2RequestStream):
            return False
        (<H2RequestStream>stream).on_close(code)
        return True


cdef class H2RequestStream:
    """One request stream's side its session and its core call; the
    interface's subclass takes its body (on_data, on_end) and hears of its
    end (on_gone).  An object of a subclass no session holds (an ASGI
    cycle over HTTP/1.1: its ``requests`` is None) has no stream: the
    calls below do nothing on it."""

    cdef H2SessionRequests requests
    cdef readonly int32_t id
    cdef Py_ssize_t unconsumed  # bytes received whose window is not given back
    cdef public bint destroyed  # the stream closed (or its connection went)
    cdef bint out_open          # the response's DATA may still be written
    cdef public object rstCode
    cdef object __weakref__

    # -- what the subclass does ------------------------------------------------

    cdef int on_data(self, bytes data) except -1:
        raise NotImplementedError

    cdef int on_end(self) except -1:
        raise NotImplementedError

    cdef int on_gone(self) except -1:
        """The stream closed (or its connection went): after ``destroyed``."""
        return 0

    # -- the session's calls ---------------------------------------------------

    def _on_end(self):
        """The request's trailers ended it (the session's _h2_headers)."""
        self.on_end()

    def _on_headers(self, *_):
        """The request's trailers: no part of an app server's request."""

    def _on_want_trailers(self):
        """nghttp2 asks for trailers (only a stream that said it has some)."""

    cdef int on_close(self, code) except -1:
        if self.rstCode is None:
            self.rstCode = code
        return self.gone()

    def _on_connection_lost(self):
        if self.rstCode is None:
            self.rstCode = H2_CANCEL
        self.gone()

    def destroy(self, error=None):
        """The session's end: the stream reset (as an Http2Stream's destroy())."""
        if self.destroyed or self.requests is None:
            return
        if self.rstCode is None:
            session = self.requests.session
            code = self.rstCode = H2_INTERNAL_ERROR if error is not None else (
                session._goaway_code or H2_NO_ERROR)
            if session._receiving:
                nextTick(self._reset, code)
            else:
                self._reset(code)
        self.gone()

    def close(self, code=H2_NO_ERROR):
        """RST_STREAM ``code`` once the frames sent before it have left."""
        if self.destroyed or self.rstCode is not None:
            return
        self.rstCode = code
        nextTick(self._reset_if_open, code)

    def emit(self, *_):
        """The session's 'frameError' and 'priority': nobody listens."""
        return False

    def _reset_if_open(self, code):
        if not self.destroyed:
            self._reset(code)

    def _reset(self, code):
        if self.requests is None:
            return
        session = self.requests.session
        if session._core is not None:
            session._flush()
            session._reset_stream(self.id, code)

    # -- the request's body --------------------------------------------------

    cdef int consume(self) except -1:
        # (nghttp2 gives a closed stream's bytes back to the connection.)
        self.requests.core.give_back(self.id, self.unconsumed)
        self.unconsumed = 0
        return 0

    cdef int gone(self) except -1:
        if self.destroyed or self.requests is None:
            return 0
        self.destroyed = True
        if self.unconsumed:
            self.consume()
        self.out_open = False
        cdef H2SessionRequests requests = self.requests
        cdef dict streams = requests.streams
        key = self.id
        if streams.get(key) is self:
            del streams[key]
            if requests.state['closed']:
                nextTick(requests.session._maybe_destroy)
        return self.on_gone()

    # -- the response ----------------------------------------------------------

    cdef int submit_head(self, list block, bint end) except -1:
        """Submits the response's head (END_STREAM on it when ``end``);
        H2LibraryError when the core refuses it."""
        if self.destroyed:
            return 0
        cdef H2SessionRequests requests = self.requests
        requests.core.respond(self.id, block, end)
        requests.flush_later()
        self.out_open = not end
        return 0

    cdef int queue_body(self, body, bint more, callback, bint want_trailers) except -1:
        """Queues a body chunk (and, unless ``more``, the body's end: its
        DATA frame carries END_STREAM, or trailers follow);
        ``callback()`` once the chunk is framed."""
        if not self.out_open:
            return 0
        cdef H2SessionRequests requests = self.requests
        cdef H2Core core = requests.core
        if body:
            core.queue_chunk(self.id, body if type(body) is bytes else bytes(body), callback)
        if not more:
            self.out_open = False
            core.end_queue(self.id, None, want_trailers)
        requests.flush_later()
        return 0

    cdef bint invalid_session(self):
        """Whether the session can take no response now."""
        cdef H2SessionRequests requests = self.requests
        return requests.state['destroyed'] or requests.core.owner is None
