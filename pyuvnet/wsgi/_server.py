"""The WSGI server: an http.Server (or https.Server) whose requests run a
PEP 3333 application, on ``threads`` worker threads or on the loop's own.

The worker threads talk to the loop's thread through pyuvnet's own loop
(``Loop.call_soon_threadsafe``, a libuv async handle): no asyncio loop is
needed or made, under ``net.run()`` or inside ``asyncio.run()`` alike (there
the bridge runs pyuvnet's loop, which the handle wakes).  While a request
runs on a worker thread the loop stays alive, and the server's 'close'
waits for every such request to end.

With ``threads: 0`` a request whose body is all in runs at once on the
loop's thread, and so does one with a Content-Length of at most 64 KiB
once its body is in; any other whose body is still coming runs on a
thread of its own (made when first needed), so that wsgi.input can wait
for it without stopping the loop.
"""
import concurrent.futures
import logging

from pyuvnet import _uv, https
from pyuvnet._internal import validate
from pyuvnet._internal.app_server import (
                                          CONFIG_RULES, answer_client_error, config_of, http_options, https_options, make_server,
                                          server_options, take_proxy_protocol,
                                          )
from pyuvnet._internal.app_http2 import ServesHttp2, serve_http2
from pyuvnet.http import Server as _HTTPServer

from ._http2 import request_sink_for
from ._exchange import (
    HIGH_WATER, Exchange, Requests, environ_for, input_for, whole_body_input,
)
from ._input import StreamInput

__all__ = ['Server', 'SecureServer', 'create_server_for']

WSGI_RULES = dict(CONFIG_RULES, threads='number', multiprocess='boolean')
OPTIONS = server_options(WSGI_RULES)


class ServesWsgi(ServesHttp2):
    """Serving a WSGI app: what the WSGI http.Server and https.Server share."""

    # A request after an upgrade not taken, in the same read, is parsed
    # (h11 and gunicorn answer it; Node's http does not).
    _parses_past_plain_upgrade = True

    _scheme = 'http'

    def _setup_wsgi(self, app, config, opts):
        self.config = config
        self.app = app
        self._threads = validate.validate_integer(config.threads, 'options.threads', 0)
        self._root_path = config.root_path.rstrip('/')
        self._trust = config.trusted_proxies()
        # Read by each response's head (pyuvnet/uv/wsgi/call.pyx).
        self._default_pairs = tuple(config.response_headers())
        self._send_date = config.date_header
        self._access_logger = None
        # wsgi.multiprocess: given, or the Config's workers.
        self._multiprocess = opts.get('multiprocess', config.workers > 1)
        self._loop = None
        self._executor = None
        self._running = set()       # futures of the requests on worker threads
        self._held = []             # a cluster worker's connections not taken yet
        self._close_args = None     # 'close' held until _running empties
        # The requests answered at once are the C listener's; it gives
        # the rest to _on_request.
        self.on('request', Requests(self, app, self._threads))
        self.on('checkContinue', self._on_request)
        self.on('clientError', lambda error, socket: answer_client_error(self, error, socket))
        if config.http2:
            serve_http2(self, request_sink_for(self))
        take_proxy_protocol(self, config)

    def listen(self, *args, **kwargs):
        """http.Server's listen(), every form: the worker threads hand their
        work back through the listening thread's pyuvnet loop."""
        self._loop = _uv.get_loop()
        # uvicorn's rule, taken once the logging is configured: lines only
        # for a logger with somewhere to write them.
        logger = logging.getLogger('uvicorn.access')
        self._access_logger = logger if self.config.access_log and logger.hasHandlers() else None
        return super().listen(*args, **kwargs)

    def _call_soon(self, function, *args):
        self._loop.call_soon_threadsafe(function, *args)

    def _on_request(self, req, res):
        if self._threads == 0:
            if req._ended:
                self._run_on_loop(req, res, whole_body_input(req))
                return
            if collects_on_loop(req):
                # A small body still on its way: gathered here (no more
                # than the 64 KiB a streamed one may have waiting), then
                # the app runs on the loop as if it had come with the head.
                chunks = []
                req.on('data', chunks.append)
                req.on('end', lambda: self._run_on_loop(req, res, input_for(b''.join(chunks))))
                return
        exchange = Exchange(self, req, res, True)
        if req._ended:
            body = whole_body_input(req)
        else:
            req.pause()
            body = exchange.input = StreamInput(req, self._call_soon)
            if req.headers.get('expect', '').lower() == '100-continue':
                # Sent as the app first reads the body (as uvicorn does).
                body._call_soon = self._continue_then(res, body._call_soon)
        self._submit(exchange.run, self.app, environ_for(self, req, body))

    def _submit(self, function, *args):
        """``function(*args)`` on an app thread (made when first needed)."""
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max(self._threads, 1), thread_name_prefix='pyuvnet-wsgi')
        future = self._executor.submit(function, *args)
        self._loop.thread_work_started()
        self._running.add(future)
        future.add_done_callback(self._done)

    def _run_on_loop(self, req, res, body):
        Exchange(self, req, res, False).run_on_loop(self.app, environ_for(self, req, body))

    def _continue_then(self, res, call_soon):
        def first_call(function, *args):
            call_soon(res.writeContinue)
            call_soon(function, *args)
        return first_call

    def _done(self, future):
        self._loop.call_soon_threadsafe(self._request_done, future)

    def _request_done(self, future):
        self._running.discard(future)
        self._loop.thread_work_done()
        while self._held and len(self._running) < self._threads:
            self._held.pop(0)()
        if not self._running and self._close_args is not None:
            args, self._close_args = self._close_args, None
            self.emit('close', *args)

    def close(self, callback=None):
        """http.Server's close(); a cluster worker's connections held for a
        free thread are refused (the primary gives them to another worker)."""
        super().close(callback)
        held, self._held = self._held, []
        for take in held:
            take()
        return self

    def _take_connection_when_free(self, take):
        """In a cluster worker (the primary hands it each connection):
        ``take()`` the connection now if an app thread is free, else once
        one is.  Meanwhile the primary gives this worker no other
        connection, and gives this one to another worker if this one dies:
        as a gunicorn sync worker leaves them in the listen queue, a
        worker whose threads are stuck takes no connection it could not
        answer."""
        if self._threads == 0 or len(self._running) < self._threads:
            take()
        else:
            self._held.append(take)

    def _app_threads_busy(self):
        """(how many app threads, the requests running on them): what
        ``pyuvnet serve``'s heartbeat tells a stuck worker by."""
        return max(self._threads, 1), [f for f in self._running if f.running()]

    def emit(self, event, *args):
        # 'close' once the worker threads are done with their requests, so
        # that whoever waits for it sees the app finished.
        if event == 'close':
            if self._running:
                self._close_args = args
                return True
            executor, self._executor = self._executor, None
            if executor is not None:
                executor.shutdown(wait=False)
        return super().emit(event, *args)


def collects_on_loop(req):
    """Whether the body of ``req`` is gathered on the loop's thread before
    the app runs there (threads: 0): a Content-Length within HIGH_WATER,
    and no Expect: 100-continue (whose 100 waits for the app's first read)."""
    headers = req.headers
    length = headers.get('content-length')
    return length is not None and 'expect' not in headers and length.isdigit() \
        and int(length) <= HIGH_WATER


class Server(ServesWsgi, _HTTPServer):
    """An http.Server serving a WSGI application (createServer's)."""

    def __init__(self, app, opts):
        config = config_of(opts)
        _HTTPServer.__init__(self, http_options(config, opts))
        self._setup_wsgi(app, config, opts)


class SecureServer(ServesWsgi, https.Server):
    """An https.Server serving a WSGI application: wsgi.url_scheme 'https'."""

    _scheme = 'https'

    def __init__(self, app, opts):
        config = config_of(opts)
        https.Server.__init__(self, https_options(config, opts, WSGI_RULES))
        self._setup_wsgi(app, config, opts)


def create_server_for(app, options, kwargs):
    """wsgi.createServer(app, options)."""
    return make_server(app, options, kwargs, OPTIONS, Server, SecureServer)
