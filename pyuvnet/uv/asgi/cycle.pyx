# The per-request glue of pyuvnet.asgi (pyuvnet/asgi/_server.py) in C, so
# that an ASGI request whose app never waits runs no Python frame of
# pyuvnet's own:
#
#   HTTPCycle    one request: its scope, receive() and send(), and the
#                rules on the app's end (its Task's coroutine, AppRun, is
#                uv/asgi/app_run.pyx's; ASGIHandler, the server's
#                'request' listener that makes both, uv/asgi/handler.pyx's)
#   Ready        what receive() and send() return when nothing must wait:
#                an awaitable done at once (no Future, no coroutine)
#
# Here too is the kit of Python helpers the three files share.  What the
# ASGI spec leaves open is done as uvicorn does it (the list is in
# pyuvnet/asgi/_handler.py's docstring).


cdef extern from "Python.h":
    PyObject* PyExc_StopIteration
    void PyErr_SetObject(PyObject* type, PyObject* value)
    ctypedef PyObject* (*iternextfunc)(PyObject*)
    # PyTypeObject, for its one slot Cython's declaration leaves out.
    ctypedef struct IterSlotType "PyTypeObject":
        iternextfunc tp_iternext

cdef class ASGIHandler
cdef class HTTPCycle
cdef class AppRun
cdef class H2Cycle
cdef class H2Requests

# pyuvnet.asgi's Python helpers for the rare paths (set by _set_asgi_kit).
cdef dict asgi_kit = {}
# asyncio's, set there too (importing pyuvnet imports no asyncio): its
# Task, _enter_task and _leave_task, and BaseEventLoop.create_task; and
# the dict current_task() reads, where it is one (None: the functions).
cdef object AsyncioTask, enter_task, leave_task, base_create_task
cdef dict current_tasks = None


def _set_asgi_kit(**kit):
    """pyuvnet.asgi's helpers: ``logger``, ``access_logger``, ``unquote``,
    ``quote``, ``split_target``, ``connection_ends``, ``header_name``
    (pyuvnet/asgi/_handler.py), asyncio's ``CancelledError`` (for
    H2Cycle), and asyncio's ``Task``, ``enter_task``, ``leave_task``,
    ``base_create_task`` (BaseEventLoop.create_task) and ``current_tasks``
    (or None) for AppRun."""
    global AsyncioTask, enter_task, leave_task, base_create_task, current_tasks
    current_tasks = kit.pop('current_tasks')
    AsyncioTask = kit.pop('Task')
    enter_task = kit.pop('enter_task')
    leave_task = kit.pop('leave_task')
    base_create_task = kit.pop('base_create_task')
    asgi_kit.update(kit)


cdef dict DISCONNECT = {'type': 'http.disconnect'}
cdef tuple ERROR_HEAD = ('content-type', 'text/plain; charset=utf-8', 'content-length', '21',
                         'connection', 'close')
cdef bytes ERROR_BODY = b'Internal Server Error'


@cython.final
@cython.freelist(16)
cdef class Ready:
    """An awaitable done at once with ``value``: receive()'s message, or
    send()'s None.  Awaiting it runs no frame: its iterator ends at the
    first step (``ready_next``).  Also a coroutine (send, throw, close)
    for create_task() and ensure_future()."""

    cdef object value

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        # Replaced by ready_next when the module loads; its meaning.
        raise StopIteration(self.value)

    def send(self, value):
        raise StopIteration(self.value)

    def throw(self, typ, val=None, tb=None):
        raise typ if val is None else val

    def close(self):
        pass


cdef PyObject* ready_next(PyObject* self) noexcept:
    # The iterator's end with its value, as the interpreter reads it: no
    # exception set is the end with None; a StopIteration set with a value
    # that is neither a tuple nor an exception is the end with that value,
    # which CPython 3.11 takes without making the exception object.
    cdef Ready done = <Ready><object>self
    if done.value is not None:
        PyErr_SetObject(PyExc_StopIteration, <PyObject*>done.value)
    return NULL


_ready_type = Ready
(<IterSlotType*><PyObject*>_ready_type).tp_iternext = ready_next
del _ready_type
cdef Ready READY_NONE = Ready.__new__(Ready)


cdef inline Ready ready(value):
    cdef Ready done = Ready.__new__(Ready)
    done.value = value
    return done


cdef inline bint not_text(kind, str text) except -1:
    # ``kind != text``: an app's message types ('http.response.body') are
    # not interned, so not ours, and Cython's str != is PyUnicode_Compare,
    # an ordering; pyuvnet_same_text compares length, kind and bytes.
    if type(kind) is not str:
        return kind != text
    return not uv.pyuvnet_same_text(kind, text)


@cython.final
cdef class HTTPCycle(BodyWatch):
    """One request and its response, for one run of the app.  The body
    waits in the request's own buffer, paused (its socket reads no more
    than a high-water mark ahead), told to us as it comes (``body_came``),
    and each receive() takes what waits."""

    cdef ASGIHandler handler
    cdef IncomingCore req
    cdef ResponseCore res
    cdef readonly dict scope
    cdef object task
    cdef bint body_given        # receive() gave more_body False
    cdef bint reading           # the app asked for the body (we watch it)
    cdef bint watching          # our 'close' listener is on the response
    cdef bint started, complete, continue_due, head
    cdef object waiter          # the Future receive() or send() waits on
    cdef object length          # Content-Length still to send, when given

    cdef object finish(self, result, error):
        """The app's coroutine ended, returning ``result`` or raising
        ``error`` (a BaseException, else None): uvicorn's rules on its end.
        Returns what the Task must raise (an exception that is not an
        Exception, as uvicorn re-raises it), else None."""
        try:
            if error is not None:
                asgi_kit['logger'].error('Exception in ASGI application', exc_info=error)
                if not self.started:
                    self.answer_500()
                else:
                    self.close_connection()
                return None if isinstance(error, Exception) else error
            if result is not None:
                asgi_kit['logger'].error(
                    "ASGI callable should return None, but returned '%s'.", result)
                self.close_connection()
            elif not self.started and not self.disconnected():
                asgi_kit['logger'].error('ASGI callable returned without starting response.')
                self.answer_500()
            elif not self.complete and not self.disconnected():
                asgi_kit['logger'].error('ASGI callable returned without completing response.')
                self.close_connection()
            return None
        finally:
            self.req.watch = None
            self.wake_now()
            self.handler.tasks.discard(self.task)
            self.task = None

    cdef bint disconnected(self):
        return self.res._closed and not self.complete

    cdef int answer_500(self) except -1:
        if self.disconnected():
            return 0
        self.started = self.complete = True
        self.res.writeHead(500, list(ERROR_HEAD))
        self.res.end(ERROR_BODY)
        return 0

    cdef int close_connection(self) except -1:
        cdef ResponseCore res = self.res
        if res._header is not None and not res._header_sent and not res._closed:
            # The head the app started goes out first, as uvicorn writes
            # it at http.response.start.
            res.flushHeaders()
        socket = self.req.socket
        if socket is not None:
            # What the app sent leaves first, as from uvicorn's transport:
            # the body's write corked the socket until the next tick (as
            # Node's http does), and destroy() drops corked data.
            uncork_all(socket)
            socket.destroy()
        return 0

    # -- waiting -------------------------------------------------------------

    cdef object waiting(self):
        """The Future to wait on until something changes: body bytes, the
        body's end, a 'drain', the response's end or the connection's close."""
        if not self.watching:
            self.watching = True
            self.res.once('close', self.wake)
        if self.waiter is None:
            self.waiter = self.handler._loop.create_future()
        return self.waiter

    def wake(self, *_):
        self.wake_now()

    cdef int wake_now(self) except -1:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return 0

    cdef int body_came(self) except -1:
        return self.wake_now()

    # -- receive -------------------------------------------------------------

    def receive(self):
        cdef ResponseCore res = self.res
        if self.continue_due:
            self.continue_due = False
            if not res._header_sent and not res._closed:
                res.writeContinue()
        message = self.received()
        if message is None:
            return self.receive_later()
        return ready(message)

    async def receive_later(self):
        while True:
            await self.waiting()
            message = self.received()
            if message is not None:
                return message

    cdef object received(self):
        """The message receive() gives now, or None when it must wait."""
        if self.complete or self.res._closed:
            return DISCONNECT
        if self.body_given:
            return None
        cdef IncomingCore req = self.req
        if not self.reading:
            self.reading = True
            if not req._ended:
                # Told of what comes from now on (the request stays paused).
                req.watch = self
        if req._buffer or req._ended:
            # The whole body came with the head (the usual case): taken
            # with no wait.
            ended = req._ended
            body = req.take_body()
            self.body_given = ended
            return {'type': 'http.request', 'body': body, 'more_body': not ended}
        return None

    # -- send ------------------------------------------------------------------

    def send(self, message):
        # Read as a dict (an app's messages are), by C calls.
        cdef dict msg = message if type(message) is dict else dict(message)
        kind = msg['type']
        cdef ResponseCore res = self.res
        if res._closed and not self.complete:
            return READY_NONE       # the client left (uvicorn: nothing, no error)
        if not self.started:
            if not_text(kind, 'http.response.start'):
                raise RuntimeError("Expected ASGI message 'http.response.start', but got '%s'."
                                   % kind)
            self.start_response(msg)
            return READY_NONE
        if self.complete:
            raise RuntimeError("Unexpected ASGI message '%s' sent, after response already "
                               "completed." % kind)
        if not_text(kind, 'http.response.body'):
            raise RuntimeError("Expected ASGI message 'http.response.body', but got '%s'." % kind)
        body = msg.get('body', b'')
        more = msg.get('more_body', False)
        if self.length is not None and not self.head:
            self.length -= len(body)
            # As uvicorn: what it had sent before the error goes out.
            if self.length < 0:
                res.flushHeaders()
                raise RuntimeError('Response content longer than Content-Length')
            if not more and self.length:
                res.write(body)
                raise RuntimeError('Response content shorter than Content-Length')
        if more:
            if body and res.write(body) is False:
                # The client is not reading: wait for the response's 'drain'.
                return self.drained()
            return READY_NONE
        self.complete = True
        if res.ends_at_once(body):
            res.end_bytes(body)
        else:
            res.end(body)
        if self.reading and not self.body_given:
            # Read (and drop) the rest of the body, as uvicorn does, so
            # that the connection can go on to its next request.
            self.req.watch = None
            self.req.dump()
        self.wake_now()
        return READY_NONE

    async def drained(self):
        cdef ResponseCore res = self.res
        while res.writableNeedDrain and not res._closed:
            res.once('drain', self.wake)
            await self.waiting()

    cdef int start_response(self, dict message) except -1:
        self.started = True
        self.continue_due = False
        cdef ResponseCore res = self.res
        server = self.handler.server
        if (<ServerCore>server)._closing:
            # The server is closing: this answer is the connection's last
            # (uvicorn's shutdown turns keep-alive off).  (Once it emitted
            # 'close', no connection is left to keep alive.)
            res._should_keep_alive = False
        cdef ASGIHandler handler = self.handler
        cdef tuple made = handler.head_block(message.get('headers', ()))
        self.length = made[1]
        status = message['status']
        if handler.access_logger is not None:
            handler.log_access(self.scope, status)
        if not handler.send_date:
            res._send_date = False
        res.write_head(status, None, None, <HeaderBlock>made[0])
        return 0
