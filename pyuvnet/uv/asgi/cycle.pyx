# The per-request glue of pyuvnet.asgi (pyuvnet/asgi/_server.py) in C, so
# that an ASGI request whose app never waits runs no Python frame of
# pyuvnet's own:
#
#   ASGIHandler  a server's 'request' and 'checkContinue' listener, and
#                what its requests share: the scope's per-server part, the
#                request targets and header pairs seen last, the app's
#                response heads already made
#   HTTPCycle    one request: its scope, receive() and send(), and the
#                rules on the app's end (its Task's coroutine, AppRun, is
#                uv/asgi/app_run.pyx's)
#   Ready        what receive() and send() return when nothing must wait:
#                an awaitable done at once (no Future, no coroutine)
#
# What the ASGI spec leaves open is done as uvicorn does it (the list is in
# pyuvnet/asgi/_cycle.py's docstring).

from cpython.dict cimport PyDict_Copy
from cpython.unicode cimport (PyUnicode_AsLatin1String, PyUnicode_GET_LENGTH, PyUnicode_KIND,
                              PyUnicode_DATA)
from libc.string cimport memcmp

cdef extern from "Python.h":
    PyObject* PyExc_StopIteration
    void PyErr_SetObject(PyObject* type, PyObject* value)
    ctypedef PyObject* (*iternextfunc)(PyObject*)
    # PyTypeObject, for its one slot Cython's declaration leaves out.
    ctypedef struct IterSlotType "PyTypeObject":
        iternextfunc tp_iternext

cdef class HTTPCycle
cdef class AppRun

# pyuvnet.asgi's Python helpers for the rare paths (set by _set_asgi_kit).
cdef dict asgi_kit = {}
# asyncio's, set there too (importing pyuvnet imports no asyncio): its
# Task, _enter_task and _leave_task, and BaseEventLoop.create_task; and
# the dict current_task() reads, where it is one (None: the functions).
cdef object AsyncioTask, enter_task, leave_task, base_create_task
cdef dict current_tasks = None


def _set_asgi_kit(**kit):
    """pyuvnet.asgi's helpers: ``logger``, ``unquote``, ``split_target``,
    ``connection_ends``, ``header_name`` (pyuvnet/asgi/_cycle.py), and
    asyncio's ``Task``, ``enter_task``, ``leave_task``,
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
cdef enum:
    PAIRS_KEPT = 64             # header positions whose last pair is kept
    BLOCKS_KEPT = 512           # distinct response heads kept per server


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


cdef bytes latin1(str text):
    return PyUnicode_AsLatin1String(text)


cdef class ASGIHandler:
    """A pyuvnet.asgi server's 'request' listener (a call per request:
    its HTTPCycle and the Task running the app) and what its requests
    share."""

    cdef readonly object server, app
    cdef object _loop
    cdef object task_factory_of # its get_task_factory, bound once
    cdef bint plain_loop        # its create_task() is asyncio's or uvloop's own
    cdef AppRun spare           # parked: its Task is the next early step's (app_run.pyx)
    cdef readonly set tasks
    """The requests' Tasks under way (the server's ``_tasks``)."""
    cdef object state
    cdef dict http_template, ws_template
    cdef str root_path
    cdef bytes raw_root
    cdef object unique
    cdef dict blocks            # the app's headers, as a tuple -> (HeaderBlock, length)
    cdef tuple last_headers     # the last of those keys found or made, and its value
    cdef tuple last_made
    cdef list pairs             # by position: (name, value, (lower name bytes, value bytes))
    cdef object last_url
    cdef tuple last_target      # (path, raw_path, query_string) of last_url

    def __init__(self, server, app, str root_path, str scheme, dict versions, state,
                 set tasks):
        self.server = server
        self.app = app
        self.state = state
        self.tasks = tasks
        self.root_path = root_path
        self.raw_root = root_path.encode('utf-8')
        self.unique = (<ServerSettings?>server._settings).unique_headers
        self.blocks = {}
        self.pairs = []
        # The keys in the order of asgiref's spec; the Nones are set per request.
        self.http_template = {
            'type': 'http', 'asgi': versions, 'http_version': '1.1', 'server': None,
            'client': None, 'scheme': scheme, 'root_path': root_path, 'path': None,
            'raw_path': None, 'query_string': None, 'headers': None, 'state': None,
            'method': None}
        self.ws_template = self.http_template.copy()
        self.ws_template['type'] = 'websocket'
        self.ws_template['scheme'] = 'wss' if scheme == 'https' else 'ws'
        del self.ws_template['method']

    property loop:
        """The asyncio loop the apps run on (set by listen())."""
        def __get__(self):
            return self._loop

        def __set__(self, loop):
            self.end_spare()
            self._loop = loop
            self.task_factory_of = loop.get_task_factory
            self.plain_loop = plain_create_task(loop)

    def end_spare(self):
        """The spare Task ends (at the server's close)."""
        if self.spare is not None:
            self.spare.release()
            self.spare = None

    def __call__(self, req, res):
        self.start(<IncomingCore?>req, <ResponseCore?>res, False)

    def check_continue(self, req, res):
        """The 'checkContinue' listener: 100 Continue goes out when the app
        first calls receive()."""
        self.start(<IncomingCore?>req, <ResponseCore?>res, True)

    cdef int start(self, IncomingCore req, ResponseCore res, bint expect_continue) except -1:
        cdef HTTPCycle cycle = HTTPCycle.__new__(HTTPCycle)
        cycle.handler = self
        cycle.req = req
        cycle.res = res
        cycle.continue_due = expect_continue
        method = req.method
        cycle.head = len(method) == 4 and method == 'HEAD'
        if not req._ended:
            # The body is read as the app asks (receive()), not before.
            req.pause()
        cycle.scope = self.make_scope(req, req.socket, False)
        cdef AppRun run
        loop = self._loop
        if PYUVNET_EARLY_STEP and self.task_factory_of() is None:
            # The app's first step now, in this turn (uv/asgi/app_run.pyx).
            context = PyContext_CopyCurrent()
            if self.plain_loop:
                run = early_on_spare(self, cycle, loop, context)
                if run is None:
                    return 0        # it ended: the spare is parked again
                task, run.task = run.task, None
            else:
                run = AppRun.__new__(AppRun)
                run.cycle = cycle
                task = cycle.task = loop.create_task(run, context=context)
                run.early(loop, task, context)
        else:
            run = AppRun.__new__(AppRun)
            run.cycle = cycle
            task = cycle.task = loop.create_task(run)
        if run.state != RUN_ENDED and run.state != RUN_OVER:
            # Under way (an eager task factory may have run it whole).
            self.tasks.add(task)
        return 0

    def scope(self, req, socket, str kind):
        """The ``http`` or ``websocket`` scope of ``req`` on ``socket``."""
        return self.make_scope(<IncomingCore?>req, socket, kind == 'websocket')

    cdef dict make_scope(self, IncomingCore req, socket, bint websocket):
        cdef tuple ends
        cdef tuple target = self.target(req.url)
        cdef dict scope
        exchange = req.exchange
        if websocket or exchange is None:
            scope = PyDict_Copy(self.ws_template if websocket else self.http_template)
            ends = self.ends_of(socket)
            scope['server'] = ends[1]
            scope['client'] = ends[0]
            scope['path'] = target[0]
            scope['raw_path'] = target[1]
            scope['query_string'] = target[2]
            if not websocket:
                scope['method'] = req.method
            if req._minor != 1:
                scope['http_version'] = req.httpVersion
        else:
            scope = PyDict_Copy(self.connection_scope(<ServerExchange>exchange, req, target))
        scope['headers'] = self.headers(<tuple>req._raw)
        state = self.state
        scope['state'] = PyDict_Copy(state) if type(state) is dict else state.copy()
        return scope

    cdef tuple ends_of(self, socket):
        ends = getattr(socket, '_asgi_ends', None)
        if ends is None:
            ends = asgi_kit['connection_ends'](socket, self.server)
        return <tuple>ends

    cdef dict connection_scope(self, ServerExchange exchange, IncomingCore req, tuple target):
        """The http scope of a request on ``exchange``'s connection but its
        headers and state: kept per connection (its ``app_data``), its
        request parts set again only when they differ from the last
        request's (mostly they do not)."""
        cdef ConnectionScope conn = <ConnectionScope?>exchange.app_data \
            if exchange.app_data is not None else None
        cdef dict template
        if conn is None:
            conn = ConnectionScope.__new__(ConnectionScope)
            conn.template = template = PyDict_Copy(self.http_template)
            ends = self.ends_of(exchange.socket)
            template['server'] = (<tuple>ends)[1]
            template['client'] = (<tuple>ends)[0]
            conn.minor = 1
            exchange.app_data = conn
        template = conn.template
        if target is not conn.target:
            conn.target = target
            template['path'] = target[0]
            template['raw_path'] = target[1]
            template['query_string'] = target[2]
        method = req.method
        if method is not conn.method:
            conn.method = method
            template['method'] = method
        if req._minor != conn.minor:
            conn.minor = req._minor
            template['http_version'] = req.httpVersion
        return template

    cdef tuple target(self, str url):
        """(path, raw_path, query_string) of a request target: the last
        one again when the parser gave the same str (it keeps them)."""
        if url is self.last_url:
            return self.last_target
        cdef Py_ssize_t mark
        if url[:1] == '/':
            mark = url.find('?')
            if mark < 0:
                path, query = url, b''
            else:
                path, query = url[:mark], latin1(url[mark + 1:])
            raw = latin1(path)
        else:
            raw, query = asgi_kit['split_target'](url)
            path = raw.decode('latin-1')
        if '%' in path:
            path = asgi_kit['unquote'](path)
        if self.root_path:
            path = self.root_path + path
            raw = self.raw_root + raw
        target = (path, raw, query)
        self.last_url = url
        self.last_target = target
        return target

    cdef list headers(self, tuple raw):
        """The scope's headers: (lower-case name, value) bytes pairs.  The
        parser reuses a str it decoded at the same position in the last
        head, so a pair seen there last is reused whole."""
        cdef Py_ssize_t i, n = len(raw) // 2
        cdef list kept = self.pairs
        cdef list out = []
        cdef tuple memo
        for i in range(n):
            name = raw[2 * i]
            value = raw[2 * i + 1]
            if i < len(kept):
                memo = <tuple>kept[i]
                if memo[0] is name and memo[1] is value:
                    out.append(memo[2])
                    continue
            pair = (asgi_kit['header_name'](name), latin1(value))
            out.append(pair)
            if i < len(kept):
                kept[i] = (name, value, pair)
            elif i == len(kept) and i < PAIRS_KEPT:
                kept.append((name, value, pair))
        return out

    cdef tuple head_block(self, headers):
        """(HeaderBlock, first Content-Length as an int or None) of a
        response's ASGI headers; made once per distinct headers."""
        key = None
        if type(headers) is list or type(headers) is tuple:
            if self.same_as_last(headers):
                return self.last_made
            key = tuple(headers)
            try:
                found = self.blocks.get(key)
            except TypeError:       # pairs that are lists: not kept
                key = None
            else:
                if found is not None:
                    self.last_headers = key
                    self.last_made = <tuple>found
                    return <tuple>found
        pairs = []
        length = None
        for name, value in headers:
            name = name.decode('latin-1') if type(name) is bytes else name
            value = value.decode('latin-1') if type(value) is bytes else value
            if length is None and name.lower() == 'content-length':
                length = int(value)
            pairs.append((name, value))
        made = (header_block(tuple(pairs), self.unique), length)
        if key is not None:
            if len(self.blocks) >= BLOCKS_KEPT:
                self.blocks.clear()
            self.blocks[key] = made
            self.last_headers = key
            self.last_made = made
        return made

    cdef bint same_as_last(self, headers) except -1:
        """Whether a list or tuple of headers equals the last key, compared
        pair by pair (most are the same objects): an app's headers
        mostly repeat, and this spares hashing them."""
        cdef tuple last = self.last_headers
        cdef Py_ssize_t i, n = len(headers)
        if last is None or n != len(last):
            return False
        for i in range(n):
            pair = headers[i]
            if pair is not last[i] and not (type(pair) is tuple
                                            and same_pair(<tuple>pair, last[i])):
                return False
        return True


cdef bint same_pair(tuple pair, last) except -1:
    """``pair == last``; two (name, value) pairs of bytes by their bytes,
    with no rich comparison (an app such as Starlette makes its pairs anew
    per response, with equal bytes)."""
    if type(last) is tuple and len(pair) == 2 and len(<tuple>last) == 2:
        name, value = pair[0], pair[1]
        last_name, last_value = (<tuple>last)[0], (<tuple>last)[1]
        if (type(name) is bytes and type(value) is bytes and type(last_name) is bytes
                and type(last_value) is bytes):
            return same_bytes(name, last_name) and same_bytes(value, last_value)
    return pair == last


cdef inline bint not_text(kind, str text) except -1:
    # ``kind != text``: an app's message types ('http.response.body') are
    # not interned, so not ours, and Cython's str != is PyUnicode_Compare,
    # an ordering; two str of one length and kind are equal by memcmp.
    if kind is text:
        return False
    if type(kind) is not str:
        return kind != text
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(kind)
    cdef int width = PyUnicode_KIND(kind)
    return (n != PyUnicode_GET_LENGTH(text) or width != PyUnicode_KIND(text)
            or memcmp(PyUnicode_DATA(kind), PyUnicode_DATA(text), n * width) != 0)


cdef inline bint same_bytes(bytes a, bytes b):
    cdef Py_ssize_t n = PyBytes_GET_SIZE(a)
    return a is b or (n == PyBytes_GET_SIZE(b)
                      and memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), n) == 0)


@cython.final
cdef class ConnectionScope:
    """A connection's http scope but for its headers and state: the
    server's template with the connection's client and server, and the
    request target, method and HTTP minor version it was last set for."""

    cdef dict template
    cdef tuple target
    cdef object method
    cdef int minor


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
        cdef tuple made = self.handler.head_block(message.get('headers', ()))
        self.length = made[1]
        res.write_head(message['status'], None, None, <HeaderBlock>made[0])
        return 0
