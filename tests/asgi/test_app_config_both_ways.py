"""One Config per app server, made once: each setting given one by one to
createServer() (uvicorn.run(app, **kwargs) makes its one Config the same
way) or on a Config is the same setting where the running server reads
it; a setting given beside a Config is refused rather than dropped; and
the command line's defaults are the Config's."""
import pytest

from pyuvnet import asgi, wsgi
from pyuvnet._internal import app_server
from pyuvnet._internal.app_config import DEFAULTS
from pyuvnet.errors import ERR_INVALID_ARG_VALUE
from pyuvnet.serve import Config
from pyuvnet.serve._flags import parser

from asgi_support import serve, text_app

pytestmark = pytest.mark.timeout(30)


def wsgi_app(environ, start_response):
    start_response('200 OK', [])
    return [b'ok']


def ws(field):
    return lambda server: getattr(server._ws_settings, field)


def setting(name):
    return lambda server: getattr(server.config, name)


# (option, a value other than the default, what the running server reads)
COMMON = [
    ('accessLog', False, setting('access_log')),
    ('proxyHeaders', False, lambda server: server.config.trusted_proxies()),
    ('forwardedAllowIps', '10.0.0.1', setting('forwarded_allow_ips')),
    ('serverHeader', True, lambda server: server.config.response_headers()),
    ('dateHeader', False, setting('date_header')),
    ('headers', [('x-a', '1')], lambda server: server.config.response_headers()),
    ('limitConcurrency', 5, setting('limit_concurrency')),
    ('proxyProtocol', True, setting('proxy_protocol')),
    ('http2', False, setting('http2')),
    ('h2MaxConcurrentStreams', 7, setting('h2_max_concurrent_streams')),
    # Node's http options that are the Config's settings under uvicorn's
    # names (SPELLED), read where the connections read them.
    ('keepAliveTimeout', 1500, lambda server: server.keepAliveTimeout),
    ('maxHeaderSize', 4096, lambda server: server._settings.max_header_size),
]
# An option's Config setting, where its name or unit differs.
SPELLED = {'keepAliveTimeout': ('timeout_keep_alive', 1.5),
           'maxHeaderSize': ('h11_max_incomplete_event_size', 4096),
           'multiprocess': ('workers', 2)}
ASGI = COMMON + [
    ('rootPath', '/api', setting('root_path')),
    ('lifespan', 'off', lambda server: server._lifespan),
    ('wsMaxSize', 1024, ws('max_size')),
    ('wsMaxQueue', 4, ws('max_queue')),
    ('wsPingInterval', 5.0, ws('ping_interval')),
    ('wsPingTimeout', 6.0, ws('ping_timeout')),
    ('wsPerMessageDeflate', False, ws('per_message_deflate')),
]
WSGI = COMMON + [
    ('rootPath', '/api/', lambda server: server._root_path),
    ('threads', 3, lambda server: server._threads),
    ('multiprocess', True, lambda server: server._multiprocess),
]


def read_back(module, app, read, **options):
    async def client(server):
        return read(server)
    return serve(app, client, module, **options)


def as_config(name, value):
    # A program's server sends no Server header unless told (Node's none).
    settings = {'serverHeader': False}
    settings.update([SPELLED.get(name, (name, value))])
    return Config(None, **settings)


@pytest.mark.parametrize('name, value, read', ASGI, ids=[case[0] for case in ASGI])
def test_an_asgi_setting_is_the_same_given_one_by_one_or_on_a_config(name, value, read):
    given = read_back(asgi, text_app(b'ok'), read, **{name: value})
    default = read_back(asgi, text_app(b'ok'), read)
    assert given == read_back(asgi, text_app(b'ok'), read, config=as_config(name, value))
    assert given != default


@pytest.mark.parametrize('name, value, read', WSGI, ids=[case[0] for case in WSGI])
def test_a_wsgi_setting_is_the_same_given_one_by_one_or_on_a_config(name, value, read):
    given = read_back(wsgi, wsgi_app, read, **{name: value})
    default = read_back(wsgi, wsgi_app, read)
    assert given == read_back(wsgi, wsgi_app, read, config=as_config(name, value))
    assert given != default


def test_every_setting_a_server_takes_one_by_one_is_read_back_above():
    # A setting added to the servers' options without a case here would
    # go untested both ways (the lists above are complete today).
    taken = set(app_server._SETTINGS) | set(app_server._HTTP_SETTINGS)
    assert taken - {case[0] for case in ASGI + WSGI} == set()


@pytest.mark.parametrize('module, name, value', [
    (asgi, 'rootPath', '/api'), (asgi, 'wsMaxSize', 1024), (asgi, 'lifespan', 'off'),
    (asgi, 'keepAliveTimeout', 1000), (wsgi, 'threads', 2), (wsgi, 'dateHeader', False),
    (wsgi, 'maxHeaderSize', 4096)])
def test_a_setting_beside_a_config_is_refused_not_dropped(module, name, value):
    app = text_app(b'ok') if module is asgi else wsgi_app
    with pytest.raises(ERR_INVALID_ARG_VALUE, match="options.%s' is set on options.config" % name):
        module.createServer(app, {'config': Config(None), name: value})


def secure_reads(server):
    # What a connection meets: TLS with the certificate and key, ALPN's offer.
    context = server._context
    return (server._scheme, type(server).__name__, context.cert_pem, context.key_pem,
            server._tls_options.get('ALPNProtocols'))


@pytest.mark.parametrize('module', [asgi, wsgi])
def test_tls_options_one_by_one_or_a_configs_tls_files_make_the_same_server(module, tls_certs):
    app = text_app(b'ok') if module is asgi else wsgi_app
    given = read_back(module, app, secure_reads, key=tls_certs.key, cert=tls_certs.cert)
    config = Config(None, ssl_certfile=tls_certs.path('leaf.pem'),
                    ssl_keyfile=tls_certs.path('leaf.key'), serverHeader=False)
    assert read_back(module, app, secure_reads, config=config) == given
    assert given[:2] + given[4:] == ('https', 'SecureServer', ['h2', 'http/1.1'])
    assert given[2].strip() == tls_certs.cert.strip()


def test_tls_options_beside_a_configs_tls_files_are_refused_not_dropped(tls_certs):
    config = Config(None, ssl_certfile=tls_certs.path('leaf.pem'),
                    ssl_keyfile=tls_certs.path('leaf.key'))
    with pytest.raises(ERR_INVALID_ARG_VALUE, match="options.cert' is read from options.config"):
        asgi.createServer(text_app(b'ok'), {'config': config, 'cert': tls_certs.cert})


def test_a_secure_servers_settings_make_one_config(tls_certs):
    server = asgi.createServer(text_app(b'ok'), key=tls_certs.key, cert=tls_certs.cert,
                               rootPath='/api', http2=False)
    assert isinstance(server, asgi.SecureServer)
    assert (server.config.root_path, server.config.http2) == ('/api', False)


def test_the_command_lines_defaults_are_the_configs():
    args = parser().parse_args(['main:app'])
    for name, value in vars(args).items():
        if name in DEFAULTS and value is not None:
            assert value == DEFAULTS[name], name
