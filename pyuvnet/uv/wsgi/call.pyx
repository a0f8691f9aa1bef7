# The per-request glue of pyuvnet.wsgi (pyuvnet/wsgi/) in C: a request's
# PEP 3333 environ made from what the parser gave its IncomingCore, the
# app's start_response and write, and the response written through the
# ResponseCore's C paths (http/outgoing.pyx), so that a request answered
# on the loop's thread runs no Python frame of pyuvnet's own.
#
#   WsgiCall       one request: environ, start_response, the iterable
#                  drawn on the loop's thread or handed over from a worker
#                  thread (pyuvnet/wsgi/_exchange.py's docstring says the
#                  rules, gunicorn's where PEP 3333 is silent)
#   WsgiRequests   a WSGI server's 'request' listener: a request whose body
#                  is all in, with threads: 0, runs here at once; the rest
#                  go to the server's ``_on_request`` (pyuvnet/wsgi/_server.py)
#
# What Python does on the rare paths (logging, Node's header errors, the
# connection's part of the environ) is handed over by ``_set_wsgi_kit``.

from cpython.dict cimport PyDict_Copy, PyDict_GetItemWithError, PyDict_SetDefault
from cpython.unicode cimport PyUnicode_READ_CHAR

cdef dict wsgi_kit = {}
DEF WSGI_HIGH_WATER = 65536
DEF WSGI_NAMES_KEPT = 512

# What a request header's name becomes in the environ (None: dropped),
# remembered for the names seen first, which are the ones that repeat.
cdef dict wsgi_environ_keys = {'Content-Type': 'CONTENT_TYPE',
                               'Content-Length': 'CONTENT_LENGTH'}
# The response header names start_response() found to be tokens, likewise.
cdef set wsgi_good_names = set()
# The status start_response() was given last (apps pass the same literal):
# its code, and the reason to make the head with (None: Node's own, whose
# status line is made once).
cdef object wsgi_last_status = None
cdef int wsgi_last_code = 0
cdef object wsgi_last_reason = None
# The headers start_response() checked last, as (str, str) tuples, what
# they said (their Content-Length, for a bodiless answer or not), and their
# block once made: an app mostly answers with equal names and values (not
# the same objects: a Content-Length is made per response), which are then
# neither checked nor made into a block again.
cdef tuple wsgi_memo_pairs = None
cdef object wsgi_memo_remaining = None
cdef bint wsgi_memo_bodiless = False
cdef object wsgi_memo_unique = None
cdef HeaderBlock wsgi_memo_block = None
# __call__'s default for start_response's headers: a call without is write().
cdef object WSGI_NO_HEADERS = object()
cdef const char* WSGI_CONTENT_LENGTH = b'content-length'
cdef list WSGI_ERROR_HEAD = ['Content-Type', 'text/plain; charset=utf-8',
                             'Content-Length', '21', 'Connection', 'close']


def _set_wsgi_kit(**kit):
    """pyuvnet.wsgi's helpers: connection_environ(server, socket),
    unquote(path), target_parts(url), logger, validateHeaderName,
    validateHeaderValue, Condition."""
    wsgi_kit.update(kit)


def _wsgi_environ_key(str name):
    """The environ key of a request header's name (gunicorn's), or None."""
    return wsgi_environ_key(name)


cdef object wsgi_environ_key(str name):
    """CONTENT_TYPE, CONTENT_LENGTH, else HTTP_ and the name upper-cased
    with '-' as '_'; None for a name with an underscore (it would be
    mistaken for the dashed one)."""
    cdef PyObject* found = PyDict_GetItemWithError(wsgi_environ_keys, name)
    if found != NULL:
        return <object>found
    upper = name.upper()
    if '_' in upper:
        key = None
    elif upper == 'CONTENT-TYPE':
        key = 'CONTENT_TYPE'
    elif upper == 'CONTENT-LENGTH':
        key = 'CONTENT_LENGTH'
    else:
        key = 'HTTP_' + upper.replace('-', '_')
    if len(wsgi_environ_keys) < WSGI_NAMES_KEPT:
        wsgi_environ_keys[name] = key
    return key


def _wsgi_environ(server, req, body):
    """PEP 3333's environ of ``req``; ``body`` is wsgi.input."""
    return wsgi_environ(server, <IncomingCore?>req, body)


@cython.final
cdef class WsgiConnection:
    """What the environs of a connection's requests share: the
    connection's part, and the last request's environ as it was made,
    with what it was made of (a keep-alive client mostly repeats its
    request line and headers, which the parser then gives as the same
    strs), to be copied whole when the next request repeats them."""

    cdef dict base              # the connection's part
    cdef dict last              # the last environ made (wsgi.input empty), or None
    cdef object method, url
    cdef int major, minor
    cdef tuple raw

    cdef bint repeats(self, IncomingCore req):
        cdef tuple raw = req._raw
        cdef tuple known = self.raw
        cdef Py_ssize_t i
        if self.last is None or req.method is not self.method or req.url is not self.url \
                or req._major != self.major or req._minor != self.minor \
                or len(raw) != len(known):
            return False
        for i in range(len(raw)):
            if <PyObject*>raw[i] is not <PyObject*>known[i]:
                return False
        return True


cdef dict wsgi_environ(server, IncomingCore req, body):
    cdef ServerExchange exchange = <ServerExchange?>req.exchange
    cdef WsgiConnection connection = None
    cdef dict environ
    if exchange is not None and exchange.app_data is not None:
        connection = <WsgiConnection?>exchange.app_data
    if connection is not None and connection.repeats(req):
        environ = PyDict_Copy(connection.last)
        if body is not WSGI_EMPTY_INPUT:
            environ['wsgi.input'] = body
        return environ
    if connection is None:
        # The connection's part, made at its first request; it has every
        # key of a request's own too, so that a copy of it takes them
        # without growing (the request's headers may still grow it).
        connection = WsgiConnection.__new__(WsgiConnection)
        connection.base = <dict?>wsgi_kit['connection_environ'](server, req.socket)
        if exchange is not None:
            exchange.app_data = connection
    environ = request_environ(connection.base, req, body)
    if exchange is not None:
        connection.last = PyDict_Copy(environ)
        connection.last['wsgi.input'] = WSGI_EMPTY_INPUT
        connection.method, connection.url, connection.raw = req.method, req.url, req._raw
        connection.major, connection.minor = req._major, req._minor
    return environ


cdef dict request_environ(dict base, IncomingCore req, body):
    """A copy of ``base`` with ``req``'s own keys."""
    cdef str url = req.url
    cdef str path, query
    cdef Py_ssize_t mark
    if len(url) and PyUnicode_READ_CHAR(url, 0) == 47:     # '/'
        mark = url.find('?')
        if mark < 0:
            path, query = url, ''
        else:
            path, query = url[:mark], url[mark + 1:]
        if '%' in path:
            path = wsgi_kit['unquote'](path)
    else:
        path, query = wsgi_kit['target_parts'](url)
    cdef dict environ = PyDict_Copy(base)
    script = <str?>environ['SCRIPT_NAME']
    if script and path.startswith(script):
        path = path[len(script):]
    environ['REQUEST_METHOD'] = req.method
    environ['PATH_INFO'] = path
    environ['QUERY_STRING'] = query
    if req._major == 1 and req._minor == 1:
        environ['SERVER_PROTOCOL'] = 'HTTP/1.1'
    elif req._major == 1 and req._minor == 0:
        environ['SERVER_PROTOCOL'] = 'HTTP/1.0'
    else:
        environ['SERVER_PROTOCOL'] = 'HTTP/%d.%d' % (req._major, req._minor)
    environ['wsgi.input'] = body
    cdef tuple raw = req._raw
    cdef Py_ssize_t i
    cdef PyObject* found
    for i in range(0, len(raw) - 1, 2):
        key = wsgi_environ_key(raw[i])
        if key is None:
            continue
        value = raw[i + 1]
        found = <PyObject*>PyDict_SetDefault(environ, key, value)
        if found != <PyObject*>value:
            environ[key] = <str>found + ',' + value
    return environ


@cython.final
@cython.freelist(8)
cdef class WsgiCall:
    """The state of one request, shared by the loop's thread and (with
    ``threaded``) the app's worker thread."""

    cdef object server
    cdef IncomingCore req
    cdef ResponseCore res
    cdef bint threaded
    cdef bint c_writes          # res is the server's own ServerResponse
    cdef object status          # the app's status, None until start_response
    cdef int code
    cdef object reason
    cdef tuple pairs            # the response's headers, (name, value) tuples
    cdef object remaining       # Content-Length still to send, when given
    cdef bint started           # (the app's side) the head was handed on
    cdef bint head_made         # (the loop's side) writeHead() was made
    cdef bint closed            # the connection closed before the end
    cdef bint suspended         # (threads: 0) the iterable waits for 'drain'
    cdef bint watching          # our 'close' listener is on the response
    cdef bint blocked           # the last write returned False: wait for 'drain'
    cdef Py_ssize_t pending     # bytes handed to the loop, not yet written
    cdef public object input
    """wsgi.input when it is streamed (a StreamInput), else None."""
    cdef object result, iterator
    cdef object cond
    cdef void* vectorcall       # wsgi_vectorcall once init() ran (see below)

    def __init__(self, server, req, res, threaded):
        self.init(server, <IncomingCore?>req, <ResponseCore?>res, threaded)

    cdef int init(self, server, IncomingCore req, ResponseCore res, bint threaded) except -1:
        self.vectorcall = <void*>wsgi_vectorcall
        self.server = server
        self.req = req
        self.res = res
        self.threaded = threaded
        self.c_writes = type(res) is default_response_class
        if threaded:
            self.cond = wsgi_kit['Condition']()
            self.watch()
        return 0

    cdef int watch(self) except -1:
        """Our 'close' listener on the response: needed once the work
        outlives the app's call on the loop's thread (a thread, a 'drain'
        waited for); a response that ended before needs none."""
        if not self.watching:
            self.watching = True
            self.res._add('close', self.on_close, False, True)
        return 0

    def on_close(self):
        if not self.res._finish_emitted:
            self.closed = True
            if self.input is not None:
                self.input.abort()
            if self.suspended:
                # The iterable waited for a 'drain' that will not come.
                self.suspended = False
                self.close_result(self.result)
            if self.cond is not None:
                with self.cond:
                    self.cond.notify_all()

    # -- start_response and write ------------------------------------------------

    def __call__(self, status, headers=WSGI_NO_HEADERS, exc_info=None):
        """The app's start_response(status, headers, exc_info=None), and
        the write(data) that it returns: the same object, told apart by
        their arguments, so that a request makes no bound method."""
        if headers is WSGI_NO_HEADERS:
            return self.write(status)
        self.start_response(status, headers, exc_info)
        return self

    cdef int start_response(self, status, headers, exc_info) except -1:
        """PEP 3333's; the headers are checked here, as gunicorn does, so
        that the app sees a bad one and the client gets a 500."""
        if exc_info is not None:
            try:
                if self.started:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError('start_response() called twice without exc_info')
        global wsgi_last_status, wsgi_last_code, wsgi_last_reason
        cdef int code
        if status is wsgi_last_status:
            code, reason = wsgi_last_code, wsgi_last_reason
        else:
            if type(status) is not str or len(<str>status) < 4 or not (
                    is_digit(status, 0) and is_digit(status, 1) and is_digit(status, 2)):
                raise ValueError('a WSGI status is a str such as "200 OK": %r' % (status,))
            code = digit(status, 0) * 100 + digit(status, 1) * 10 + digit(status, 2)
            reason = (<str>status)[4:] or None
            if reason is not None and reason == kit('STATUS_CODES').get(code):
                reason = None       # the same line as Node's reason's
            wsgi_last_status, wsgi_last_code, wsgi_last_reason = status, code, reason
        # gunicorn: 1xx and 204 answers carry no Content-Length (304 and
        # HEAD keep the app's).
        cdef bint bodiless = 100 <= code < 200 or code == 204
        global wsgi_memo_pairs, wsgi_memo_remaining, wsgi_memo_bodiless, wsgi_memo_block
        if bodiless == wsgi_memo_bodiless and same_pairs(headers, wsgi_memo_pairs):
            self.pairs = wsgi_memo_pairs
            remaining = wsgi_memo_remaining
        else:
            remaining = self.check_headers(headers, bodiless)
            wsgi_memo_pairs, wsgi_memo_remaining = self.pairs, remaining
            wsgi_memo_bodiless = bodiless
            wsgi_memo_block = None
        self.status = status
        self.code = code
        self.reason = reason
        self.remaining = remaining
        return 0

    cdef object check_headers(self, headers, bint bodiless):
        """start_response()'s headers checked and kept as ``pairs``; their
        Content-Length, or None."""
        cdef bint as_given = type(headers) is list or type(headers) is tuple
        cdef list kept = []
        remaining = None
        for item in headers:
            name, value = item
            if type(name) is not str or type(value) is not str:
                raise TypeError('WSGI header names and values are str: %r' % ((name, value),))
            if name not in wsgi_good_names:
                wsgi_kit['validateHeaderName'](name)
                if len(wsgi_good_names) < WSGI_NAMES_KEPT:
                    wsgi_good_names.add(name)
            if invalid_header_text(value):
                wsgi_kit['validateHeaderValue'](name, value)
            if is_content_length(name):
                if bodiless:
                    as_given = False
                    continue
                remaining = decimal(value)
            if type(item) is not tuple:
                as_given = False
            kept.append((name, value) if type(item) is not tuple else item)
        self.pairs = tuple(headers) if as_given else tuple(kept)
        return remaining

    # -- running the app -------------------------------------------------------

    def run(self, app, environ):
        """On a worker thread: the app's call and its iterable drawn."""
        result = None
        try:
            result = app(environ, self)
            for data in result:
                if data:
                    if self.closed:
                        break
                    self.write(data)
            self.finish()
        except BaseException as exc:
            self.failed(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self.close_result(result)

    def run_on_loop(self, app, environ):
        """On the loop's thread (threads: 0): the app's call, then its
        iterable drawn while the connection takes the bytes."""
        self.call_on_loop(app, environ)

    cdef int call_on_loop(self, app, dict environ) except -1:
        cdef Py_ssize_t size
        try:
            result = self.result = app(environ, self)
            if type(result) is list and len(<list>result) == 1 and self.remaining is not None \
                    and not self.closed:
                # The usual answer: one body and its Content-Length, which
                # leave with the head in one write.
                data = (<list>result)[0]
                size = len(data)
                if size > self.remaining:
                    data = data[:self.remaining]
                    size = len(data)
                self.remaining -= size
                self.started = True
                self.write_now(data, True)
                return 0
            self.iterator = iter(result)
        except Exception as exc:
            self.failed(exc)
            self.close_result(self.result)
            return 0
        self.pump()
        return 0

    def pump(self):
        if self.closed:
            return      # on_close closed the iterable
        self.suspended = False
        try:
            for data in self.iterator:
                if data:
                    if self.closed:
                        break
                    if not self.write(data) and self.need_drain():
                        self.suspended = True
                        self.watch()
                        self.res._add('drain', self.pump, False, True)
                        return
            self.finish()
        except Exception as exc:
            self.failed(exc)
        self.close_result(self.result)

    cdef bint need_drain(self):
        cdef ResponseCore res = self.res
        return res._need_drain and not res._finished and not res._closed

    cdef int failed(self, exc) except -1:
        wsgi_kit['logger'].error('Error handling request %s', self.req.url, exc_info=exc)
        if self.threaded:
            self.server._call_soon(self.fail_now)
        else:
            self.fail_now()
        return 0

    cdef int close_result(self, result) except -1:
        close = getattr(result, 'close', None)
        if close is not None:
            try:
                close()
            except Exception as exc:
                wsgi_kit['logger'].error('Error closing the response of %s', self.req.url,
                                         exc_info=exc)
        return 0

    cdef bint write(self, data) except -1:
        """start_response's write() and each chunk of the iterable; on the
        loop's thread, False when the connection asks to wait for 'drain'."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if self.remaining is not None:
            # gunicorn: what goes past the Content-Length is not sent.
            data = data[:self.remaining]
            self.remaining -= len(data)
        self.started = True
        if self.threaded:
            self.hand_over(data, False)
            return True
        return self.write_now(data, False)

    cdef int finish(self) except -1:
        if self.status is None:
            raise RuntimeError('the WSGI app returned without calling start_response()')
        self.started = True
        if self.threaded:
            self.hand_over(b'', True)
        else:
            self.write_now(b'', True)
        return 0

    # -- the loop's side -------------------------------------------------------

    cdef bint write_now(self, data, bint end) except -1:
        """On the loop's thread: the head with the first bytes, then the
        bytes; False when the connection asks to wait for 'drain'."""
        cdef ResponseCore res = self.res
        if self.closed or res._finished:
            return True
        if not self.head_made:
            if self.c_writes and not res._headers:
                res.write_head(self.code, self.reason, None, wsgi_block(self.pairs, res._unique))
            else:
                res.writeHead(self.code, self.reason, [text for pair in self.pairs
                                                       for text in pair])
            self.head_made = True       # not before: a head refused gets the 500
        if end:
            if (self.c_writes and type(data) is bytes and not res._strict
                    and not res._corked and not res._reject_body):
                res.end_bytes(data)
            else:
                res.end(data)
            return True
        return res.write(data) is not False

    def fail_now(self):
        cdef ResponseCore res = self.res
        if self.closed or res._finished:
            return
        if self.head_made:
            self.req.socket.destroy()
            return
        self.head_made = True
        res.writeHead(500, list(WSGI_ERROR_HEAD))
        res.end(b'Internal Server Error')

    # -- a worker thread's hand-over --------------------------------------------

    cdef int hand_over(self, data, bint end) except -1:
        """From the app's thread: give ``data`` to the loop's thread,
        after waiting while 64 KiB are on their way or the connection
        said to wait for 'drain'."""
        cond = self.cond
        with cond:
            while (self.pending > WSGI_HIGH_WATER or self.blocked) and not self.closed:
                cond.wait()
            if self.closed:
                return 0
            self.pending += len(data)
        self.server._call_soon(self.write_from_thread, data, end)
        return 0

    def write_from_thread(self, data, end):
        ok = self.write_now(data, end)
        with self.cond:
            self.pending -= len(data)
            if not ok and self.need_drain():
                self.blocked = True
                self.res._add('drain', self.unblock, False, True)
            self.cond.notify_all()

    def unblock(self):
        with self.cond:
            self.blocked = False
            self.cond.notify_all()


# The app calls the WsgiCall (start_response, then maybe write) by
# vectorcall: a type's tp_call (Cython's __call__) takes its arguments as a
# tuple made per call.  wsgi_vectorcall is its function, kept in each
# WsgiCall; the type is told where once (enable_vectorcall).
cdef extern from *:
    """
    static void pyuvnet_enable_vectorcall(PyTypeObject *type, PyObject *instance, void **slot) {
        type->tp_vectorcall_offset = (char *)slot - (char *)instance;
        type->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    }
    """
    void enable_vectorcall "pyuvnet_enable_vectorcall" (PyTypeObject* type, PyObject* instance,
                                                          void** slot)
    Py_ssize_t PyVectorcall_NARGS(size_t nargsf)


cdef object wsgi_vectorcall(object callable, PyObject** args, size_t nargsf, PyObject* kwnames):
    """WsgiCall.__call__'s work for positional arguments (vectorcallfunc's
    signature: a new reference, or NULL with the exception set)."""
    cdef WsgiCall call = <WsgiCall>callable
    cdef Py_ssize_t nargs = PyVectorcall_NARGS(nargsf)
    cdef Py_ssize_t i
    if kwnames == NULL:
        if nargs == 1:
            return call.write(<object>args[0])
        if nargs == 2 or nargs == 3:
            call.start_response(<object>args[0], <object>args[1],
                                <object>args[2] if nargs == 3 else None)
            return call
    # Keywords, or a count that is an error: the type's own __call__.
    positional = tuple([<object>args[i] for i in range(nargs)])
    cdef tuple names = () if kwnames == NULL else <tuple><object>kwnames
    keywords = {names[i]: <object>args[nargs + i] for i in range(len(names))}
    return WSGI_CALL_SLOT(callable, *positional, **keywords)


cdef object WSGI_CALL_SLOT = WsgiCall.__dict__['__call__']


cdef int wsgi_enable_vectorcall() except -1:
    cdef WsgiCall probe = WsgiCall.__new__(WsgiCall)
    enable_vectorcall(<PyTypeObject*>WsgiCall, <PyObject*>probe, &probe.vectorcall)
    return 0


wsgi_enable_vectorcall()


cdef bint same_pairs(headers, tuple known):
    """Whether start_response's ``headers`` are ``known``'s (str, str)
    tuples: equal names and values, in order."""
    cdef Py_ssize_t i
    if known is None or not (type(headers) is list or type(headers) is tuple) \
            or len(headers) != len(known):
        return False
    for i in range(len(known)):
        mine = headers[i]
        theirs = <tuple>known[i]
        if mine is theirs:
            continue
        if type(mine) is not tuple or len(<tuple>mine) != 2:
            return False
        name, value = <tuple>mine
        if type(name) is not str or type(value) is not str \
                or <str>name != <str>theirs[0] or <str>value != <str>theirs[1]:
            return False
    return True


cdef HeaderBlock wsgi_block(tuple pairs, unique):
    """header_block() of start_response's kept headers: made once for the
    headers it checked last."""
    global wsgi_memo_unique, wsgi_memo_block
    if pairs is wsgi_memo_pairs and wsgi_memo_block is not None and unique is wsgi_memo_unique:
        return wsgi_memo_block
    block = header_block(pairs, unique)
    if pairs is wsgi_memo_pairs:
        wsgi_memo_unique, wsgi_memo_block = unique, block
    return block


cdef bint is_content_length(str name):
    """Whether ``name`` (a token: ASCII) is Content-Length in any case."""
    cdef Py_ssize_t i
    cdef long c
    if len(name) != 14:
        return False
    for i in range(14):
        c = <long>PyUnicode_READ_CHAR(name, i)
        if 65 <= c <= 90:
            c += 32
        if c != WSGI_CONTENT_LENGTH[i]:
            return False
    return True


cdef object decimal(str value):
    """int(value), without the call for plain ASCII digits."""
    cdef Py_ssize_t i, n = len(value)
    cdef long long number = 0
    cdef long c
    if n == 0 or n > 18:
        return int(value)
    for i in range(n):
        c = <long>PyUnicode_READ_CHAR(value, i)
        if c < 48 or c > 57:
            return int(value)
        number = number * 10 + (c - 48)
    return number


cdef inline bint is_digit(str text, Py_ssize_t i):
    return 48 <= digit(text, i) + 48 <= 57


cdef inline int digit(str text, Py_ssize_t i):
    return <int>PyUnicode_READ_CHAR(text, i) - 48


@cython.final
cdef class WsgiRequests:
    """A WSGI server's 'request' listener: ``app`` called at once for a
    request whose body is all in when ``threads`` is 0; the rest go to
    ``server._on_request``."""

    cdef object server, app
    cdef bint on_loop           # threads: 0

    def __init__(self, server, app, threads):
        self.server = server
        self.app = app
        self.on_loop = threads == 0

    def __call__(self, req, res):
        server = self.server
        cdef IncomingCore request = <IncomingCore?>req
        if not self.on_loop or not request._ended:
            server._on_request(req, res)
            return
        cdef WsgiCall call = WsgiCall.__new__(WsgiCall)
        call.init(server, request, <ResponseCore?>res, False)
        call.call_on_loop(self.app, wsgi_environ(server, request,
                                                 wsgi_input(request.take_body())))
