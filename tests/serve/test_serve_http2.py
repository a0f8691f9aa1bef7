"""`pyuvnet serve` speaking HTTP/2 (issue 60): h2c with prior knowledge and
HTTP/1.1 on one port, h2 by ALPN with --ssl-certfile, the access line's
HTTP/2.0, and --no-http2 turning it off; curl and nghttp as the clients."""
import os
import shutil
import subprocess

import pytest

from serve_support import address_of, serve_command, stop
from support import external_env

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(shutil.which('curl') is None, reason='curl is not installed')]
ASGI_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'asgi')


def curl(*args):
    done = subprocess.run(['curl', '-sS'] + list(args), capture_output=True, text=True,
                          timeout=20, env=external_env())
    return done.returncode, done.stdout


@pytest.mark.parametrize('target, body', [('serve_apps:asgi_app', 'asgi'),
                                          ('serve_apps:wsgi_app', 'wsgi')])
def test_h2c_and_http1_on_one_port_with_the_access_line(target, body):
    proc = serve_command(ASGI_DIR, target, '--timeout', '0')
    try:
        port, = address_of(proc)
        code, out = curl('--http2-prior-knowledge', '-w', ' %{http_version}',
                         'http://127.0.0.1:%d/h2?x=1' % port)
        assert code == 0 and out.startswith(body) and out.endswith(' 2'), out
        code, out = curl('--http1.1', '-w', ' %{http_version}', 'http://127.0.0.1:%d/h1' % port)
        assert code == 0 and out.endswith(' 1.1'), out
    finally:
        code, out, err = stop(proc)
    assert code == 0, err
    # uvicorn's access line; the version as Node's httpVersion says it.
    assert '"GET /h2?x=1 HTTP/2.0" 200' in out, out
    assert '"GET /h1 HTTP/1.1" 200' in out, out


def test_h2_by_alpn_with_tls(tls_certs):
    proc = serve_command(ASGI_DIR, 'serve_apps:asgi_app', '--no-access-log',
                         '--ssl-certfile', tls_certs.path('leaf.pem'),
                         '--ssl-keyfile', tls_certs.path('leaf.key'))
    try:
        port, = address_of(proc)
        code, out = curl('-k', '--http2', '-w', ' %{http_version}',
                         'https://127.0.0.1:%d/' % port)
        assert code == 0 and out.startswith('asgi') and out.endswith(' 2'), out
        code, out = curl('-k', '--http1.1', '-w', ' %{http_version}',
                         'https://127.0.0.1:%d/' % port)
        assert code == 0 and out.endswith(' 1.1'), out
    finally:
        stop(proc)


def test_no_http2_serves_http1_only(tls_certs):
    proc = serve_command(ASGI_DIR, 'serve_apps:asgi_app', '--no-access-log', '--no-http2')
    try:
        port, = address_of(proc)
        code, out = curl('--http2-prior-knowledge', 'http://127.0.0.1:%d/' % port)
        assert code != 0
        # curl's Upgrade: h2c is not taken either (as uvicorn): HTTP/1.1 answers.
        code, out = curl('--http2', '-w', ' %{http_version}', 'http://127.0.0.1:%d/' % port)
        assert code == 0 and out.endswith(' 1.1'), out
    finally:
        stop(proc)
