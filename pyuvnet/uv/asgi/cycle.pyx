# The per-request glue of pyuvnet.asgi (pyuvnet/asgi/_server.py) in C, so
# that an ASGI request whose app never waits runs no Python frame of
# pyuvnet's own:
#
#   ASGICycle    one request and its response, whatever the protocol: its
#                scope, receive() and send(), and the rules on the messages
#                and on the app's end, written once (its Task's coroutine,
#                AppRun, is uv/asgi/app_run.pyx's; ASGIHandler, which
#                runs both, uv/asgi/handler.pyx's).  What differs by
#                protocol is its subclass's: HTTPCycle over HTTP/1.1
#                (uv/asgi/http1_cycle.pyx), H2Cycle over HTTP/2
#                (uv/asgi/h2_cycle.pyx)
#   Ready        what receive() and send() return when nothing must wait:
#                an awaitable done at once (no Future, no coroutine)
#   MessageKind  a message type send() expects, known by identity
#
# Here too is the kit of Python helpers the asgi files share.  What the
# ASGI spec leaves open is done as uvicorn 0.54 does it over both
# protocols (httptools_impl.py and zttp_h2_impl.py; the list is in
# pyuvnet/asgi/_handler.py's docstring).

from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.pyport cimport PY_SSIZE_T_MAX

cdef extern from "Python.h":
    PyObject* PyExc_StopIteration
    void PyErr_SetObject(PyObject* type, PyObject* value)
    ctypedef PyObject* (*iternextfunc)(PyObject*)
    # PyTypeObject, for its one slot Cython's declaration leaves out.
    ctypedef struct IterSlotType "PyTypeObject":
        iternextfunc tp_iternext

cdef class ASGIHandler
cdef class AppRun

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
    (pyuvnet/asgi/_handler.py), and asyncio's ``Task``, ``enter_task``, ``leave_task``,
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
cdef bytes ERROR_BODY = b'Internal Server Error'


cdef dict str_keyed(tuple pairs):
    """A dict of ``pairs`` (key, value), its keys str, inserted one by one:
    a scope template.  Not a literal: Cython presizes a literal's table for
    keys of any type, 24 bytes an entry where one of str keys takes 16, and
    every copy of a template keeps its table (an HTTP/1.1 scope was 632
    bytes where the same keys take 464, issue 72)."""
    cdef dict made = {}
    for key, value in pairs:
        made[key] = value
    return made


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


cdef extern from "pyuvnet_cpython.h":
    int PYUVNET_CPYTHON_TRICKS

_ready_type = Ready
if PYUVNET_CPYTHON_TRICKS:
    # A ready type's slot rewritten: only where pyuvnet_cpython.h allows it
    # (elsewhere __next__ raises StopIteration(value): the same end, slower).
    (<IterSlotType*><PyObject*>_ready_type).tp_iternext = ready_next
del _ready_type
cdef Ready READY_NONE = Ready.__new__(Ready)


cdef inline Ready ready(value):
    cdef Ready done = Ready.__new__(Ready)
    done.value = value
    return done


@cython.final
cdef class MessageKind:
    """A message type send() expects, and the app's own str last found
    equal to it: an app's literals are not interned, so not ours, but
    they are the same objects request after request, so that a type is
    mostly known by its identity."""

    cdef str text
    cdef object seen

    def __cinit__(self, str text):
        self.text = self.seen = text

    cdef bint differs(self, kind) except -1:
        """``kind != text``.  Cython's str != is PyUnicode_Compare, an
        ordering; pyuvnet_same_text compares length, kind and bytes."""
        if kind is self.seen:
            return False
        if type(kind) is not str:
            return kind != self.text
        if not uv.pyuvnet_same_text(kind, self.text):
            return True
        self.seen = kind
        return False


cdef MessageKind START_KIND = MessageKind('http.response.start')
cdef MessageKind BODY_KIND = MessageKind('http.response.body')
cdef MessageKind TRAILERS_KIND = MessageKind('http.response.trailers')


# A cycle's flag, in one byte (a bint is a C int, four): nine of them take
# 9 bytes, not 36, which leaves room for the protocol's request and
# response fields with an HTTP/2 cycle in the allocator's size class it
# was in (232 bytes with the GC's header, in 240's).
ctypedef unsigned char flag


cdef Py_ssize_t counted_length(value) except -2:
    """A Content-Length (an int) as a cycle counts it down in C: past a
    Py_ssize_t no body ends it, and below 0 the first chunk is too long."""
    cdef int overflow
    cdef long long number = PyLong_AsLongLongAndOverflow(value, &overflow)
    return PY_SSIZE_T_MAX if overflow > 0 else -1 if number < 0 else number


cdef class ASGICycle(H2RequestStream):
    """One request and its response, for one run of the app: the message
    rules of uvicorn's cycles, the same over HTTP/1.1 and HTTP/2.  The
    subclass of a protocol takes the request's body and writes the
    response (the ``cdef`` methods under "the protocol's side").  The
    cycle's own steps are final: called directly, not through the vtable
    as the hooks are (a request runs them at each send and at its end).

    Its base is the HTTP/2 request stream (uv/http2/request_stream.pyx), so
    that an HTTP/2 request is one object, its stream and its cycle at once
    (a second one per request was some 330 instructions to make and free,
    and its memory per held request, issue 72).  Over HTTP/1.1 the stream's
    part stays unused: no session holds the cycle, and the stream's calls
    on it do nothing."""

    cdef ASGIHandler handler
    cdef readonly dict scope
    # The protocol's own request and response objects, where they are not
    # the cycle itself: HTTP/1.1's IncomingCore and ResponseCore (None over
    # HTTP/2, whose cycle is its stream).  Held here rather than in the
    # subclass so that HTTPCycle adds no object field: Cython then gives it
    # no deallocator of its own, and freeing an HTTP/1.1 cycle untracks
    # and tracks it again once less (about 40 instructions a request, issue 72).
    cdef object request, response
    cdef object task            # the Task the app runs on, until it ended
    cdef object waiter          # the Future receive() or send() waits on
    cdef Py_ssize_t length      # Content-Length still to send, when ``counted``
    # (Two C ints, set from a Python truth value per request: a bint is
    # set from one without a conversion.)
    cdef bint bodyless          # no body may go out (a HEAD's answer, ...)
    cdef bint trailers_expected # the start said trailers: they end the response
    cdef flag counted           # the start gave a Content-Length
    cdef flag trailers_offered  # the scope offers http.response.trailers
    cdef flag push_offered      # and http.response.push
    cdef flag started, body_complete, complete
    cdef flag body_given        # receive() gave more_body False
    cdef flag continue_due      # 100 Continue goes out at the first receive()
    cdef flag watching          # watch_end() was called

    # -- the protocol's side ---------------------------------------------------

    cdef bint client_left(self) except -1:
        """Whether the client left (its connection or its stream closed)."""
        raise NotImplementedError

    cdef object take_body(self):
        """The ``http.request`` message receive() gives now (and
        ``body_given`` set with its last), or None when it must wait."""
        raise NotImplementedError

    cdef int watch_end(self) except -1:
        """The first wait: wake() is owed when the client leaves."""
        return 0

    cdef int send_continue(self) except -1:
        return 0

    cdef int write_start(self, dict message) except -1:
        """Writes the head (``expect_length()`` told and ``bodyless`` set; and
        ``trailers_expected`` cleared when no body may follow)."""
        raise NotImplementedError

    cdef bint write_body(self, body, bint more) except -1:
        """Writes a body chunk (and, unless ``more``, ends the body): True
        when the app must wait (write_blocked()) before it sends more."""
        raise NotImplementedError

    cdef int flush_head(self) except -1:
        """The head goes out now if it waits (a body is refused after it)."""
        return 0

    cdef int write_trailers(self, pairs, bint more) except -1:
        raise NotImplementedError

    cdef int write_push(self, dict message) except -1:
        raise NotImplementedError

    cdef bint write_blocked(self) except -1:
        """Whether the app's body still waits for the client to take it
        (a wake() is owed when that changes)."""
        return False

    cdef int answer_500(self) except -1:
        """The 500 of an app that failed before its start."""
        raise NotImplementedError

    cdef int abort(self) except -1:
        """A response under way that cannot be finished: cut off (the
        connection closed, the stream reset), what was sent let go first."""
        raise NotImplementedError

    cdef int let_go(self) except -1:
        """The app ended: what the cycle held for it is let go."""
        return 0

    # -- waiting ---------------------------------------------------------------

    @cython.final
    cdef object waiting(self):
        """The Future to wait on until something changes: body bytes, the
        body's end, a write taken, the response's end or the client's
        leaving."""
        if not self.watching:
            self.watching = True
            self.watch_end()
        if self.waiter is None:
            self.waiter = self.handler._loop.create_future()
        return self.waiter

    def _wake(self, *_):
        self.wake()

    @cython.final
    cdef int wake(self) except -1:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return 0

    # -- receive ---------------------------------------------------------------

    def receive(self):
        """The next ``http.request`` (body chunk), or ``http.disconnect``
        once the response is complete or the client left (an awaitable
        done at once when nothing waits)."""
        if self.continue_due:
            self.continue_due = False
            self.send_continue()
        message = self.received()
        return self.receive_later() if message is None else ready(message)

    async def receive_later(self):
        message = None
        while message is None:
            await self.waiting()
            message = self.received()
        return message

    @cython.final
    cdef object received(self):
        """The message receive() gives now, or None when it must wait."""
        if self.complete or self.client_left():
            return DISCONNECT
        if self.body_given:
            return None
        return self.take_body()

    # -- send ------------------------------------------------------------------

    def send(self, message):
        """``http.response.start``, ``.body``, then ``.trailers`` when the
        start said so (and ``.push`` where offered); waits while the
        client does not take the body (an awaitable done at once
        otherwise)."""
        # Read as a dict (an app's messages are), by C calls.
        cdef dict msg = message if type(message) is dict else dict(message)
        kind = msg['type']
        if not self.complete and self.client_left():
            return READY_NONE       # the client left (uvicorn: nothing, no error)
        if not self.started:
            if START_KIND.differs(kind):
                self.other_message(kind, msg, 'http.response.start')
            else:
                self.start_response(msg)
        elif not self.body_complete:
            if BODY_KIND.differs(kind):
                self.other_message(kind, msg, 'http.response.body')
            else:
                return self.send_body(msg)
        elif not self.complete:
            if TRAILERS_KIND.differs(kind):
                self.other_message(kind, msg, 'http.response.trailers')
            else:
                more = bool(msg.get('more_trailers', False))
                if not more:
                    self.complete = True
                self.write_trailers(msg.get('headers', ()), more)
                if not more:
                    self.wake()
        else:
            raise RuntimeError("Unexpected ASGI message '%s' sent, after response already "
                               "completed." % kind)
        return READY_NONE

    @cython.final
    cdef int other_message(self, kind, dict message, str expected) except -1:
        """A message that is not the one the response's state expects: a
        push where offered, else uvicorn's error."""
        if self.push_offered and kind == 'http.response.push':
            return self.write_push(message)
        raise RuntimeError("Expected ASGI message '%s', but got '%s'." % (expected, kind))

    @cython.final
    cdef int start_response(self, dict message) except -1:
        self.started = True
        self.continue_due = False
        self.trailers_expected = self.trailers_offered and bool(message.get('trailers', False))
        return self.write_start(message)

    @cython.final
    cdef int expect_length(self, value) except -1:
        """The start's Content-Length, an int (None: none given)."""
        if value is not None:
            self.counted = True
            self.length = counted_length(value)
        return 0

    @cython.final
    cdef object send_body(self, dict message):
        body = message.get('body', b'')
        more = message.get('more_body', False)
        if self.counted and not self.bodyless:
            self.length -= len(body)
            # As uvicorn: what it had sent before the error goes out.
            if self.length < 0:
                self.flush_head()
                raise RuntimeError('Response content longer than Content-Length')
            if not more and self.length != 0:
                self.write_body(body, True)
                raise RuntimeError('Response content shorter than Content-Length')
        if more:
            if self.write_body(body, True):
                return self.drained()
            return READY_NONE
        self.body_complete = True
        self.complete = not self.trailers_expected
        self.write_body(body, False)
        if self.complete:
            self.wake()
        return READY_NONE

    async def drained(self):
        while self.write_blocked():
            await self.waiting()

    # -- the app's end ---------------------------------------------------------

    @cython.final
    cdef object finish(self, result, error):
        """The app's coroutine ended, returning ``result`` or raising
        ``error`` (a BaseException, else None): uvicorn's rules on its end.
        Returns what the Task must raise (an exception that is not an
        Exception, as uvicorn re-raises it), else None."""
        try:
            if error is not None:
                asgi_kit['logger'].error('Exception in ASGI application\n', exc_info=error)
                if not self.started:
                    self.fail()
                else:
                    self.abort()
                return None if isinstance(error, Exception) else error
            if result is not None:
                asgi_kit['logger'].error(
                    "ASGI callable should return None, but returned '%s'.", result)
                self.abort()
            elif not self.started and not self.client_left():
                asgi_kit['logger'].error('ASGI callable returned without starting response.')
                self.fail()
            elif not self.complete and not self.client_left():
                asgi_kit['logger'].error('ASGI callable returned without completing response.')
                self.abort()
            return None
        finally:
            self.wake()
            self.handler.tasks.discard(self.task)
            self.task = None
            self.let_go()

    @cython.final
    cdef int fail(self) except -1:
        if self.client_left():
            return 0
        self.started = self.body_complete = self.complete = True
        return self.answer_500()
