"""A tls.Server's external session cache: 'newSession'(id, data,
callback) and 'resumeSession'(id, callback(err, data)), TLS 1.2 session
ids.  Ported from Node's test/parallel/test-tls-session-cache.js (an
``openssl s_client -reconnect`` makes one connection and five that offer
its session id), whose counts Node 20 gives:

    tickets off:            6 connections, newSession 1, resumeSession 5
    tickets on:             6 connections, newSession 0, resumeSession 0
    an invalid session back: 6 connections, newSession 6, resumeSession 5

and the order, pinned with /usr/bin/node v20 (a TLS 1.2 server with both
listeners answering later, a Node client with SSL_OP_NO_TICKET that
reconnects with its session):

    newSession id=32 bytes, newSession cb, secureConnection reused=false,
    resumeSession id=32 known=true, secureConnection reused=true
"""

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import child_process
from tls_certs_support import OPENSSL
from support import node  # noqa: F401 (a fixture)


def caching_server(tls_certs, events, store, invalid=False, delay=5, **options):
    """A server whose 'newSession' and 'resumeSession' answer after
    ``delay`` ms from ``store``; ``events`` gets what happened."""
    def on_secure(s):
        events.append(('secureConnection', s.isSessionReused()))
        s.on('error', lambda err: None)
        s.end()
    server = tls.createServer(dict(options, key=tls_certs.key, cert=tls_certs.cert), on_secure)

    def new_session(session_id, data, callback):
        events.append(('newSession', len(session_id)))
        store[bytes(session_id)] = data
        net.setTimeout(lambda: (events.append(('newSession done',)), callback()), delay)

    def resume_session(session_id, callback):
        events.append(('resumeSession', session_id in store))
        data = b'INVALID SESSION' if invalid else store.get(bytes(session_id))
        net.setTimeout(lambda: callback(None, data), delay)
    server.on('newSession', new_session)
    server.on('resumeSession', resume_session)
    server.listen(0, '127.0.0.1')
    return server


@pytest.mark.parametrize('tickets, invalid, counts', [
    (False, False, (6, 1, 5)), (True, False, (6, 0, 0)), (False, True, (6, 6, 5))],
    ids=['session ids', 'tickets', 'invalid session'])
def test_s_client_reconnecting_goes_through_the_cache(tls_certs, run_loop, tickets, invalid,
                                                     counts):
    events, store, out = [], {}, {}
    server = caching_server(tls_certs, events, store, invalid)
    args = ['s_client', '-tls1_2', '-connect', '127.0.0.1:%d' % server.address().port,
            '-servername', 'ohgod', '-reconnect'] + ([] if tickets else ['-no_ticket'])

    def done(error, stdout, stderr):
        out['error'] = error
        server.close()
    child_process.execFile(OPENSSL, args, {'timeout': 10000}, done)
    run_loop(timeout=15)
    assert out['error'] is None
    names = [event[0] for event in events]
    assert (names.count('secureConnection'), names.count('newSession'),
            names.count('resumeSession')) == counts
    if not invalid:
        # Each lookup found the session the first connection stored.
        assert all(event[1] for event in events if event[0] == 'resumeSession')


NODE_NO_TICKET_CLIENT = r'''
const tls = require('tls'), fs = require('fs'), crypto = require('crypto');
const [port, ca] = process.argv.slice(1);
const opts = {port: +port, host: '127.0.0.1', ca: fs.readFileSync(ca), maxVersion: 'TLSv1.2',
              secureOptions: crypto.constants.SSL_OP_NO_TICKET};
const out = [];
const c1 = tls.connect(opts, () => out.push(c1.isSessionReused()));
let session;
c1.on('session', (s) => { session = s; });
c1.on('data', () => {});
c1.on('close', () => {
  const c2 = tls.connect(Object.assign({session}, opts), () => out.push(c2.isSessionReused()));
  c2.on('data', () => {});
  c2.on('close', () => console.log(JSON.stringify(out)));
});
'''


def test_secure_waits_for_new_session_and_a_node_client_resumes(node, tls_certs, run_loop):
    """'newSession' comes (with a 32-byte id) before 'secureConnection',
    which waits for its callback; the session id a Node client then
    offers is looked up through 'resumeSession', and both ends resume."""
    events, store = [], {}
    server = caching_server(tls_certs, events, store, delay=30)
    peer = node(NODE_NO_TICKET_CLIENT, server.address().port, tls_certs.path('ca.pem'))

    def wait():
        if peer.proc.poll() is not None:
            poll.close()
            server.close()
    poll = net.setInterval(wait, 20)
    run_loop(timeout=15)
    out, err = peer.proc.communicate()
    assert out.strip() == '[false,true]', err
    assert events == [('newSession', 32), ('newSession done',), ('secureConnection', False),
                      ('resumeSession', True), ('secureConnection', True)]


def test_a_server_without_the_listeners_keeps_its_own_cache(tls_certs, run_loop):
    """Without 'newSession'/'resumeSession' nothing is emitted and the
    server resumes from tickets, as before."""
    seen = []
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert, 'maxVersion': 'TLSv1.2'},
                              lambda s: (seen.append(s.isSessionReused()), s.end()))
    server.listen(0, '127.0.0.1')
    port = server.address().port

    def second(session):
        again = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion='TLSv1.2', session=session)
        again.on('data', lambda _: None)
        again.on('close', lambda _: server.close())
    first = tls.connect(port, '127.0.0.1', ca=tls_certs.ca, maxVersion='TLSv1.2')
    sessions = []
    first.on('session', sessions.append)
    first.on('data', lambda _: None)
    first.on('close', lambda _: second(sessions[-1]))
    run_loop()
    assert seen == [False, True]
