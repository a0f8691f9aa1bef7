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
import contextvars

from pyuvnet import https
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet.http import Server as _HTTPServer
from pyuvnet._internal.listening import normalize_listen_args
from pyuvnet._internal.app_server import (
                                          CONFIG_RULES, ClosesAfterWork, answer_client_error, asyncio_loop, config_of, http_options,
                                          https_options, make_server, server_options, take_proxy_protocol,
                                          )
from pyuvnet._internal.app_http2 import ServesHttp2, serve_http2

from ._handler import handler_for, logger
from ._http2 import request_sink_for
from ._websocket import WebSocketCycle, WebSocketSettings, upgrade_server
from ._lifespan import ASGI_VERSION, Lifespan
from ._trace import trace_connections, traced_app

__all__ = ['Server', 'SecureServer', 'create_server_for']


ASGI_RULES = dict(CONFIG_RULES, lifespan='string')
OPTIONS = server_options(ASGI_RULES)
_LIFESPAN_MODES = ('auto', 'on', 'off')


class ServesAsgi(ServesHttp2, ClosesAfterWork):
    """Serving an ASGI app: what the ASGI http.Server and https.Server share."""

    # A request after an upgrade not taken, in the same read, is parsed
    # (h11 and gunicorn answer it; Node's http does not).
    _parses_past_plain_upgrade = True

    _scheme = 'http'

    def _setup_asgi(self, app, config):
        self.config = config
        mode = config.lifespan
        if mode not in _LIFESPAN_MODES:
            raise ERR_INVALID_ARG_VALUE('options.lifespan', mode,
                                        "must be one of 'auto', 'on', 'off'")
        # --log-level trace: the app wrapped to log its messages, as uvicorn.
        self.app = app = traced_app(app)
        trace_connections(self)
        self._lifespan = None if mode == 'off' else Lifespan(app, mode)
        self._state = {} if self._lifespan is None else self._lifespan.state
        self._asgi_versions = {'version': ASGI_VERSION, 'spec_version': '2.3'}
        self._loop = None
        self._tasks = set()
        self._starting = False
        self._wss = None            # the WebSocketServer of the handshakes, once needed
        self._ws_settings = WebSocketSettings(config)
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
        if config.http2:
            serve_http2(self, request_sink_for(self))
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
        # answers it.  With --ws none a WebSocket one is too, with uvicorn's
        # warning.
        upgrade = ', '.join(raw_headers[i + 1] for i in range(0, len(raw_headers), 2)
                            if raw_headers[i].lower() == 'upgrade')
        if upgrade.lower() != 'websocket':
            return False
        if self.config.ws == 'none':
            logger.warning('Unsupported upgrade request.')
            return False
        return True

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
        if self.config.reset_contextvars:
            # An empty context, as each request's (uv/asgi/handler.pyx).
            task = contextvars.Context().run(self._loop.create_task, cycle.run(self.app))
        else:
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


class Server(ServesAsgi, _HTTPServer):
    """An http.Server serving an ASGI 3 application (createServer's)."""

    def __init__(self, app, opts):
        config = config_of(opts)
        _HTTPServer.__init__(self, http_options(config, opts))
        self._setup_asgi(app, config)


class SecureServer(ServesAsgi, https.Server):
    """An https.Server serving an ASGI 3 application: scheme 'https'."""

    _scheme = 'https'

    def __init__(self, app, opts):
        config = config_of(opts)
        https.Server.__init__(self, https_options(config, opts, ASGI_RULES))
        self._setup_asgi(app, config)


def create_server_for(app, options, kwargs):
    """asgi.createServer(app, options)."""
    return make_server(app, options, kwargs, OPTIONS, Server, SecureServer)

