"""`pyuvnet serve` behind real proxies, each the test's own process on
loopback (its port free_port()'s, the app's a unix socket or port 0),
with its own configuration file, in the foreground, and reaped:

- nginx over a unix socket (--uds) with a keep-alive upstream and
  X-Forwarded-For/-Proto: 200 requests on one client connection and a
  5 MiB chunked stream pass byte for byte; the same with nginx as
  distributions run it (its workers as an unprivileged user, nobody)
  in front of --uds and of an inherited --fd socket, with a 5 MiB
  upload and the client's address; with nginx on TLS and
  --proxy-headers, the ASGI and WSGI apps and their access lines see the
  forwarded client and scheme https (and neither from an untrusted peer);
- HAProxy in TCP mode with send-proxy-v2 in front of --proxy-protocol: the
  app sees the address the client connected from; with TLS at pyuvnet, the
  PROXY header comes before the handshake (HAProxy's "send-proxy ssl", and
  the client's own TLS passed through).

The configurations are docs/ASGI.md's ("Deploying").  nginx and haproxy
come from apt (.ci/run installs them); a test skips, saying so, only
where they are not installed."""
import grp
import hashlib
import http.client
import os
import pathlib
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

from proxied_apps import stream_bytes
from serve_support import ServerLog, serve_command
from support import external_env, free_port, recv_all

pytestmark = pytest.mark.timeout(180)
HERE = os.path.dirname(os.path.abspath(__file__))

NGINX = shutil.which('nginx') or shutil.which('nginx', path='/usr/sbin:/sbin')
HAPROXY = shutil.which('haproxy') or shutil.which('haproxy', path='/usr/sbin:/sbin')

# The site (docs/ASGI.md's, rendered with the docs' socket and port) ...
NGINX_SITE = '''\
upstream pyuvnet {{
    server unix:{socket};
    keepalive 8;
}}
server {{
    listen {listen};
    location / {{
        proxy_pass http://pyuvnet;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_buffering off;
    }}
}}
'''
# ... in the test's own nginx.conf: in the foreground, its files in the
# test's folder.
NGINX_MAIN = '''\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
'''
HAPROXY_CONF = '''\
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend web
    bind {bind}
    default_backend pyuvnet
backend pyuvnet
    server app1 {server} send-proxy-v2
'''
# What docs/ASGI.md shows in place of the test's folder and ports.
DOCS_NGINX = NGINX_SITE.format(socket='/run/myapp/app.sock', listen='80')
DOCS_HAPROXY = HAPROXY_CONF.format(bind=':80', server='127.0.0.1:8000')


class Proxy:
    """A proxy process in the foreground, stopped and reaped at the end."""

    def __init__(self, command, port):
        self.port = port
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=external_env())
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                return
            except OSError:
                assert self.proc.poll() is None, self.proc.communicate()[1]
                assert time.monotonic() < deadline, 'the proxy never listened'
                time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.communicate()


@pytest.fixture
def served_on_unix_socket(tmp_path):
    """(the app's ServerLog, the folder) for the app on tmp_path/app.sock."""
    def serve(target='proxied_apps:app', *args):
        log = ServerLog(serve_command(HERE, target, '--uds', str(tmp_path / 'app.sock'), *args))
        log.wait(r'on unix:')
        return log
    return serve


def start_nginx(folder, tls_certs=None):
    """nginx in front of folder/app.sock, docs/ASGI.md's site; with
    ``tls_certs`` it listens with TLS (its $scheme, and so the
    X-Forwarded-Proto it sends, is then https)."""
    if NGINX is None:
        pytest.skip('nginx is not installed (apt-get install nginx-light; .ci/run does)')
    port = free_port()
    listen = '127.0.0.1:%d' % port
    main = NGINX_MAIN
    if tls_certs is not None:
        listen += ' ssl'
        main = main.replace('    include', '    ssl_certificate %s;\n    ssl_certificate_key %s;\n'
                            '    include' % (tls_certs.path('leaf.pem'),
                                             tls_certs.path('leaf.key')))
    (folder / 'site.conf').write_text(NGINX_SITE.format(socket=folder / 'app.sock',
                                                        listen=listen))
    (folder / 'nginx.conf').write_text(main.format(dir=folder))
    return Proxy([NGINX, '-p', str(folder), '-c', str(folder / 'nginx.conf'),
                  '-e', str(folder / 'nginx-error.log')], port)


@pytest.fixture
def nginx(tmp_path):
    proxy = start_nginx(tmp_path)
    yield proxy
    proxy.stop()


@pytest.fixture
def nginx_tls(tmp_path, tls_certs):
    proxy = start_nginx(tmp_path, tls_certs)
    yield proxy
    proxy.stop()


def requests_and_stream_through(port):
    """200 requests on one connection through the proxy on ``port``, then
    the 5 MiB stream, each answer checked; the connection, still open."""
    client = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    client.connect()
    first_socket = client.sock
    for number in range(200):
        client.request('GET', '/n/%d' % number)
        answer = client.getresponse()
        assert answer.status == 200
        assert answer.read().split()[-1] == b'/n/%d' % number
    assert client.sock is first_socket      # one connection all along
    client.request('GET', '/stream')
    answer = client.getresponse()
    assert answer.status == 200
    body = answer.read()
    assert len(body) == 5 * 1024 * 1024
    assert hashlib.sha256(body).digest() == hashlib.sha256(stream_bytes()).digest()
    return client


def test_nginx_200_requests_on_one_connection_and_a_5_mib_stream(served_on_unix_socket, nginx):
    log = served_on_unix_socket()
    try:
        requests_and_stream_through(nginx.port).close()
    finally:
        assert log.stop() == 0, log.text()


def who_am_i(port):
    """(this client's port, the status, the body) of GET /who through the
    proxy on ``port``: the body says what the app saw of the client."""
    with socket.create_connection(('127.0.0.1', port), 10) as sock:
        sock.sendall(b'GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        client_port = sock.getsockname()[1]
        head, _, body = recv_all(sock).partition(b'\r\n\r\n')
    return client_port, int(head.split()[1]), body


# The client connects from 127.0.0.5 (any 127/8 address is this machine's):
# a forwarded client then differs from every address the proxy has.
CLIENT_HOST = '127.0.0.5'


def who_am_i_over_tls(port, tls_certs):
    """(the status, the body) of GET /who through nginx's TLS on ``port``,
    from CLIENT_HOST."""
    context = ssl.create_default_context(cafile=tls_certs.path('ca.pem'))
    with socket.create_connection(('127.0.0.1', port), 10,
                                  source_address=(CLIENT_HOST, 0)) as raw:
        with context.wrap_socket(raw, server_hostname='localhost') as sock:
            sock.sendall(b'GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            head, _, body = recv_all(sock).partition(b'\r\n\r\n')
    return int(head.split()[1]), body


@pytest.mark.parametrize('target', ['proxied_apps:app', 'proxied_apps:wsgi_app'])
@pytest.mark.parametrize('trusted', [True, False], ids=['trusted', 'untrusted'])
def test_nginx_forwards_the_client_and_scheme(served_on_unix_socket, nginx_tls, tls_certs,
                                              target, trusted):
    # A unix socket's peer has no address: uvicorn trusts it only with
    # --forwarded-allow-ips '*' (its docs' advice for --uds); by default
    # (127.0.0.1,::1) both headers are ignored.
    trust = ['--forwarded-allow-ips', '*'] if trusted else []
    log = served_on_unix_socket(target, '--proxy-headers', *trust)
    try:
        status, body = who_am_i_over_tls(nginx_tls.port, tls_certs)
    finally:
        assert log.stop() == 0, log.text()
    assert status == 200
    wsgi = target.endswith('wsgi_app')
    if trusted:
        # nginx's X-Forwarded-For names the host only: uvicorn's client
        # is then (host, 0); X-Forwarded-Proto is nginx's https.
        assert body.decode().split() == [CLIENT_HOST, '0', 'https', '/who']
        client = CLIENT_HOST + ':0'
    else:
        # The socket's own: a unix socket's client has no address.
        assert body.decode().split() == (['http', '/who'] if wsgi else ['0', 'http', '/who'])
        client = ''
    # The access line names the same client as the app saw (uvicorn's
    # line is the scope's client; WSGI's is REMOTE_ADDR's).
    assert [line for line in log.access if '/who' in line] == [
        'INFO:     %s - "GET /who HTTP/1.1" 200 OK\n' % client]


# nginx as distributions run it: the master as root, the workers as an
# unprivileged user (Debian's www-data; here nobody, which every system
# has).  They connect to the app's socket as that user: uvicorn's 0o666
# mode on --uds lets them, and a socket passed as --fd (systemd's socket
# activation) has the mode its maker gave it (systemd's SocketMode=0666).
NGINX_AS_NOBODY = NGINX_MAIN.replace(
    'master_process off;\n', '').replace(
    'daemon off;\n', 'user nobody {group};\ndaemon off;\n').replace(
    '    access_log off;\n', '    access_log off;\n    client_max_body_size 16m;\n')


@pytest.fixture
def open_folder():
    """A folder every user may enter (pytest's tmp_path is the test
    user's alone), for the app's socket and nginx's temporary files."""
    path = tempfile.mkdtemp(prefix='pyuvnet-nginx-', dir='/tmp')
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def start_nginx_as_nobody(folder):
    """nginx in front of folder/app.sock, its workers running as nobody."""
    if NGINX is None:
        pytest.skip('nginx is not installed (apt-get install nginx-light; .ci/run does)')
    if os.geteuid() != 0:
        pytest.skip("nginx's master must be root to run its workers as another user")
    group = grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name
    for name in ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'):
        (folder / name).mkdir(mode=0o777)
        os.chmod(folder / name, 0o777)      # the workers write there
    port = free_port()
    (folder / 'site.conf').write_text(NGINX_SITE.format(socket=folder / 'app.sock',
                                                        listen='127.0.0.1:%d' % port))
    (folder / 'nginx.conf').write_text(NGINX_AS_NOBODY.format(dir=folder, group=group))
    proxy = Proxy([NGINX, '-p', str(folder), '-c', str(folder / 'nginx.conf'),
                   '-e', str(folder / 'nginx-error.log')], port)
    workers = [pid for pid in os.listdir('/proc') if pid.isdigit() and _parent_of(pid) ==
               proxy.proc.pid]
    assert workers and all(os.stat('/proc/' + pid).st_uid == pwd.getpwnam('nobody').pw_uid
                           for pid in workers), workers
    return proxy


def _parent_of(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def served_behind_nginx(folder, how):
    """The app's ServerLog on folder/app.sock, made by ``pyuvnet serve
    --uds`` or (``how`` 'fd') by the test as systemd would make it, and
    inherited as --fd."""
    flags = ['--proxy-headers', '--forwarded-allow-ips', '*']
    path = str(folder / 'app.sock')
    if how == 'uds':
        log = ServerLog(serve_command(HERE, 'proxied_apps:app', '--uds', path, *flags))
    else:
        with socket.socket(socket.AF_UNIX) as listening:
            listening.bind(path)
            os.chmod(path, 0o666)
            listening.listen(128)
            log = ServerLog(serve_command(HERE, 'proxied_apps:app', '--fd',
                                          str(listening.fileno()), *flags,
                                          pass_fds=(listening.fileno(),)))
    log.wait(r'on unix:')
    return log


@pytest.mark.parametrize('how', ['uds', 'fd'])
def test_nginx_with_unprivileged_workers_in_front_of_the_app_socket(open_folder, how):
    log = served_behind_nginx(open_folder, how)
    nginx = None
    try:
        nginx = start_nginx_as_nobody(open_folder)
        client = requests_and_stream_through(nginx.port)
        upload = stream_bytes()
        client.request('POST', '/upload', body=upload)
        answer = client.getresponse()
        assert answer.status == 200
        assert answer.read() == hashlib.sha256(upload).hexdigest().encode()
        client.close()
        # The client's own address, through nginx's X-Forwarded-For.
        with socket.create_connection(('127.0.0.1', nginx.port), 10,
                                      source_address=(CLIENT_HOST, 0)) as sock:
            sock.sendall(b'GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
            head, _, body = recv_all(sock).partition(b'\r\n\r\n')
        assert int(head.split()[1]) == 200
        assert body.decode().split() == [CLIENT_HOST, '0', 'http', '/who']
    finally:
        if nginx is not None:
            nginx.stop()
        assert log.stop() == 0, log.text()


def served_behind_haproxy(tmp_path, server_options=None, *flags):
    """(the app's ServerLog, HAProxy's Proxy) for docs/ASGI.md's HAProxy in
    front of ``pyuvnet serve --proxy-protocol FLAGS``; ``server_options``
    in place of the docs' ``send-proxy-v2``."""
    if HAPROXY is None:
        pytest.skip('haproxy is not installed (apt-get install haproxy; .ci/run does)')
    log = ServerLog(serve_command(HERE, 'proxied_apps:app', '--proxy-protocol', *flags))
    try:
        app_port = log.ports(1)[0]
        port = free_port()
        config = HAPROXY_CONF.format(bind='127.0.0.1:%d' % port,
                                     server='127.0.0.1:%d' % app_port)
        if server_options is not None:
            config = config.replace('send-proxy-v2', server_options)
        (tmp_path / 'haproxy.cfg').write_text(config)
        return log, Proxy([HAPROXY, '-db', '-f', str(tmp_path / 'haproxy.cfg')], port)
    except BaseException:
        log.stop()
        raise


def tls_flags(tls_certs):
    return ['--ssl-certfile', tls_certs.path('leaf.pem'), '--ssl-keyfile',
            tls_certs.path('leaf.key')]


@pytest.mark.parametrize('tls', [False, True], ids=['send-proxy-v2', 'send-proxy-ssl'])
def test_haproxy_send_proxy_gives_the_app_the_clients_address(tmp_path, tls_certs, tls):
    # With TLS, HAProxy's "send-proxy ssl": the PROXY line, then HAProxy's
    # own handshake with the server.
    if tls:
        log, proxy = served_behind_haproxy(tmp_path, 'send-proxy ssl verify none',
                                           *tls_flags(tls_certs))
    else:
        log, proxy = served_behind_haproxy(tmp_path)
    try:
        client_port, status, body = who_am_i(proxy.port)
        assert status == 200
        assert body.decode().split() == ['127.0.0.1', str(client_port),
                                         'https' if tls else 'http', '/who']
    finally:
        proxy.stop()
        assert log.stop() == 0, log.text()


def test_haproxy_passes_the_clients_tls_through_after_send_proxy_v2(tmp_path, tls_certs):
    # TLS passthrough (mode tcp): the client's own handshake follows the
    # PROXY header on the same connection.
    log, proxy = served_behind_haproxy(tmp_path, None, *tls_flags(tls_certs))
    try:
        context = ssl.create_default_context(cafile=tls_certs.path('ca.pem'))
        with socket.create_connection(('127.0.0.1', proxy.port), 10,
                                      source_address=(CLIENT_HOST, 0)) as raw:
            client_port = raw.getsockname()[1]
            with context.wrap_socket(raw, server_hostname='localhost') as sock:
                sock.sendall(b'GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
                head, _, body = recv_all(sock).partition(b'\r\n\r\n')
        assert int(head.split()[1]) == 200
        assert body.decode().split() == [CLIENT_HOST, str(client_port), 'https', '/who']
    finally:
        proxy.stop()
        assert log.stop() == 0, log.text()


def test_the_docs_show_these_configurations():
    page = os.path.join(HERE, '..', '..', 'docs', 'ASGI.md')
    if not os.path.isfile(page):
        pytest.skip('needs the source tree (docs/ASGI.md)')
    with open(page) as f:
        text = f.read()
    assert '```nginx\n' + DOCS_NGINX + '```' in text
    assert '```text\n' + DOCS_HAPROXY + '```' in text
