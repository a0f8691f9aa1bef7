"""h2spec, the HTTP/2 conformance suite (RFC 9113 and RFC 7541, 146
cases), run whole against pyuvnet.http2's core-API server and against
`pyuvnet serve`, each over h2c and over TLS (issue 70): every case
passes, as hypercorn 0.18 passes them (all 146 over TLS; over h2c all but
3.5/2). `serve` over h2c fails 3.5/2 as hypercorn does: it answers
"INVALID CONNECTION PREFACE" with uvicorn's 400 for a bad request line;
the core server passes it. h2spec is ../shared/tools/h2spec/h2spec
beside the repository (CI has it there; $PYUVNET_H2SPEC names another
copy); without it the test skips, except under CI."""
import os
import pathlib
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import listen
from serve_support import address_of, serve_command, stop

ROOT = pathlib.Path(__file__).resolve().parents[2]
H2SPEC = os.environ.get('PYUVNET_H2SPEC') or str(ROOT.parent / 'shared' / 'tools' / 'h2spec'
                                                 / 'h2spec')
ASGI_DIR = str(ROOT / 'tests' / 'asgi')

if not os.path.exists(H2SPEC) and os.environ.get('CI'):
    raise RuntimeError('h2spec is not at %s: CI must run it' % H2SPEC)
pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(not os.path.exists(H2SPEC),
                                 reason='h2spec is not at %s' % H2SPEC)]

def h2spec(port, report, tls=False):
    return subprocess.Popen([H2SPEC, '-h', '127.0.0.1', '-p', str(port), '-o', '3', '-j',
                             str(report)] + (['-t', '-k'] if tls else []),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def failures(report):
    """The ids ('http2/5.3.1/2': group, then the case's number) of the
    cases the JUnit report says failed, and how many cases it holds."""
    raw = re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f]', '?', report.read_bytes().decode('utf-8',
                                                                                  'replace'))
    failed, count = set(), 0
    for suite in ET.fromstring(raw).iter('testsuite'):
        for number, case in enumerate(suite.iter('testcase'), 1):
            count += 1
            if case.find('failure') is not None or case.find('error') is not None:
                failed.add('%s/%d' % (suite.get('package'), number))
    return failed, count


@pytest.mark.parametrize('tls', [False, True], ids=['h2c', 'h2 over TLS'])
def test_the_core_server_passes_every_h2spec_case(run_loop, tmp_path, request, tls):
    if tls:
        certs = request.getfixturevalue('tls_certs')
        server = http2.createSecureServer({'key': certs.key, 'cert': certs.cert})
    else:
        server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda error: None)
        stream.resume()
        if not stream.destroyed:
            stream.respond({':status': 200})
            stream.end(b'hello')
    server.on('stream', on_stream)
    sessions = set()
    server.on('session', lambda session: (sessions.add(session), session.on(
        'close', lambda: sessions.discard(session))))
    port = listen(run_loop, server)
    report = tmp_path / 'core.xml'
    proc = h2spec(port, report, tls)

    def poll():
        if proc.poll() is not None:
            net.clearInterval(timer)
            server.close()
            for session in list(sessions):
                session.destroy()
    timer = net.setInterval(poll, 50)
    run_loop(100)
    out = proc.communicate()[0].decode('utf-8', 'replace')
    failed, count = failures(report)
    assert count >= 146, out[-2000:]
    assert failed == set(), out[-4000:]


@pytest.mark.parametrize('tls', [False, True], ids=['h2c', 'h2 over TLS'])
def test_serve_passes_every_h2spec_case(tmp_path, request, tls):
    certs = request.getfixturevalue('tls_certs') if tls else None
    flags = ('--ssl-certfile', certs.path('leaf.pem'),
             '--ssl-keyfile', certs.path('leaf.key')) if tls else ()
    proc = serve_command(ASGI_DIR, 'serve_apps:asgi_app', '--no-access-log',
                         '--timeout-graceful-shutdown', '1', *flags)
    try:
        port, = address_of(proc)
        report = tmp_path / 'serve.xml'
        out = h2spec(port, report, tls).communicate(timeout=100)[0].decode('utf-8', 'replace')
        assert proc.poll() is None, out[-2000:]
    finally:
        code, _out, err = stop(proc)
    assert code == 0, err
    failed, count = failures(report)
    assert count >= 146, out[-2000:]
    assert failed == (set() if tls else {'http2/3.5/2'}), out[-4000:]
