"""TLSSocket's 'session' and 'keylog' events and getCertificate(), with
pyuvnet on both ends (tests/tls/test_tls_interop_node.py checks them against
Node itself).  Node's behaviour, pinned with /usr/bin/node v20:

    const c = tls.connect({port, host: '127.0.0.1', servername: 'localhost', ca, maxVersion});
    c.on('keylog', (l) => ev.push('keylog'));  c.on('session', (s) => ev.push('session'));
    c.on('secureConnect', ...); c.on('data', ...); c.on('end', ...)
    // TLSv1.2: keylog secureConnect session data end  (session: a Buffer, 737 bytes)
    // TLSv1.3: keylog x5 secureConnect data session session end  (one per ticket)
    // resuming with the last: TLSv1.2 no 'session'; TLSv1.3 one against a
    // pyuvnet server (one ticket after a resumption), none against Node's
    // server.on('keylog', (line, tlsSocket) => ...): the same lines, each a
    // Buffer ending in '\\n' ('CLIENT_RANDOM ...' under 1.2)
"""
import os
import stat

import pytest

import pyuvnet.tls as tls
from pyuvnet.tls._session_events import KEYLOG


def client_events(port, tls_certs, version, **listeners):
    """The client's event names in order (and what 'session' gave)."""
    events, sessions = [], []
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion=version)
    client.on('secureConnect', lambda: events.append('secureConnect'))
    client.on('session', lambda session: (events.append('session'), sessions.append(session)))
    client.on('data', lambda chunk: events.append('data'))
    client.on('end', lambda: events.append('end'))
    return client, events, sessions


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_session_event_once_per_ticket_and_the_last_resumes(tls_server, tls_certs, run_loop,
                                                           version):
    """'session' comes after 'secureConnect' and before 'end', as bytes
    (OpenSSL's DER), once under TLS 1.2 and once per ticket under 1.3 (a
    pyuvnet server, as Node's, sends two).  The last one resumes a second
    connection, which reports no 'session' under 1.2 and one per new
    ticket under 1.3 (one after a resumption): what Node's client reports
    against a pyuvnet server."""
    server, port = tls_server(lambda s: s.end(b'hi'))
    client, events, sessions = client_events(port, tls_certs, version)
    again_seen = []

    def resume(_):
        again = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, session=sessions[-1],
                            maxVersion=version)
        again.on('secureConnect', lambda: again_seen.append(again.isSessionReused()))
        again.on('session', lambda s: again_seen.append(type(s)))
        again.on('data', lambda chunk: None)
        again.on('close', lambda _: server.close())
    client.on('close', resume)
    run_loop()
    flow = [e for e in events if e != 'data']
    expected = {'TLSv1.2': 1, 'TLSv1.3': 2}[version]
    assert flow == ['secureConnect'] + ['session'] * expected + ['end']
    assert all(isinstance(s, bytes) and s[:1] == b'\x30' for s in sessions)
    assert len(set(sessions)) == expected
    assert again_seen == ([True] if version == 'TLSv1.2' else [True, bytes])


def test_server_socket_never_emits_session(tls_server, tls_certs, run_loop):
    """Node emits 'session' on clients only."""
    seen = []

    def on_secure(s):
        s.on('session', seen.append)
        s.end(b'hi')
    server, port = tls_server(on_secure)
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('data', lambda chunk: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == []


@pytest.mark.parametrize('version', ['TLSv1.2', 'TLSv1.3'])
def test_keylog_goes_to_the_connection_that_made_it(tls_server, tls_certs, run_loop, version):
    """Two connections at once to one server: the client that listens gets
    its own lines, which the server reports for that connection alone;
    the other client gets none."""
    by_socket = {}
    server, port = tls_server()
    server.on('keylog', lambda line, sock: by_socket.setdefault(sock, []).append(line))
    server.on('secureConnection', lambda s: s.end(b'hi'))
    listening = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion=version)
    quiet = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion=version)
    lines = []
    listening.on('keylog', lines.append)
    closed = []

    def on_close(_):
        closed.append(1)
        if len(closed) == 2:
            server.close()
    for client in (listening, quiet):
        client.on('data', lambda chunk: None)
        client.on('close', on_close)
    run_loop()
    assert len(lines) == {'TLSv1.2': 1, 'TLSv1.3': 5}[version]
    assert all(line.endswith(b'\n') and b' ' in line for line in lines)
    assert len(by_socket) == 2
    assert sorted(lines) in [sorted(v) for v in by_socket.values()]
    # The secrets never repeat across connections.
    first, second = by_socket.values()
    assert not set(first) & set(second)


def test_keylog_file_is_private(tls_server, tls_certs, run_loop):
    """The file Python's ssl appends the secrets to is readable by its owner
    only, and emptied after each read."""
    server, port = tls_server(lambda s: s.end())
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca)
    client.on('keylog', lambda line: None)
    client.on('data', lambda chunk: None)
    client.on('close', lambda _: server.close())
    run_loop()
    path = KEYLOG._path
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [line for line in open(path, 'rb') if not line.startswith(b'#')] == []


def test_get_certificate_is_the_certificate_this_end_presents(tls_server, tls_certs, run_loop):
    """Node: getCertificate() is {} on a client without a certificate, and
    the certificate chosen by SNI on the server."""
    other = tls.createSecureContext(key=tls_certs.other_key, cert=tls_certs.other_cert)
    seen = {}

    def on_secure(s):
        seen['server'] = s.getCertificate().subject.CN
        s.end()
    server, port = tls_server(on_secure, SNICallback=lambda name, cb: cb(None, other))
    client = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, servername='other.test')
    client.on('secureConnect', lambda: seen.update(client=client.getCertificate()))
    client.on('data', lambda chunk: None)
    client.on('close', lambda _: server.close())
    run_loop()
    assert seen == {'server': 'other.test', 'client': {}}
