"""One server's configuration: ``Config``, built once from the command line
(``pyuvnet serve``) or from ``pyuvnet.serve.run(app, **options)``, and read
whole by every layer: the process supervisor, the server's life (``_run``)
and the ASGI or WSGI server and its C request handler.  It lives below
them all (pyuvnet.serve re-exports it) since asgi and wsgi read it too.

Its attributes are uvicorn.Config's parameters, with uvicorn 0.54's
defaults and meanings, plus gunicorn's ``threads`` and ``timeout`` and
pyuvnet's ``proxy_protocol``.  Keywords may be spelled snake_case or
camelCase (``forwardedAllowIps``), as every pyuvnet option.
"""
import ipaddress
import json
import logging
import logging.config
import os
import ssl
import sys
from http import HTTPStatus

from pyuvnet._internal.aliases import snake_name
from pyuvnet._internal.http2.constants import SERVER_MAX_CONCURRENT_STREAMS

__all__ = ['Config', 'ConfigError', 'DEFAULTS', 'LOGGING_CONFIG', 'LOG_LEVELS',
           'TRACE_LOG_LEVEL', 'ProxyTrust', 'DefaultFormatter', 'AccessFormatter']

TRACE_LOG_LEVEL = 5
LOG_LEVELS = {
    'critical': logging.CRITICAL, 'error': logging.ERROR, 'warning': logging.WARNING,
    'info': logging.INFO, 'debug': logging.DEBUG, 'trace': TRACE_LOG_LEVEL,
}

# uvicorn's LOGGING_CONFIG, with this module's formatters (the same lines):
# existing uvicorn log configs name the same loggers and work unchanged.
LOGGING_CONFIG = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {
        'default': {'()': 'pyuvnet._internal.app_config.DefaultFormatter',
                    'fmt': '%(levelprefix)s %(message)s', 'use_colors': None},
        'access': {'()': 'pyuvnet._internal.app_config.AccessFormatter',
                   'fmt': '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'},
    },
    'handlers': {
        'default': {'formatter': 'default', 'class': 'logging.StreamHandler',
                    'stream': 'ext://sys.stderr'},
        'access': {'formatter': 'access', 'class': 'logging.StreamHandler',
                   'stream': 'ext://sys.stdout'},
    },
    'loggers': {
        'uvicorn': {'handlers': ['default'], 'level': 'INFO', 'propagate': False},
        'uvicorn.error': {'level': 'INFO'},
        'uvicorn.access': {'handlers': ['access'], 'level': 'INFO', 'propagate': False},
    },
}

_LEVEL_COLORS = {TRACE_LOG_LEVEL: '34', logging.DEBUG: '36', logging.INFO: '32',
                 logging.WARNING: '33', logging.ERROR: '31', logging.CRITICAL: '91'}


class ConfigError(ValueError):
    """A setting that cannot be used: the message is the one line the
    command line prints (``code`` as Node's errors, for a program's
    createServer() options)."""

    code = 'ERR_INVALID_ARG_VALUE'


ACCESS_FORMAT = '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'
# '200 OK', ... made once: the access line's status, by code.
_STATUS_TEXTS = {status.value: '%d %s' % (status.value, status.phrase) for status in HTTPStatus}


class DefaultFormatter(logging.Formatter):
    """uvicorn's line: ``INFO:     message``, the level and its colon padded
    to nine columns (``levelprefix``), coloured on a terminal."""

    def __init__(self, fmt=None, datefmt=None, style='%', use_colors=None):
        self.use_colors = use_colors if use_colors in (True, False) else None
        super().__init__(fmt, datefmt, style)

    def _colors(self):
        if self.use_colors is None:
            # Decided at the first line, as uvicorn decides it.
            self.use_colors = sys.stdout.isatty()
        return self.use_colors

    def level_prefix(self, record):
        name = record.levelname
        padding = ' ' * (8 - len(name))
        if self._colors():
            return '\033[%sm%s\033[0m:%s' % (_LEVEL_COLORS.get(record.levelno, '0'), name, padding)
        return name + ':' + padding

    def formatMessage(self, record):
        record.__dict__['levelprefix'] = self.level_prefix(record)
        return super().formatMessage(record)


class AccessFormatter(DefaultFormatter):
    """uvicorn's access line from the record's args ``(client_addr, method,
    full_path, http_version, status_code)``:
    ``INFO:     127.0.0.1:5000 - "GET /x HTTP/1.1" 200 OK``.  With uvicorn's
    own format and no colours, the line is made at once (a fifth of the
    generic path's cost: the access log's price per request)."""

    def format(self, record):
        if (self._fmt == ACCESS_FORMAT and not record.exc_info and not record.stack_info
                and not self._colors()):
            client_addr, method, full_path, http_version, status_code = record.args
            return '%s %s - "%s %s HTTP/%s" %s' % (
                self.level_prefix(record), client_addr, method, full_path, http_version,
                status_text(status_code))
        return super().format(record)

    def formatMessage(self, record):
        client_addr, method, full_path, http_version, status_code = record.args
        record.__dict__.update(
            client_addr=client_addr,
            request_line='%s %s HTTP/%s' % (method, full_path, http_version),
            status_code=status_text(status_code))
        return super().formatMessage(record)


def status_text(code):
    """'200 OK' of a status code (the code alone when it has no phrase)."""
    text = _STATUS_TEXTS.get(code)
    return text if text is not None else str(code)


class ProxyTrust:
    """``--forwarded-allow-ips``: which peers' X-Forwarded-* headers are
    believed (uvicorn's: IPs, networks, ``*``, or other literals such as a
    Unix socket's path)."""

    def __init__(self, allowed):
        items = allowed.split(',') if isinstance(allowed, str) else list(allowed)
        items = [item.strip() for item in items if item.strip()]
        self.always = '*' in items
        self.hosts, self.networks, self.literals = set(), [], set()
        for item in items:
            if item == '*':
                continue
            try:
                self.hosts.add(str(ipaddress.ip_address(item)))
                continue
            except ValueError:
                pass
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.literals.add(item)

    def __contains__(self, host):
        if self.always:
            return True
        if host is None:
            return False
        if host in self.hosts or host in self.literals:
            return True
        if not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def forwarded(self, peer, proto, forwarded_for):
        """uvicorn's ProxyHeadersMiddleware: ``(client, scheme)`` that the
        X-Forwarded-For and X-Forwarded-Proto values (str, or None when
        absent) of a request from ``peer`` (its host, or None) set; None
        for each one not to change, and both None from an untrusted peer.
        The client is the nearest address that is not a trusted proxy."""
        if peer not in self:
            return None, None
        scheme = None
        if proto is not None and proto.strip() in ('http', 'https', 'ws', 'wss'):
            scheme = proto.strip()
        client = None
        if forwarded_for is not None:
            hosts = [host.strip() for host in forwarded_for.split(',')]
            chosen = hosts[0]
            if not self.always:
                for host_port in reversed(hosts):
                    if _host_port(host_port)[0] not in self:
                        chosen = host_port
                        break
            host, port = _host_port(chosen)
            if host:
                client = (host, port)
        return client, scheme

    def apply(self, scope, websocket):
        """The scope's ``client`` and ``scheme`` set from its headers."""
        client = scope['client']
        proto = None
        fors = []
        for name, value in scope['headers']:
            if name == b'x-forwarded-proto':
                proto = value.decode('latin-1')
            elif name == b'x-forwarded-for':
                fors.append(value.decode('latin-1'))
        client, scheme = self.forwarded(client[0] if client else None, proto,
                                        ', '.join(fors) if fors else None)
        if scheme is not None:
            scope['scheme'] = scheme.replace('http', 'ws') if websocket else scheme
        if client is not None:
            scope['client'] = client


def _host_port(value):
    """A forwarded ``host[:port]`` (``[v6]:port`` too) as (host, port); port
    0 when there is none or it is malformed (uvicorn's reading)."""
    if value.startswith('['):
        end = value.find(']')
        if end < 0:
            return value, 0
        host, rest = value[1:end], value[end + 1:]
        if not rest:
            return host, 0
        if not rest.startswith(':'):
            return value, 0
        try:
            return host, int(rest[1:])
        except ValueError:
            return host, 0
    if value.count(':') == 1:
        host, port = value.rsplit(':', 1)
        try:
            return host, int(port)
        except ValueError:
            return value, 0
    return value, 0


# uvicorn's --ws values: 'none' turns WebSocket off; each other is
# pyuvnet's own WebSocket (there is one implementation).
WS_CHOICES = ('auto', 'none', 'websockets', 'websockets-sansio', 'wsproto')

# Every setting's default, written here alone (the command line's flags
# and the servers' options given one by one take theirs from it).
DEFAULTS = dict(
    host='127.0.0.1', port=8000, uds=None, fd=None, loop='auto', http='auto', ws='auto',
    lifespan='auto', env_file=None, log_config=LOGGING_CONFIG, log_level=None,
    access_log=True, use_colors=None, interface='auto', reload=False, reload_dirs=None,
    reload_delay=0.25, reload_includes=None, reload_excludes=None, workers=None,
    proxy_headers=True, server_header=True, date_header=True, forwarded_allow_ips=None,
    root_path='', limit_concurrency=None, limit_max_requests=None,
    limit_max_requests_jitter=0, backlog=2048, timeout_keep_alive=5,
    timeout_graceful_shutdown=None, timeout_worker_healthcheck=5,
    ssl_keyfile=None, ssl_certfile=None, ssl_keyfile_password=None,
    ssl_version=int(ssl.PROTOCOL_TLS_SERVER), ssl_cert_reqs=int(ssl.CERT_NONE),
    ssl_ca_certs=None, ssl_ciphers=None, headers=None, factory=False, app_dir='',
    h11_max_incomplete_event_size=None, reset_contextvars=False,
    ws_max_size=16 * 1024 * 1024, ws_max_queue=32, ws_ping_interval=20.0,
    ws_ping_timeout=20.0, ws_per_message_deflate=True,
    # gunicorn's and pyuvnet's
    threads=1, timeout=30, umask=None, proxy_protocol=False, http2=True,
    h2_max_concurrent_streams=SERVER_MAX_CONCURRENT_STREAMS,
)


class Config:
    """Every setting of one server, uvicorn.Config's names and defaults.

    ``Config(app, **options)``: ``app`` is the application or its
    ``"module:attr"`` target; each option is one of uvicorn.Config's
    parameters (snake_case or camelCase), or ``threads`` (WSGI threads per
    process), ``timeout`` (gunicorn's worker timeout, seconds), ``umask``
    (gunicorn's: the ``uds`` socket's mode is 0o777 without its bits; by
    default it is uvicorn's 0o666),
    ``proxy_protocol`` (HAProxy's PROXY header first on each connection),
    ``http2`` (HTTP/2 beside HTTP/1.1: h2 by ALPN with TLS, h2c with
    prior knowledge without; on by default) or ``h2_max_concurrent_streams``
    (the streams one HTTP/2 connection may have open, 100 as hypercorn's).
    An unknown option is a TypeError, a
    value out of range a :class:`ConfigError`.

    Built once; ``configure_logging()`` and ``load_env()`` apply its
    process-wide parts (the command line calls both first)."""

    #: Every option's name, snake_case, in uvicorn.Config's order.
    OPTIONS = tuple(DEFAULTS)

    def __init__(self, app=None, **options):
        unknown = []
        given = {}
        for key, value in options.items():
            name = key if key in DEFAULTS else snake_name(key)
            if name not in DEFAULTS:
                unknown.append(key)
            else:
                given[name] = value
        if unknown:
            raise TypeError('unknown server options: %s' % ', '.join(sorted(unknown)))
        self.app = app
        self.given = frozenset(given)
        for name, default in DEFAULTS.items():
            setattr(self, name, given.get(name, default))
        if self.workers is None:
            self.workers = int(os.environ.get('WEB_CONCURRENCY', 1))
        if self.forwarded_allow_ips is None:
            self.forwarded_allow_ips = os.environ.get('FORWARDED_ALLOW_IPS', '127.0.0.1,::1')
        self.headers = [self._header(header) for header in (self.headers or ())]
        self.reload_dirs = _listed(self.reload_dirs)
        self.reload_includes = _listed(self.reload_includes)
        self.reload_excludes = _listed(self.reload_excludes)
        self._check()

    def _check(self):
        if self.log_level is not None and isinstance(self.log_level, str) \
                and self.log_level.lower() not in LOG_LEVELS:
            raise ConfigError('--log-level must be one of %s, not %r'
                              % (', '.join(LOG_LEVELS), self.log_level))
        for name in ('workers', 'backlog'):
            if getattr(self, name) < 1:
                raise ConfigError('--%s must be 1 or more' % name)
        if self.threads < 0:
            raise ConfigError('--threads must be 0 or more')
        if self.umask is not None and not 0 <= self.umask <= 0o777:
            raise ConfigError('--umask must be between 0 and 0o777 (got %o)' % self.umask)
        for name in ('limit_concurrency', 'limit_max_requests'):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError('--%s must be 1 or more' % name.replace('_', '-'))
        if not 1 <= self.h2_max_concurrent_streams <= 2 ** 32 - 1:
            raise ConfigError('--h2-max-concurrent-streams must be from 1 to 4294967295')
        if self.timeout_keep_alive < 0:
            raise ConfigError('--timeout-keep-alive must be 0 or more')
        if self.h11_max_incomplete_event_size is not None and self.h11_max_incomplete_event_size < 1:
            raise ConfigError('--h11-max-incomplete-event-size must be 1 or more')
        if self.timeout_worker_healthcheck <= 0:
            raise ConfigError('--timeout-worker-healthcheck must be above 0')
        if self.http == 'h11':
            raise ConfigError("--http h11: pyuvnet parses HTTP/1.1 with llhttp only "
                              "(httptools' parser): use --http auto or httptools")
        if self.ws not in WS_CHOICES:
            raise ConfigError('--ws must be one of %s, not %r' % (', '.join(WS_CHOICES), self.ws))
        if self.timeout < 0:
            raise ConfigError('--timeout must be 0 (none) or more (got %g)' % self.timeout)
        if self.ssl_keyfile and not self.ssl_certfile:
            raise ConfigError('--ssl-keyfile needs --ssl-certfile (the certificate it is the key of)')
        if self.ssl_cert_reqs not in (ssl.CERT_NONE, ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED):
            raise ConfigError('--ssl-cert-reqs must be 0, 1 or 2')
        if self.ssl_version not in (ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLS):
            raise ConfigError('--ssl-version %d: only TLS (%d, the default) is served'
                              % (self.ssl_version, ssl.PROTOCOL_TLS_SERVER))

    @staticmethod
    def _header(header):
        if isinstance(header, str):
            name, sep, value = header.partition(':')
            if not sep or not name.strip():
                raise ConfigError('--header must be NAME:VALUE, not %r' % header)
            return name.strip(), value.strip()
        name, value = header
        return str(name), str(value)

    # -- what the layers read --------------------------------------------------

    @property
    def is_ssl(self):
        """Whether the server speaks TLS: a certificate or key was given."""
        return bool(self.ssl_keyfile or self.ssl_certfile)

    @property
    def uds_mode(self):
        """The mode the ``uds`` socket is given once it listens: uvicorn's
        0o666 (any local user, nginx's workers among them, may connect),
        or with ``umask`` gunicorn's 0o777 without the umask's bits."""
        return 0o666 if self.umask is None else 0o777 & ~self.umask

    @property
    def log_level_number(self):
        """The --log-level as a logging level (None: not given)."""
        level = self.log_level
        return LOG_LEVELS[level.lower()] if isinstance(level, str) else level

    def trusted_proxies(self):
        """A :class:`ProxyTrust` of ``forwarded_allow_ips``, or None when the
        proxy headers are not read."""
        if not self.proxy_headers:
            return None
        return ProxyTrust(self.forwarded_allow_ips)

    def response_headers(self):
        """The headers every response gets unless the app sets them: the
        ``Server`` header (``--server-header``) and ``--header``'s."""
        headers = [('server', 'pyuvnet')] if self.server_header else []
        return headers + list(self.headers)

    def tls_options(self):
        """https.createServer()'s TLS options of the ``ssl_*`` settings
        (empty without a certificate), which an app server reads once, as
        it is made.  A file that cannot be read is a ConfigError naming it."""
        if not self.is_ssl:
            return {}
        options = {'cert': _read(self.ssl_certfile, '--ssl-certfile'),
                   'key': _read(self.ssl_keyfile or self.ssl_certfile, '--ssl-keyfile')}
        if self.ssl_keyfile_password:
            options['passphrase'] = self.ssl_keyfile_password
        if self.ssl_ca_certs:
            options['ca'] = _read(self.ssl_ca_certs, '--ssl-ca-certs')
        if self.ssl_ciphers:
            options['ciphers'] = self.ssl_ciphers
        if self.ssl_cert_reqs != ssl.CERT_NONE:
            options['requestCert'] = True
            options['rejectUnauthorized'] = self.ssl_cert_reqs == ssl.CERT_REQUIRED
        return options

    # -- the process-wide parts ------------------------------------------------

    def configure_logging(self):
        """uvicorn's: the log config (a dict, or a JSON, YAML or INI file),
        then ``--log-level`` on uvicorn's loggers, and no access log
        handlers with ``--no-access-log``."""
        logging.addLevelName(TRACE_LOG_LEVEL, 'TRACE')
        config = self.log_config
        if config is not None:
            if isinstance(config, os.PathLike):
                config = os.fspath(config)
            try:
                if isinstance(config, dict):
                    if self.use_colors in (True, False):
                        config = json.loads(json.dumps(config))
                        for formatter in ('default', 'access'):
                            config['formatters'][formatter]['use_colors'] = self.use_colors
                    logging.config.dictConfig(config)
                elif config.endswith('.json'):
                    with open(config) as f:
                        logging.config.dictConfig(json.load(f))
                elif config.endswith(('.yaml', '.yml')):
                    try:
                        import yaml
                    except ImportError:
                        raise ConfigError('--log-config %s: YAML needs PyYAML '
                                          '(pip install pyyaml)' % config) from None
                    with open(config) as f:
                        logging.config.dictConfig(yaml.safe_load(f))
                else:
                    logging.config.fileConfig(config, disable_existing_loggers=False)
            except ConfigError:
                raise
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                raise ConfigError('--log-config %s: %s' % (config, exc)) from None
        level = self.log_level_number
        if level is not None:
            for name in ('uvicorn.error', 'uvicorn.access', 'uvicorn.asgi', 'pyuvnet'):
                logging.getLogger(name).setLevel(level)
        if self.access_log is False:
            access = logging.getLogger('uvicorn.access')
            access.handlers = []
            access.propagate = False

    def load_env(self):
        """``--env-file``: its ``NAME=VALUE`` lines into os.environ (a name
        already set is kept, as python-dotenv does)."""
        if self.env_file is None:
            return
        try:
            with open(self.env_file) as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise ConfigError('--env-file %s: %s' % (self.env_file, exc.strerror)) from None
        logging.getLogger('uvicorn.error').info("Loading environment from '%s'", self.env_file)
        for line in lines:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('export '):
                line = line[7:].lstrip()
            name, sep, value = line.partition('=')
            if not sep:
                continue
            name, value = name.strip(), value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            else:
                value = value.split(' #', 1)[0].rstrip()
            os.environ.setdefault(name, value)


def _listed(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _read(path, flag):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as exc:
        raise ConfigError('%s %s: %s' % (flag, path, exc.strerror)) from None
