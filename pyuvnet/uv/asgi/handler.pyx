# A pyuvnet.asgi server's 'request' and 'checkContinue' listener in C
# (pyuvnet/asgi/_handler.py's handler_for makes it), and what its requests
# share:
#
#   ASGIHandler      the scope's per-server part, the request targets and
#                    header pairs seen last, the app's response heads
#                    already made; a request starts here as an HTTPCycle
#                    (uv/asgi/http1_cycle.pyx; an HTTP/2 stream's H2Cycle
#                    comes from its session's sink, uv/asgi/h2_cycle.pyx)
#                    and is run as the AppRun its Task runs
#                    (uv/asgi/app_run.pyx)
#   ConnectionScope  a connection's part of the http scope, kept on its
#                    ServerExchange

from cpython.dict cimport PyDict_Copy
from cpython.unicode cimport PyUnicode_AsLatin1String
from libc.string cimport memcmp

cdef enum:
    PAIRS_KEPT = 64             # header positions whose last pair is kept
    BLOCKS_KEPT = 512           # distinct response heads kept per server


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
    # From the server's Config (pyuvnet/_internal/app_config.py), read once:
    cdef readonly object config
    cdef object access_logger   # 'uvicorn.access' while the access log is on, else None
    cdef object trust           # the ProxyTrust of X-Forwarded-*, or None
    cdef tuple default_pairs    # (name, value) each head has before the app's
    cdef bint send_date
    cdef Py_ssize_t limit       # --limit-concurrency, or -1
    cdef bint fresh_contexts    # --reset-contextvars: each app run in an empty Context

    def __init__(self, server, app, config, str scheme, dict versions, state, set tasks):
        self.server = server
        self.app = app
        self.state = state
        self.tasks = tasks
        self.config = config
        root_path = config.root_path.rstrip('/')
        self.root_path = root_path
        self.raw_root = root_path.encode('utf-8')
        self.trust = config.trusted_proxies()
        self.default_pairs = tuple(config.response_headers())
        self.send_date = config.date_header
        self.limit = -1 if config.limit_concurrency is None else config.limit_concurrency
        self.fresh_contexts = bool(config.reset_contextvars)
        self.unique = (<ServerSettings?>server._settings).unique_headers
        self.blocks = {}
        self.pairs = []
        # The keys in the order of asgiref's spec; the Nones are set per
        # request.  (A websocket scope has no method.)
        cdef tuple pairs = (
            ('type', 'http'), ('asgi', versions), ('http_version', '1.1'), ('server', None),
            ('client', None), ('scheme', scheme), ('root_path', root_path), ('path', None),
            ('raw_path', None), ('query_string', None), ('headers', None), ('state', None),
            ('method', None))
        self.http_template = str_keyed(pairs)
        self.ws_template = str_keyed(pairs[:-1])
        self.ws_template['type'] = 'websocket'
        self.ws_template['scheme'] = 'wss' if scheme == 'https' else 'ws'

    property loop:
        """The asyncio loop the apps run on (set by listen())."""
        def __get__(self):
            return self._loop

        def __set__(self, loop):
            self.end_spare()
            self._loop = loop
            self.task_factory_of = loop.get_task_factory
            self.plain_loop = plain_create_task(loop)
            # uvicorn's rule, taken when the server listens (after the
            # logging is configured): lines are made only for a logger
            # with somewhere to write them.
            logger = asgi_kit['access_logger']
            self.access_logger = (logger if self.config.access_log and logger.hasHandlers()
                                  else None)

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
        if self.limit >= 0 and self.over_limit():
            self.unavailable(req, res)
            return 0
        cdef HTTPCycle cycle = HTTPCycle.__new__(HTTPCycle)
        cycle.handler = self
        cycle.request = req
        cycle.response = res
        cycle.continue_due = expect_continue
        method = req.method
        cycle.bodyless = len(method) == 4 and method == 'HEAD'
        if not req._ended:
            # The body is read as the app asks (receive()), not before.
            req.pause()
        cycle.scope = self.make_scope(req, req.socket, False)
        return self.run(cycle)

    cdef int run(self, ASGICycle cycle) except -1:
        """Runs the app on ``cycle`` (of either protocol): its first step
        now, in this turn, where that can be (uv/asgi/app_run.pyx); else
        on a Task of its own.  The Task under way is in ``tasks`` until
        the app ended."""
        cdef AppRun run
        loop = self._loop
        if PYUVNET_EARLY_STEP and self.task_factory_of() is None:
            # uvicorn's: a copy of the server's context, or with
            # --reset-contextvars an empty one (nothing set at import or
            # in the lifespan is seen).
            context = PyContext_New() if self.fresh_contexts else PyContext_CopyCurrent()
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
            if self.fresh_contexts:
                # (create_task's context= is 3.11's: a task copies the
                # context it is made in.)
                task = cycle.task = PyContext_New().run(loop.create_task, run)
            else:
                task = cycle.task = loop.create_task(run)
        if run.state != RUN_ENDED and run.state != RUN_OVER:
            # Under way (an eager task factory may have run it whole).
            self.tasks.add(task)
        return 0

    cdef bint over_limit(self) except -1:
        # uvicorn's count: the open connections (this one among them) or
        # the requests under way.
        return (len(self.server._http_connections) >= self.limit
                or len(self.tasks) >= self.limit)

    cdef int unavailable(self, IncomingCore req, ResponseCore res) except -1:
        """uvicorn's answer past --limit-concurrency: 503, then the close."""
        if self.access_logger is not None:
            self.log_access(self.make_scope(req, req.socket, False), 503)
        res.writeHead(503, list(UNAVAILABLE_HEAD))
        res.end(UNAVAILABLE_BODY)
        if not req._ended:
            req.dump()
        return 0

    cdef int log_access(self, dict scope, status) except -1:
        """uvicorn's access line, made only when the logger takes INFO."""
        logger = self.access_logger
        if not logger.isEnabledFor(20):
            return 0
        client = scope['client']
        query = scope['query_string']
        path = asgi_kit['quote'](scope['path'])
        if query:
            path = path + '?' + query.decode('ascii', 'replace')
        logger.info('%s - "%s %s HTTP/%s" %d', '%s:%d' % client if client else '',
                    scope['method'], path, scope['http_version'], status)
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
        # The parser's tuple, unless something read req.rawHeaders first
        # (a listener before the app's: it is a list from then on).
        raw = req._raw
        cdef list headers = self.headers(raw if type(raw) is tuple else tuple(raw))
        scope['headers'] = headers
        if self.trust is not None and forwarded(headers):
            self.trust.apply(scope, websocket)
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
        pairs = list(self.default_pairs)
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


cdef tuple UNAVAILABLE_HEAD = ('content-type', 'text/plain; charset=utf-8', 'content-length', '19',
                               'connection', 'close')
cdef bytes UNAVAILABLE_BODY = b'Service Unavailable'


cdef bint forwarded(list headers) except -1:
    """Whether a request's scope headers have X-Forwarded-For or
    X-Forwarded-Proto (looked for before any Python is called)."""
    cdef Py_ssize_t n
    cdef const char* text
    for pair in headers:
        name = (<tuple>pair)[0]
        n = PyBytes_GET_SIZE(name)
        if n == 15 or n == 17:
            text = PyBytes_AS_STRING(name)
            if memcmp(text, b'x-forwarded-', 12) == 0 and (
                    (n == 15 and memcmp(text + 12, b'for', 3) == 0)
                    or (n == 17 and memcmp(text + 12, b'proto', 5) == 0)):
                return True
    return False


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
