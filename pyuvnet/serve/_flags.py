"""The command line of ``pyuvnet serve``: every uvicorn 0.54 flag, with its
name, default and help, plus gunicorn's ``--threads`` and ``--timeout``
and pyuvnet's ``--proxy-protocol``; and the Config it makes."""
import argparse

from .._internal.app_config import DEFAULTS, Config, ConfigError, LOG_LEVELS

__all__ = ['parser', 'config_of', 'version_line']


def version_line():
    """``--version``'s line, as uvicorn's: the server, Python's version."""
    import platform
    from importlib import metadata
    try:
        version = metadata.version('pyuvnet')
    except metadata.PackageNotFoundError:
        version = 'unknown'
    return 'Running pyuvnet %s with %s %s on %s' % (
        version, platform.python_implementation(), platform.python_version(), platform.system())


class _Version(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())
        parser.exit(0)


def _switch(p, name, help_text):
    """A ``--name / --no-name`` pair, as uvicorn's click flags (Config's
    default)."""
    dest = name.replace('-', '_')
    p.add_argument('--' + name, dest=dest, action=argparse.BooleanOptionalAction,
                   default=DEFAULTS[dest], help=help_text)


def _boolean(text):
    # click's BOOLEAN: --ws-per-message-deflate true/false/1/0/yes/no
    lowered = text.lower()
    if lowered in ('1', 'true', 't', 'yes', 'y', 'on'):
        return True
    if lowered in ('0', 'false', 'f', 'no', 'n', 'off'):
        return False
    raise argparse.ArgumentTypeError('%r is not a valid boolean' % text)


def _umask(text):
    # gunicorn's reading: int(text, 0), and a leading 0 means octal.
    try:
        return int(text, 8) if text[:1] == '0' and text[1:2].isdigit() else int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not a mask (e.g. 0o007)' % text) from None


class _OneLineParser(argparse.ArgumentParser):
    """A bad flag is one line on stderr and exit status 1 (--help: 0)."""

    def error(self, message):
        self.exit(1, 'pyuvnet serve: error: %s (see pyuvnet serve --help)\n' % message)


def parser():
    """The command line's parser (uvicorn's flag names and defaults)."""
    p = _OneLineParser(
        prog='pyuvnet serve',
        description='Serve an ASGI 3 or WSGI application on pyuvnet (uvicorn\'s flags).')
    p.add_argument('target', help='the app, as MODULE:ATTR (e.g. main:app)')

    def add(*flags, **kwargs):
        # A flag with a value of its own defaults to Config's (one table:
        # pyuvnet/_internal/app_config.py); its help shows it as %(default)s.
        dest = kwargs.get('dest', flags[0][2:].replace('-', '_'))
        if kwargs.pop('config_default', False):
            kwargs['default'] = DEFAULTS[dest]
        return p.add_argument(*flags, **kwargs)

    add('--host', config_default=True, help='Bind socket to this host. [default: %(default)s]')
    add('--port', type=int, config_default=True,
        help='Bind socket to this port. If 0, an available port will be picked. '
             '[default: %(default)s]')
    add('--uds', help='Bind to a UNIX domain socket.')
    add('--fd', type=int, help='Bind to socket from this file descriptor.')
    add('--umask', type=_umask, metavar='MASK',
        help="The --uds socket's mode is 0o777 without these bits (gunicorn's; e.g. 0o007: "
             "the owner and group only). [default: none, the mode is uvicorn's 0o666]")
    add('--reload', action='store_true', help='Enable auto-reload.')
    add('--reload-dir', dest='reload_dirs', action='append', metavar='PATH',
        help='Set reload directories explicitly, instead of using the current working directory.')
    add('--reload-include', dest='reload_includes', action='append', metavar='GLOB',
        help="Set glob patterns to include while watching for files ('*.py' by default).")
    add('--reload-exclude', dest='reload_excludes', action='append', metavar='GLOB',
        help="Set glob patterns to exclude while watching for files ('.*, .py[cod], .sw.*, ~*' "
             'by default).')
    add('--reload-delay', type=float, config_default=True,
        help='Delay between previous and next check if application needs to be. '
             '[default: %(default)s]')
    add('--workers', type=int, config_default=True,
        help='Number of worker processes. Defaults to the $WEB_CONCURRENCY environment '
             'variable if available, or 1.')
    add('--threads', type=int, config_default=True,
        help="WSGI: worker threads per process; 0 runs the app on the loop's thread "
             '(gunicorn). [default: %(default)s]')
    add('--timeout', type=float, config_default=True,
        help='A worker whose every app thread (WSGI) or whose event loop (ASGI, with '
             '--workers 2 or more) has been busy this many seconds is replaced; 0: '
             'never (gunicorn). [default: %(default)s]')
    add('--loop', choices=('auto', 'asyncio', 'uvloop'), config_default=True,
        help="Event loop implementation: auto is uvloop's when installed. [default: %(default)s]")
    add('--http', choices=('auto', 'h11', 'httptools'), config_default=True,
        help="HTTP/1.1 parser: auto and httptools are llhttp (httptools' parser); h11 is "
             'refused (pyuvnet has no other). [default: %(default)s]')
    _switch(p, 'http2',
            'Enable/Disable HTTP/2 beside HTTP/1.1: h2 by ALPN with --ssl-certfile, h2c '
            '(prior knowledge) without.')
    add('--h2-max-concurrent-streams', type=int, config_default=True, metavar='N',
        help='Streams one HTTP/2 connection may have open (SETTINGS_MAX_CONCURRENT_STREAMS); '
             'more are refused (REFUSED_STREAM). [default: %(default)s]')
    add('--ws', choices=('auto', 'none', 'websockets', 'websockets-sansio', 'wsproto'),
        config_default=True,
        help="WebSocket: 'none' turns it off (an upgrade request is then a plain request, as "
             "uvicorn's); any other is pyuvnet's own implementation. [default: %(default)s]")
    add('--ws-max-size', type=int, config_default=True,
        help='WebSocket max size message in bytes [default: %(default)s]')
    add('--ws-max-queue', type=int, config_default=True,
        help='The maximum length of the WebSocket message queue. [default: %(default)s]')
    add('--ws-ping-interval', type=float, config_default=True,
        help='WebSocket ping interval in seconds. [default: %(default)s]')
    add('--ws-ping-timeout', type=float, config_default=True,
        help='WebSocket ping timeout in seconds. [default: %(default)s]')
    add('--ws-per-message-deflate', type=_boolean, config_default=True, metavar='BOOLEAN',
        help='WebSocket per-message-deflate compression [default: %(default)s]')
    add('--lifespan', choices=('auto', 'on', 'off'), config_default=True,
        help='Lifespan implementation. [default: %(default)s]')
    add('--interface', choices=('auto', 'asgi3', 'asgi', 'wsgi'), config_default=True,
        help='Select ASGI3 or WSGI as the application interface: auto takes an async '
             'callable for ASGI. [default: %(default)s]')
    add('--env-file', metavar='PATH', help='Environment configuration file.')
    add('--log-config', metavar='PATH',
        help='Logging configuration file. Supported formats: .ini, .json, .yaml.')
    add('--log-level', choices=tuple(LOG_LEVELS), default=None, type=str.lower,
        help='Log level. [default: info]')
    _switch(p, 'access-log', 'Enable/Disable access log.')
    _switch(p, 'use-colors', 'Enable/Disable colorized logging.')
    _switch(p, 'proxy-headers',
            'Enable/Disable X-Forwarded-Proto, X-Forwarded-For to populate url scheme and '
            'remote address info.')
    _switch(p, 'server-header', 'Enable/Disable default Server header.')
    _switch(p, 'date-header', 'Enable/Disable default Date header.')
    add('--forwarded-allow-ips',
        help="Comma separated list of IP Addresses, IP Networks, or literals (e.g. UNIX Socket "
             "path) to trust with proxy headers. Defaults to the $FORWARDED_ALLOW_IPS "
             "environment variable if available, or '127.0.0.1,::1'. The literal '*' means "
             'trust everything.')
    add('--proxy-protocol', action='store_true',
        help="Expect HAProxy's PROXY protocol header (v1 or v2) first on every connection; "
             "the scope's client is the address it names.")
    add('--root-path', config_default=True,
        help="Set the ASGI 'root_path' (WSGI's SCRIPT_NAME) for applications submounted below "
             'a given URL path.')
    add('--limit-concurrency', type=int,
        help='Maximum number of concurrent connections or tasks to allow, before issuing '
             'HTTP 503 responses.')
    add('--backlog', type=int, config_default=True,
        help='Maximum number of connections to hold in backlog [default: %(default)s]')
    add('--limit-max-requests', type=int,
        help='Maximum number of requests to service before terminating the process.')
    add('--limit-max-requests-jitter', type=int, config_default=True,
        help='Maximum jitter to add to limit_max_requests. [default: %(default)s]')
    add('--timeout-keep-alive', type=float, config_default=True,
        help='Close Keep-Alive connections if no new data is received within this timeout '
             '(in seconds). [default: %(default)s]')
    add('--timeout-graceful-shutdown', type=float, config_default=True, metavar='S',
        help='Maximum number of seconds to wait for graceful shutdown.')
    add('--timeout-worker-healthcheck', type=float, config_default=True,
        help="Seconds a SIGHUP's new worker has to listen: one that does not is killed and "
             "the running workers go on (uvicorn's restart). [default: %(default)s]")
    add('--ssl-keyfile', help='SSL key file')
    add('--ssl-certfile', help='SSL certificate file')
    add('--ssl-keyfile-password', help='SSL keyfile password')
    add('--ssl-version', type=int, config_default=True,
        help="SSL version to use (see stdlib ssl module's) [default: %(default)s]")
    add('--ssl-cert-reqs', type=int, config_default=True,
        help="Whether client certificate is required (see stdlib ssl module's) "
             '[default: %(default)s]')
    add('--ssl-ca-certs', help='CA certificates file')
    add('--ssl-ciphers', help="Ciphers to use (see stdlib ssl module's).")
    add('--header', dest='headers', action='append', metavar='NAME:VALUE',
        help='Specify custom default HTTP response headers as a Name:Value pair')
    add('--version', action=_Version, help='Display the pyuvnet version and exit.')
    add('--app-dir', config_default=True,
        help='Look for APP in the specified directory, by adding this to the PYTHONPATH. '
             'Defaults to the current working directory.')
    add('--h11-max-incomplete-event-size', type=int,
        help='The bytes a request head may take (llhttp\'s limit; past it, 431). '
             '[default: 16384]')
    add('--reset-contextvars', action='store_true',
        help="Run each ASGI request in an empty contextvars.Context: nothing set in the "
             "server's context (at the app's import) is seen.")
    add('--factory', action='store_true',
        help='Treat APP as an application factory, i.e. a () -> <ASGI app> callable.')
    return p


def config_of(args):
    """The Config of parsed command-line ``args``; ConfigError for a value
    no server can use."""
    # A flag not given is left to Config's default (uvicorn's: --log-config
    # absent is uvicorn's LOGGING_CONFIG, not None).
    options = {name: value for name, value in vars(args).items()
               if name != 'target' and value is not None}
    if options['interface'] == 'asgi3':
        options['interface'] = 'asgi'
    try:
        return Config(args.target, **options)
    except TypeError as exc:
        raise ConfigError(str(exc)) from None
