# One WSGI request's run in C (pyuvnet/wsgi/ is its Python face), of
# either protocol: the app's start_response and write, its iterable drawn,
# and the response written through the ResponseCore's C paths
# (http/outgoing.pyx) for HTTP/1.x, so that a request answered on the
# loop's thread runs no Python frame of pyuvnet's own, or through its
# stream (h2_call.pyx's WsgiH2Stream) for HTTP/2.  environ.pyx makes the
# environ, start_response.pyx reads start_response's arguments.
#
#   WsgiCall       one request: start_response, the iterable drawn on the
#                  loop's thread or handed over from a worker thread
#                  (pyuvnet/wsgi/_exchange.py's docstring says the rules,
#                  gunicorn's where PEP 3333 is silent)
#   WsgiRequests   a WSGI server's 'request' listener: a request whose body
#                  is all in, with threads: 0, runs here at once; the rest
#                  go to the server's ``_on_request`` (pyuvnet/wsgi/_server.py)

DEF WSGI_HIGH_WATER = 65536
cdef class WsgiH2Stream
# __call__'s default for start_response's headers: a call without is write().
cdef object WSGI_NO_HEADERS = object()
cdef list WSGI_ERROR_HEAD = ['Content-Type', 'text/plain; charset=utf-8',
                             'Content-Length', '21', 'Connection', 'close']


@cython.final
@cython.freelist(8)
cdef class WsgiCall:
    """The state of one request, shared by the loop's thread and (with
    ``threaded``) the app's worker thread."""

    cdef object server
    cdef IncomingCore req
    cdef ResponseCore res
    cdef WsgiH2Stream h2        # an HTTP/2 request's writer (req and res None), or None
    cdef bint threaded
    cdef bint c_writes          # res is the server's own ServerResponse
    cdef object status          # the app's status, None until start_response
    cdef int code
    cdef object reason
    cdef tuple pairs            # the response's headers, (name, value) tuples
    cdef bint counted           # a Content-Length was given: what goes past it is cut
    cdef Py_ssize_t remaining   # of it, still to send
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

    cdef int init_h2(self, server, WsgiH2Stream stream) except -1:
        """An HTTP/2 request's call, run on a worker thread; its stream
        tells it of the client's leaving (lost())."""
        self.vectorcall = <void*>wsgi_vectorcall
        self.server = server
        self.h2 = stream
        self.threaded = True
        self.cond = wsgi_kit['Condition']()
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
            self.lost()

    cdef int lost(self) except -1:
        """The client left before the response's end."""
        if not self.closed:
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
        return 0

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
        cdef int code = 0
        reason = wsgi_status(status, &code)
        # gunicorn: 1xx and 204 answers carry no Content-Length (304 and
        # HEAD keep the app's).
        wsgi_headers(headers, 100 <= code < 200 or code == 204)
        self.pairs = wsgi_memo_pairs
        self.counted = wsgi_memo_counted
        self.remaining = wsgi_memo_length
        self.status = status
        self.code = code
        self.reason = reason
        return 0

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
            if type(result) is list and len(<list>result) == 1 and self.counted \
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
        if self.h2 is not None:
            return self.h2.need_drain()
        cdef ResponseCore res = self.res
        return res._need_drain and not res._finished and not res._closed

    cdef int failed(self, exc) except -1:
        wsgi_kit['logger'].error('Error handling request %s', self.url(), exc_info=exc)
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
                wsgi_kit['logger'].error('Error closing the response of %s', self.url(),
                                         exc_info=exc)
        return 0

    cdef str url(self):
        """The request's target, for the log."""
        return self.req.url if self.h2 is None else self.h2.target

    cdef bint write(self, data) except -1:
        """start_response's write() and each chunk of the iterable; on the
        loop's thread, False when the connection asks to wait for 'drain'."""
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if self.counted:
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
        if self.h2 is not None:
            return self.closed or self.h2.write(self, data, end)
        cdef ResponseCore res = self.res
        if self.closed or res._finished:
            return True
        if not self.head_made:
            # The server's Config (pyuvnet/wsgi/_server.py): its headers,
            # its Date header, its access log.
            server = self.server
            defaults = <tuple?>server._default_pairs
            if not server._send_date:
                res._send_date = False
            if server._access_logger is not None:
                wsgi_kit['log_access'](server, self.req, self.code)
            if self.c_writes and not res._headers:
                res.write_head(self.code, self.reason, None,
                               wsgi_block(self.pairs, res._unique, defaults))
            else:
                res.writeHead(self.code, self.reason, [text for pair in defaults + self.pairs
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
        if self.h2 is not None:
            if not self.closed:
                self.h2.fail(self)
            return
        cdef ResponseCore res = self.res
        if self.closed or res._finished:
            return
        if self.head_made:
            # The body sent so far leaves first (see ASGICycle.close_connection).
            uncork_all(self.req.socket)
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
                if self.h2 is not None:
                    self.h2.drain_wanted = True
                else:
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
# Setting a ready type's flags is below the limited API: only where
# pyuvnet_cpython.h allows it; elsewhere the call goes through tp_call.
cdef extern from *:
    """
    #include "pyuvnet_cpython.h"
    static void pyuvnet_enable_vectorcall(PyTypeObject *type, PyObject *instance, void **slot) {
    #if PYUVNET_CPYTHON_TRICKS
        type->tp_vectorcall_offset = (char *)slot - (char *)instance;
        type->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    #else
        (void)type; (void)instance; (void)slot;
    #endif
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
        cdef dict environ = wsgi_environ(server, request, wsgi_input(request.take_body()))
        call.call_on_loop(self.app, environ)
        exchange = <ServerExchange?>request.exchange
        if exchange is not None and exchange.app_data is not None:
            # This frame's is the one reference the app left, if it kept none.
            (<WsgiConnection>exchange.app_data).give_back(environ, 1)
