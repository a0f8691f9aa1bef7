"""The ASGI server: an http.Server (or https.Server) whose requests run an app.

The app's coroutines run on the asyncio loop that drives pyuvnet's loop
through pyuvnet.aio's bridge: listen() finds the running asyncio loop (and
installs the bridge on it).  Around the server's life, the app's lifespan:

  listen()  -> lifespan startup, then the real listen(); a failed startup
               emits 'error' (a LifespanFailure) and never listens;
  close()   -> stop accepting, close the idle connections; once every
               connection has closed and every request's coroutine ended,
               the lifespan shutdown, then 'close'.
"""
import asyncio

from pyuvnet import _uv, _validate, aio, https, tls
from pyuvnet._options import OptionSpec, normalize_options
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE
from pyuvnet.http import Server as _HTTPServer
from pyuvnet._http_shared import (
    BAD_REQUEST, CLIENT_ERROR_ANSWERS, HTTP_SERVER_OPTIONS as _HTTP_OPTIONS, destroy_soon,
)
from pyuvnet.net._server import SERVER_OPTIONS as _NET_OPTIONS, normalize_listen_args

from ._handler import handler_for
from ._websocket import WebSocketCycle, WebSocketSettings, upgrade_server
from ._lifespan import ASGI_VERSION, Lifespan
from ._proxy_protocol import read_proxy_headers

__all__ = ['Server', 'SecureServer', 'ClosesAfterWork', 'answer_client_error', 'config_of',
           'take_proxy_protocol',
           'create_server_for', 'make_server', 'server_options', 'CONFIG_RULES',
           'asyncio_loop']


def server_options(extra):
    """https.createServer()'s option rules (http's and TLS's) plus ``extra``.
    (The stubs type SERVER_OPTIONS as a bare object: read through getattr.)"""
    return OptionSpec(dict(getattr(https, 'SERVER_OPTIONS').rules, **extra))


# What the ASGI and WSGI servers add to http.createServer's options: a
# Config (pyuvnet/serve/_config.py) whole, or its settings one by one.
CONFIG_RULES = {
    'config': 'object', 'rootPath': 'string', 'accessLog': 'boolean',
    'proxyHeaders': 'boolean', 'forwardedAllowIps': ('string', 'object'),
    'serverHeader': 'boolean', 'dateHeader': 'boolean', 'headers': 'object',
    'limitConcurrency': 'integer', 'proxyProtocol': 'boolean',
    'wsMaxSize': 'integer', 'wsMaxQueue': 'integer', 'wsPingInterval': ('number', 'object'),
    'wsPingTimeout': ('number', 'object'), 'wsPerMessageDeflate': 'boolean',
}
ASGI_RULES = dict(CONFIG_RULES, lifespan='string')
OPTIONS = server_options(ASGI_RULES)
# The TLS options: any of them makes the server an https.Server.
_TLS_ONLY = frozenset(getattr(tls, 'SERVER_OPTIONS').rules) - frozenset(_NET_OPTIONS.rules)
_LIFESPAN_MODES = ('auto', 'on', 'off')


def asyncio_loop():
    """The asyncio loop the app will run on, with pyuvnet.aio's bridge
    installed on it: the running one, else the one the bridge is installed
    on, else (a program that calls ``net.run()``) an asyncio loop of
    pyuvnet's own, which ``net.run()`` then runs, driving pyuvnet's."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        bridge = aio.installed()
        if bridge is None:
            bridge = aio.install(asyncio.new_event_loop())
            bridge.own_loop = True
            _uv._set_run_driver(_run_own_loop)
        return bridge.loop
    aio.install(loop)
    return loop


def _run_own_loop():
    """net.run() with an asyncio loop of asyncio_loop()'s own: it runs
    until pyuvnet's loop is idle and the app's tasks are done (the
    lifespan shutdown, a request finishing).  False when there is none to
    run (net.run() then runs pyuvnet's loop alone)."""
    bridge = aio.installed()
    if bridge is None or not getattr(bridge, 'own_loop', False) or bridge.loop.is_running():
        return False
    loop = bridge.loop
    while True:
        loop.run_until_complete(aio.run())
        pending = asyncio.all_tasks(loop)
        if not pending:
            return True
        loop.run_until_complete(asyncio.wait(pending))


def config_of(opts):
    """The server's Config: the one given as ``config``, else one of the
    options given one by one (uvicorn's defaults, but no Server header:
    a program's server is Node's, which sends none)."""
    config = opts.get('config')
    if config is not None:
        return config
    from pyuvnet.serve._config import Config
    if 'threads' in opts:
        _validate.validate_integer(opts['threads'], 'options.threads', 0)
    settings = {name: opts[name] for name in CONFIG_RULES if name in opts}
    settings.setdefault('serverHeader', False)
    for name in ('lifespan', 'threads'):
        if name in opts:
            settings[name] = opts[name]
    return Config(None, **settings)


def take_proxy_protocol(server, config):
    """With ``config.proxy_protocol``, ``server``'s connections read a
    PROXY header first (pyuvnet/asgi/_proxy_protocol.py)."""
    if not config.proxy_protocol:
        return
    if server._scheme == 'https':
        raise ERR_INVALID_ARG_VALUE('options.proxyProtocol', True,
                                    'is not served with TLS (terminate TLS at the balancer)')
    # The listener that makes a connection's HTTP state (a ServerExchange).
    http_listener, = [listener for listener in server.listeners('connection')
                      if isinstance(getattr(listener, 'func', None), type)
                      and issubclass(listener.func, _uv.ServerExchange)]
    read_proxy_headers(server, http_listener)


def answer_client_error(server, error, socket):
    """The ASGI and WSGI servers' 'clientError': Node's answer (400, 408,
    413 or 431, then the end), except for bytes after a Connection: close
    request while its answer is under way: as uvicorn, the requests before
    it are answered and the rest is dropped (Node, whose answers to async
    handlers come later, would answer 400 at once and lose them)."""
    connection = next((c for c in server._http_connections if c.socket is socket), None)
    if socket.destroyed:
        return
    if getattr(error, 'code', None) == 'HPE_CLOSED_CONNECTION' and connection is not None \
            and connection.current is not None:
        return      # the answer under way says Connection: close and ends the connection
    res = None if connection is None else connection.current
    if (connection is None or not connection.closing) and not socket.writableEnded and (
            res is None or not res._header_sent):
        socket.write(CLIENT_ERROR_ANSWERS.get(getattr(error, 'code', None), BAD_REQUEST))
    destroy_soon(socket)


class ClosesAfterWork:
    """'close' held back until the app's work is done (``_before_close``,
    when ``_close_due()``), so that whoever waits for 'close' sees the app
    finished.  Shared by the ASGI and WSGI servers."""

    _closing_task = None

    def emit(self, event, *args):
        # (An asyncio loop that has ended runs no more work: 'close' now.)
        if event == 'close' and self._closing_task is None and self._close_due() \
                and not self._loop.is_closed():
            self._closing_task = self._loop.create_task(self._close_after_work(args))
            return True
        return super().emit(event, *args)

    async def _close_after_work(self, args):
        try:
            await self._before_close()
        finally:
            self._closing_task = None
            super().emit('close', *args)


class ServerMixin(ClosesAfterWork):
    """What the ASGI http.Server and https.Server share."""

    # A request after an upgrade not taken, in the same read, is parsed
    # (h11 and gunicorn answer it; Node's http does not).
    _parses_past_plain_upgrade = True

    _scheme = 'http'

    def _setup_asgi(self, app, opts):
        self.config = config = config_of(opts)
        mode = config.lifespan
        if mode not in _LIFESPAN_MODES:
            raise ERR_INVALID_ARG_VALUE('options.lifespan', mode,
                                        "must be one of 'auto', 'on', 'off'")
        self.app = app
        self._lifespan = None if mode == 'off' else Lifespan(app, mode)
        self._state = {} if self._lifespan is None else self._lifespan.state
        self._asgi_versions = {'version': ASGI_VERSION, 'spec_version': '2.3'}
        self._loop = None
        self._tasks = set()
        self._starting = False
        self._wss = None            # the WebSocketServer of the handshakes, once needed
        self._ws_settings = WebSocketSettings(opts)
        # uvicorn's h11 refuses more than Node's llhttp (HTTP/0.9, two
        # Hosts, Transfer-Encoding: identity, chunked): so do we, with 400.
        self._settings.strict = True
        self._websockets = set()    # the WebSocketCycles under way
        # Each request's cycle is C's: the handler is the listener.
        self._asgi = handler_for(self, app)
        self.on('request', self._asgi)
        self.on('checkContinue', self._asgi.check_continue)
        self.on('upgrade', self._on_upgrade)
        self.on('clientError', self._on_client_error)
        take_proxy_protocol(self, config)

    @property
    def state(self):
        """The lifespan's ``state`` dict, which each request's scope copies."""
        return self._state

    # -- requests ------------------------------------------------------------

    def _on_client_error(self, error, socket):
        answer_client_error(self, error, socket)

    def _takes_upgrade(self, raw_headers):
        # Only WebSocket upgrades are taken; any other (curl --http2's h2c)
        # is a plain request, its body read as a body, as uvicorn's h11
        # answers it.
        upgrade = ', '.join(raw_headers[i + 1] for i in range(0, len(raw_headers), 2)
                            if raw_headers[i].lower() == 'upgrade')
        return upgrade.lower() == 'websocket'

    def _on_upgrade(self, req, socket, head):
        cycle = WebSocketCycle(self, req, socket, head)
        self._websockets.add(cycle)
        socket.on('close', lambda *_: self._websockets.discard(cycle))
        self._run(cycle)

    def _upgrades(self):
        if self._wss is None:
            self._wss = upgrade_server(self._ws_settings)
        return self._wss

    def _run(self, cycle):
        task = self._loop.create_task(cycle.run(self.app))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def emit(self, event, *args):
        if event == 'close':
            # Every connection has ended: the handler's spare Task too.
            self._asgi.end_spare()
        return super().emit(event, *args)

    def close(self, callback=None):
        """http.Server's close(); the WebSockets under way are closed with
        1012 (service restart), as uvicorn's shutdown closes them."""
        super().close(callback)
        for cycle in list(self._websockets):
            cycle.going_away()
        return self

    # -- life ----------------------------------------------------------------

    def listen(self, *args, **kwargs):
        """http.Server's listen(), every form; the lifespan startup runs
        first and the server listens only once it succeeded ('error' with
        a LifespanFailure otherwise).  Needs an asyncio loop (see
        :func:`asyncio_loop`)."""
        self._loop = self._asgi.loop = asyncio_loop()
        lifespan = self._lifespan
        if lifespan is None or lifespan.started:
            return super().listen(*args, **kwargs)
        normalize_listen_args(args, dict(kwargs))     # bad arguments raise now
        if self._starting:
            raise ERR_INVALID_ARG_VALUE('listen', args, 'is already waiting for the startup')
        self._starting = True
        self._loop.create_task(self._start_then_listen(args, kwargs))
        return self

    async def _start_then_listen(self, args, kwargs):
        try:
            await self._lifespan.startup()
        except Exception as exc:
            self.emit('error', exc)
            return
        finally:
            self._starting = False
        super().listen(*args, **kwargs)

    def _close_due(self):
        return bool(self._tasks) or (self._lifespan is not None and self._lifespan.started)

    async def _before_close(self):
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        if self._lifespan is not None:
            await self._lifespan.shutdown()


class Server(ServerMixin, _HTTPServer):
    """An http.Server serving an ASGI 3 application (createServer's)."""

    def __init__(self, app, opts):
        _HTTPServer.__init__(self, {k: v for k, v in opts.items() if k in _HTTP_OPTIONS.rules})
        self._setup_asgi(app, opts)


class SecureServer(ServerMixin, https.Server):
    """An https.Server serving an ASGI 3 application: scheme 'https'."""

    _scheme = 'https'

    def __init__(self, app, opts):
        https.Server.__init__(self, {k: v for k, v in opts.items() if k not in ASGI_RULES})
        self._setup_asgi(app, opts)


def make_server(app, options, kwargs, spec, plain, secure):
    """``plain(app, opts)``, or ``secure(app, opts)`` when TLS options are
    given: a createServer(app, options) of pyuvnet.asgi or pyuvnet.wsgi."""
    if not callable(app):
        raise ERR_INVALID_ARG_TYPE('app', 'function', app)
    opts = normalize_options(options, kwargs, spec)
    return (secure if _TLS_ONLY.intersection(opts) else plain)(app, opts)


def create_server_for(app, options, kwargs):
    """asgi.createServer(app, options)."""
    return make_server(app, options, kwargs, OPTIONS, Server, SecureServer)

