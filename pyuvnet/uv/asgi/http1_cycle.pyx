# ASGI over HTTP/1.1: the protocol's side of a request's ASGICycle
# (uv/asgi/cycle.pyx), on the http.Server's C request and response
# (uv/http/incoming.pyx, outgoing.pyx).  ASGIHandler (handler.pyx), the
# server's 'request' listener, makes it.
#
#   HTTPCycle    one request: its body taken from the request's own buffer,
#                its response written through the ResponseCore's C paths
#   BodyAsked    the request's BodyWatch once the app asked for a body
#                that is still coming: it wakes the cycle

cdef tuple ERROR_HEAD = ('content-type', 'text/plain; charset=utf-8', 'content-length', '21',
                         'connection', 'close')


@cython.final
cdef class HTTPCycle(ASGICycle):
    """One HTTP/1.1 request.  The body waits in the request's own buffer,
    paused (its socket reads no more than a high-water mark ahead), told
    to us as it comes (BodyAsked), and each receive() takes what waits.

    Its request and response are the cycle's ``request`` and ``response``
    (an IncomingCore and a ResponseCore, set once by ASGIHandler): it
    adds no object field, so that it has no deallocator of its own."""

    cdef bint reading           # the app asked for the body

    cdef inline IncomingCore req(self):
        return <IncomingCore>self.request

    cdef inline ResponseCore res(self):
        return <ResponseCore>self.response

    cdef bint client_left(self) except -1:
        return self.res()._closed

    cdef int watch_end(self) except -1:
        self.res().once('close', self._wake)
        return 0

    cdef int send_continue(self) except -1:
        cdef ResponseCore res = self.res()
        if not res._header_sent and not res._closed:
            res.writeContinue()
        return 0

    cdef object take_body(self):
        cdef IncomingCore req = self.req()
        cdef BodyAsked asked
        if not self.reading:
            self.reading = True
            if not req._ended:
                # Told of what comes from now on (the request stays paused).
                asked = BodyAsked.__new__(BodyAsked)
                asked.cycle = self
                req.watch = asked
        if req._buffer or req._ended:
            # The whole body came with the head (the usual case): taken
            # with no wait.
            ended = req._ended
            body = req.take_body()
            self.body_given = ended
            return {'type': 'http.request', 'body': body, 'more_body': not ended}
        return None

    cdef int write_start(self, dict message) except -1:
        cdef ResponseCore res = self.res()
        cdef ASGIHandler handler = self.handler
        if (<ServerCore>handler.server)._closing:
            # The server is closing: this answer is the connection's last
            # (uvicorn's shutdown turns keep-alive off).  (Once it emitted
            # 'close', no connection is left to keep alive.)
            res._should_keep_alive = False
        cdef tuple made = handler.head_block(message.get('headers', ()))
        self.expect_length(made[1])
        status = message['status']
        if handler.access_logger is not None:
            handler.log_access(self.scope, status)
        if not handler.send_date:
            res._send_date = False
        res.write_head(status, None, None, <HeaderBlock>made[0])
        return 0

    cdef bint write_body(self, body, bint more) except -1:
        cdef ResponseCore res = self.res()
        if more:
            # False: the client is not reading; wait for the response's 'drain'.
            return bool(body) and res.write(body) is False
        if res.ends_at_once(body):
            res.end_bytes(body)
        else:
            res.end(body)
        if self.reading and not self.body_given:
            # Read (and drop) the rest of the body, as uvicorn does, so
            # that the connection can go on to its next request.
            self.req().watch = None
            self.req().dump()
        return False

    cdef int flush_head(self) except -1:
        self.res().flushHeaders()
        return 0

    cdef bint write_blocked(self) except -1:
        cdef ResponseCore res = self.res()
        if res.writableNeedDrain and not res._closed:
            res.once('drain', self._wake)
            return True
        return False

    cdef int answer_500(self) except -1:
        self.res().writeHead(500, list(ERROR_HEAD))
        self.res().end(ERROR_BODY)
        return 0

    cdef int abort(self) except -1:
        cdef ResponseCore res = self.res()
        if res._header is not None and not res._header_sent and not res._closed:
            # The head the app started goes out first, as uvicorn writes
            # it at http.response.start.
            res.flushHeaders()
        socket = self.req().socket
        if socket is not None:
            # What the app sent leaves first, as from uvicorn's transport:
            # the body's write corked the socket until the next tick (as
            # Node's http does), and destroy() drops corked data.
            uncork_all(socket)
            socket.destroy()
        return 0

    cdef int let_go(self) except -1:
        self.req().watch = None
        return 0


@cython.final
cdef class BodyAsked(BodyWatch):
    """A paused request's watch while its app waits for the body."""

    cdef HTTPCycle cycle

    cdef int body_came(self) except -1:
        return self.cycle.wake()
