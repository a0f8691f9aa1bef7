"""A Node dgram peer both ways: Node's echo answers pyuvnet's datagrams,
and pyuvnet's echo answers Node's (with Node's rinfo seen from each
side)."""
import pytest

import pyuvnet as net
from pyuvnet import dgram
from support import NODE, node  # noqa: F401 (node: a fixture)

pytestmark = pytest.mark.skipif(NODE is None, reason='needs node')

NODE_ECHO = r"""
const dgram = require('dgram');
const s = dgram.createSocket('udp4');
let n = 0;
s.on('message', (msg, rinfo) => {
  s.send(msg, rinfo.port, rinfo.address, () => { if (++n === 3) s.close(); });
});
s.bind(0, '127.0.0.1', () => console.log(s.address().port));
"""

NODE_CLIENT = r"""
const dgram = require('dgram');
const c = dgram.createSocket('udp4');
const got = [];
c.on('message', (msg, rinfo) => {
  got.push([msg.toString('hex'), rinfo.address, rinfo.family, rinfo.size]);
  if (got.length === 3) { c.close(); console.log(JSON.stringify(got)); }
});
const port = +process.argv[1];
c.send('one', port, '127.0.0.1');
c.send([Buffer.from('tw'), 'o'], port, '127.0.0.1');
c.send(Buffer.from([0, 255, 1]), port, '127.0.0.1');
"""


def test_node_echoes_pyuvnet_datagrams(run_loop, node):
    peer = node(NODE_ECHO)
    port = int(peer.readline())
    client = dgram.createSocket('udp4')
    got = []

    def on_message(msg, rinfo):
        got.append((msg, rinfo.address, rinfo.port, rinfo.size))
        if len(got) == 3:
            client.close()
    client.on('message', on_message)
    for payload in (b'one', [b'tw', 'o'], bytes([0, 255, 1])):
        client.send(payload, port, '127.0.0.1')
    run_loop(timeout=20)
    assert sorted(got) == sorted([(b'one', '127.0.0.1', port, 3), (b'two', '127.0.0.1', port, 3),
                                  (b'\x00\xff\x01', '127.0.0.1', port, 3)])
    assert peer.proc.wait(timeout=20) == 0     # node closes after its three echoes


def test_pyuvnet_echoes_node_datagrams(run_loop, node):
    server = dgram.createSocket('udp4')
    count = []

    def on_message(msg, rinfo):
        server.send(msg, rinfo.port, rinfo.address)
        count.append(1)
        if len(count) == 3:
            net.setTimeout(server.close, 50)
    server.on('message', on_message)
    peers = []
    server.bind(0, '127.0.0.1', lambda: peers.append(node(NODE_CLIENT, server.address().port)))
    run_loop(timeout=20)
    got = peers[0].result()
    assert sorted(got) == sorted([['6f6e65', '127.0.0.1', 'IPv4', 3],
                                  ['74776f', '127.0.0.1', 'IPv4', 3],
                                  ['00ff01', '127.0.0.1', 'IPv4', 3]])
