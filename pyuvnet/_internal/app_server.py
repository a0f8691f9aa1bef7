"""What the app servers (pyuvnet.asgi, pyuvnet.wsgi) share, below both: the
options they add to https.createServer()'s, their Config, the asyncio loop
their apps run on, the PROXY protocol, the 'clientError' answer, 'close'
held until the app's work is done, and createServer()'s choice of http or
https."""
import asyncio

from pyuvnet import _uv, aio, https, tls

from pyuvnet._internal import validate as _validate
from pyuvnet._internal.options import OptionSpec, normalize_options
from pyuvnet.errors import ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE
from pyuvnet._internal.http_shared import BAD_REQUEST, CLIENT_ERROR_ANSWERS, destroy_soon
from pyuvnet._internal.http_shared import HTTP_SERVER_OPTIONS as _HTTP_OPTIONS
from pyuvnet._internal.listening import SERVER_OPTIONS as _NET_OPTIONS
from pyuvnet._internal.proxy_protocol import read_proxy_headers
from pyuvnet._internal.app_http2 import ALPN_PROTOCOLS, is_http_listener

__all__ = ['ClosesAfterWork', 'answer_client_error', 'config_of', 'take_proxy_protocol',
           'make_server', 'server_options', 'CONFIG_RULES', 'asyncio_loop', 'http_options',
           'https_options']


def server_options(extra):
    """https.createServer()'s option rules (http's and TLS's) plus ``extra``.
    (The stubs type SERVER_OPTIONS as a bare object: read through getattr.)"""
    return OptionSpec(dict(getattr(https, 'SERVER_OPTIONS').rules, **extra))


# What the ASGI and WSGI servers add to http.createServer's options: a
# Config (pyuvnet/_internal/app_config.py) whole, or its settings one by one.
CONFIG_RULES = {
    'config': 'object', 'rootPath': 'string', 'accessLog': 'boolean',
    'proxyHeaders': 'boolean', 'forwardedAllowIps': ('string', 'object'),
    'serverHeader': 'boolean', 'dateHeader': 'boolean', 'headers': 'object',
    'limitConcurrency': 'integer', 'proxyProtocol': 'boolean',
    'wsMaxSize': 'integer', 'wsMaxQueue': 'integer', 'wsPingInterval': ('number', 'object'),
    'wsPingTimeout': ('number', 'object'), 'wsPerMessageDeflate': 'boolean',
    'http2': 'boolean', 'h2MaxConcurrentStreams': 'integer',
}
# The TLS options: any of them makes the server an https.Server.
_TLS_ONLY = frozenset(getattr(tls, 'SERVER_OPTIONS').rules) - frozenset(_NET_OPTIONS.rules)


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
            bridge.stop_request = None
            _uv._set_run_driver(_run_own_loop, _stop_own_loop)
        return bridge.loop
    aio.install(loop)
    return loop


def _own_bridge():
    """The bridge of asyncio_loop()'s own asyncio loop, or None."""
    bridge = aio.installed()
    return bridge if bridge is not None and getattr(bridge, 'own_loop', False) else None


def _run_own_loop():
    """net.run() with an asyncio loop of asyncio_loop()'s own: it runs
    until pyuvnet's loop is idle and the app's tasks are done (the
    lifespan shutdown, a request finishing), or net.stop().  False when
    there is none to run (net.run() then runs pyuvnet's loop alone)."""
    bridge = _own_bridge()
    if bridge is None or bridge.loop.is_running():
        return False
    bridge.loop.run_until_complete(_drive(bridge))
    return True


async def _drive(bridge):
    loop = bridge.loop
    stopped = bridge.stop_request = loop.create_future()
    try:
        while True:
            idle = loop.create_task(aio.run())
            await asyncio.wait((idle, stopped), return_when=asyncio.FIRST_COMPLETED)
            if stopped.done():
                idle.cancel()
                return
            idle.result()       # what a pyuvnet callback raised
            pending = asyncio.all_tasks(loop) - {asyncio.current_task()}
            if pending:
                # An app's task (a startup about to listen, a shutdown, a
                # request) may give pyuvnet's loop more to do.
                ended = loop.create_task(asyncio.wait(pending))
                await asyncio.wait((ended, stopped), return_when=asyncio.FIRST_COMPLETED)
                ended.cancel()
            elif not bridge.uv_loop.alive():
                return
    finally:
        bridge.stop_request = None


def _stop_own_loop():
    """net.stop(): a running _run_own_loop() returns after this turn."""
    bridge = _own_bridge()
    stopped = None if bridge is None else bridge.stop_request
    if stopped is not None and not stopped.done():
        stopped.set_result(None)


# The settings a server takes one by one, each a Config's (ASGI's
# ``lifespan``, WSGI's ``threads`` beside CONFIG_RULES's).
_SETTINGS = frozenset(CONFIG_RULES) - {'config'} | {'lifespan', 'threads'}
# Node's http options that are a Config's settings under uvicorn's name
# (and, for the timeout, in seconds): given one by one they make the
# Config's, which the server's http layer is then given back.
_HTTP_SETTINGS = {'keepAliveTimeout': 'timeout_keep_alive',
                  'maxHeaderSize': 'h11_max_incomplete_event_size'}


def config_of(opts):
    """The server's Config, made once: the one given as ``config`` (no
    setting may be given beside it, nor TLS options beside its TLS files:
    ERR_INVALID_ARG_VALUE), else one of the settings given one by one, as
    uvicorn.run(app, **kwargs) makes its one Config (uvicorn's defaults,
    but no Server header: a program's server is Node's, which sends none)."""
    config = opts.get('config')
    if config is not None:
        for name in sorted(_SETTINGS.union(_HTTP_SETTINGS).intersection(opts)):
            raise ERR_INVALID_ARG_VALUE('options.' + name, opts[name],
                                        'is set on options.config, not beside it')
        if getattr(config, 'is_ssl', False):
            for name in sorted(_TLS_ONLY.intersection(opts)):
                raise ERR_INVALID_ARG_VALUE('options.' + name, opts[name],
                                            "is read from options.config's TLS files, "
                                            'not given beside them')
        return config
    from pyuvnet._internal.app_config import Config
    if 'threads' in opts:
        _validate.validate_integer(opts['threads'], 'options.threads', 0)
    settings = {name: opts[name] for name in _SETTINGS.intersection(opts)}
    for option, name in _HTTP_SETTINGS.items():
        if option in opts:
            # Node's check and error, before the Config's.
            settings[name] = _validate.validate_integer(opts[option], 'options.' + option, 0)
    if 'timeout_keep_alive' in settings:
        settings['timeout_keep_alive'] /= 1000
    settings.setdefault('serverHeader', False)
    return Config(None, **settings)


def http_options(config, opts):
    """An app server's http.Server options: http's of ``opts``, and what
    its Config says of the http layer, read here once (_config_says)."""
    return _config_says(config, {name: value for name, value in opts.items()
                                 if name in _HTTP_OPTIONS.rules})


def https_options(config, opts, own_rules):
    """An app server's https.Server options: those of ``opts`` not in
    ``own_rules`` (the app server's), what its Config says of the http
    layer, its TLS files, and ALPN's ``h2`` and ``http/1.1`` offered when
    it serves HTTP/2 (unless ``ALPNProtocols`` says otherwise)."""
    options = _config_says(config, {name: value for name, value in opts.items()
                                    if name not in own_rules})
    options.update(config.tls_options())
    if config.http2:
        options.setdefault('ALPNProtocols', list(ALPN_PROTOCOLS))
    return options


def _config_says(config, options):
    """``options`` with the Config's keep-alive timeout and head limit."""
    options['keepAliveTimeout'] = round(config.timeout_keep_alive * 1000)
    if config.h11_max_incomplete_event_size is not None:
        # h11's buffer of a head not yet whole: llhttp's head limit.
        options['maxHeaderSize'] = config.h11_max_incomplete_event_size
    return options


def take_proxy_protocol(server, config):
    """With ``config.proxy_protocol``, ``server``'s connections read a
    PROXY header first (pyuvnet/_internal/proxy_protocol.py)."""
    if not config.proxy_protocol:
        return
    if server._scheme == 'https':
        # The header comes before the handshake: the TLS acceptor waits.
        read_proxy_headers(server, server._acceptor, tls=True)
        return
    # The listener that makes a connection's HTTP state (a ServerExchange),
    # or the h2c router before it.
    http_listener, = [listener for listener in server.listeners('connection')
                      if is_http_listener(listener)]
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
    finished.  The ASGI server's (the WSGI server holds its own, without
    asyncio)."""

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


def make_server(app, options, kwargs, spec, plain, secure):
    """``plain(app, opts)``, or ``secure(app, opts)`` when TLS options are
    given, or a Config whose TLS files are: a createServer(app, options) of
    pyuvnet.asgi or pyuvnet.wsgi."""
    if not callable(app):
        raise ERR_INVALID_ARG_TYPE('app', 'function', app)
    opts = normalize_options(options, kwargs, spec)
    tls = _TLS_ONLY.intersection(opts) or getattr(opts.get('config'), 'is_ssl', False)
    return (secure if tls else plain)(app, opts)
