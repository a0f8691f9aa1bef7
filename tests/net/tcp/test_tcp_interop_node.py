"""Interop with the real Node.js: a Node client against a pyuvnet server
and a pyuvnet client against a Node server, 8 MiB each way, half-close in
both directions, resets, and the port numbers each side sees.

The JavaScript is inline; Node reports what it saw as one JSON line on
stdout. The pyuvnet side is driven by net.run()."""
import hashlib
import os

import pytest

import pyuvnet as net

from support import NODE, NodeProcess, node, sha  # noqa: F401 (node: a fixture)

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')

SIZE = 8 << 20


NODE_CLIENT_HALF_CLOSE = r"""
const net = require('net'), crypto = require('crypto');
const port = +process.argv[1], size = +process.argv[2];
const out = crypto.randomBytes(size);
const h = crypto.createHash('sha256');
let n = 0, ports = null, ended = false;
const c = net.connect({port, host: '127.0.0.1', allowHalfOpen: true}, () => {
  ports = {localPort: c.localPort, remotePort: c.remotePort};
  c.end(out);                       // half-close: we still read afterwards
});
c.on('data', (d) => { h.update(d); n += d.length; });
c.on('end', () => { ended = true; });
c.on('error', (e) => { console.log(JSON.stringify({error: e.code})); });
c.on('close', () => {
  console.log(JSON.stringify(Object.assign({
    sent: crypto.createHash('sha256').update(out).digest('hex'),
    recv: h.digest('hex'), n, ended}, ports)));
});
"""


def test_node_client_to_pyuvnet_server_8_mib_both_ways_after_client_half_close(node, run_loop):
    reply = os.urandom(SIZE)
    seen = {'h': hashlib.sha256(), 'n': 0}

    def on_connection(sock):
        seen['localPort'] = sock.localPort
        seen['remotePort'] = sock.remotePort

        def on_data(chunk):
            seen['h'].update(chunk)
            seen['n'] += len(chunk)

        def on_end():
            # Node half-closed; this side writes its whole reply afterwards.
            seen['writable_at_end'] = sock.writable
            sock.end(reply)
        sock.on('data', on_data)
        sock.on('end', on_end)
        sock.on('close', lambda had_error: (seen.update(had_error=had_error), server.close()))

    server = net.createServer({'allowHalfOpen': True}, on_connection)
    server.listen(0, '127.0.0.1')
    proc = node(NODE_CLIENT_HALF_CLOSE, server.address().port, SIZE)
    run_loop(timeout=60)
    result = proc.result()
    assert 'error' not in result
    assert seen['n'] == SIZE
    assert seen['h'].hexdigest() == result['sent']
    assert result['n'] == SIZE
    assert result['recv'] == sha(reply)
    assert result['ended'] is True
    assert seen['writable_at_end'] is True
    assert seen['had_error'] is False
    assert seen['remotePort'] == result['localPort']
    assert seen['localPort'] == result['remotePort']


NODE_SERVER_HALF_CLOSE = r"""
const net = require('net'), crypto = require('crypto');
const size = +process.argv[1];
const out = crypto.randomBytes(size);
const srv = net.createServer({allowHalfOpen: true}, (s) => {
  const h = crypto.createHash('sha256');
  let n = 0;
  const ports = {localPort: s.localPort, remotePort: s.remotePort};
  s.on('data', (d) => { h.update(d); n += d.length; });
  s.on('end', () => { s.end(out); });   // the client half-closed: reply now
  s.on('error', (e) => { console.log(JSON.stringify({error: e.code})); });
  s.on('close', () => {
    console.log(JSON.stringify(Object.assign({
      sent: crypto.createHash('sha256').update(out).digest('hex'),
      recv: h.digest('hex'), n}, ports)));
    srv.close();
  });
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
"""


def test_pyuvnet_client_to_node_server_8_mib_both_ways_after_client_half_close(node, run_loop):
    proc = node(NODE_SERVER_HALF_CLOSE, SIZE)
    port = int(proc.readline())
    data = os.urandom(SIZE)
    seen = {'h': hashlib.sha256(), 'n': 0, 'events': []}
    client = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})

    def on_connect():
        seen['localPort'] = client.localPort
        seen['remotePort'] = client.remotePort
        client.end(data)

    def on_data(chunk):
        seen['h'].update(chunk)
        seen['n'] += len(chunk)
    client.on('connect', on_connect)
    client.on('data', on_data)
    for name in ('finish', 'end'):
        client.on(name, lambda _n=name: seen['events'].append(_n))
    client.on('close', lambda had_error: seen['events'].append(('close', had_error)))
    run_loop(timeout=60)
    result = proc.result()
    assert 'error' not in result
    assert result['n'] == SIZE
    assert result['recv'] == sha(data)
    assert seen['n'] == SIZE
    assert seen['h'].hexdigest() == result['sent']
    assert seen['events'] == ['finish', 'end', ('close', False)]
    assert seen['localPort'] == result['remotePort']
    assert seen['remotePort'] == result['localPort']
    assert seen['remotePort'] == port


NODE_CLIENT_WRITES_AFTER_SERVER_FIN = r"""
const net = require('net'), crypto = require('crypto');
const port = +process.argv[1], size = +process.argv[2];
const out = crypto.randomBytes(size);
let got = Buffer.alloc(0), order = [];
const c = net.connect({port, host: '127.0.0.1', allowHalfOpen: true});
c.on('data', (d) => { got = Buffer.concat([got, d]); });
c.on('end', () => {
  order.push('end');
  // The server half-closed first; keep writing to it.
  setTimeout(() => c.end(out, () => order.push('finish')), 20);
});
c.on('close', (hadError) => {
  console.log(JSON.stringify({got: got.toString(), hadError, order,
    sent: crypto.createHash('sha256').update(out).digest('hex')}));
});
"""


def test_pyuvnet_server_half_closes_first_and_keeps_reading_from_node(node, run_loop):
    size = 1 << 20
    seen = {'h': hashlib.sha256(), 'n': 0}

    def on_connection(sock):
        sock.end(b'server speaks first and half-closes')

        def on_data(chunk):
            seen['h'].update(chunk)
            seen['n'] += len(chunk)
        sock.on('data', on_data)
        sock.on('end', lambda: seen.update(readable_ended=sock.readableEnded))
        sock.on('close', lambda had_error: (seen.update(had_error=had_error), server.close()))

    server = net.createServer({'allowHalfOpen': True}, on_connection)
    server.listen(0, '127.0.0.1')
    proc = node(NODE_CLIENT_WRITES_AFTER_SERVER_FIN, server.address().port, size)
    run_loop(timeout=60)
    result = proc.result()
    assert result['got'] == 'server speaks first and half-closes'
    assert result['hadError'] is False
    assert result['order'] == ['end', 'finish']
    assert seen['n'] == size
    assert seen['h'].hexdigest() == result['sent']
    assert seen['readable_ended'] is True
    assert seen['had_error'] is False


NODE_SERVER_RESETS = r"""
const net = require('net');
const srv = net.createServer((s) => {
  s.on('data', () => { s.resetAndDestroy(); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
srv.on('close', () => console.log(JSON.stringify({closed: true})));
"""


def test_node_reset_and_destroy_is_econnreset_in_pyuvnet(node, run_loop):
    proc = node(NODE_SERVER_RESETS)
    port = int(proc.readline())
    log = []
    client = net.connect(port, '127.0.0.1', lambda: client.write(b'please reset'))
    client.on('error', lambda err: log.append(('error', err.code, err.syscall)))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    client.resume()
    run_loop(timeout=30)
    assert proc.result() == {'closed': True}
    assert log == [('error', 'ECONNRESET', 'read'), ('close', True)]


NODE_CLIENT_EXPECTS_RESET = r"""
const net = require('net');
const port = +process.argv[1];
const log = [];
const c = net.connect(port, '127.0.0.1', () => c.write('reset me'));
c.on('error', (e) => log.push(['error', e.code, e.syscall]));
c.on('close', (hadError) => { log.push(['close', hadError]); console.log(JSON.stringify(log)); });
c.resume();
"""


def test_pyuvnet_reset_and_destroy_is_econnreset_in_node(node, run_loop):
    def on_connection(sock):
        sock.on('data', lambda d: (sock.resetAndDestroy(), server.close()))

    server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')
    proc = node(NODE_CLIENT_EXPECTS_RESET, server.address().port)
    run_loop(timeout=30)
    assert proc.result() == [['error', 'ECONNRESET', 'read'], ['close', True]]


NODE_ECHO_SERVER = r"""
const net = require('net');
const srv = net.createServer((s) => { s.pipe(s); s.on('close', () => srv.close()); });
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
srv.on('close', () => console.log(JSON.stringify({closed: true})));
"""


def test_pyuvnet_client_many_small_writes_through_a_node_echo(node, run_loop):
    proc = node(NODE_ECHO_SERVER)
    port = int(proc.readline())
    pieces = [os.urandom(1 + (i * 37) % 300) for i in range(5000)]
    expected = b''.join(pieces)
    got = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        for p in pieces:
            client.write(p)
        client.end()
    client.on('connect', on_connect)
    client.on('data', got.append)
    run_loop(timeout=30)
    assert proc.result() == {'closed': True}
    assert b''.join(got) == expected
