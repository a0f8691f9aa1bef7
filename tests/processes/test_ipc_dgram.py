"""A dgram socket sent over IPC: ``child.send(message, udpSocket)``, between
pyuvnet processes and with Node as the peer, both ways.

Node (v20) pinned with a raw peer reading the channel:

    child.send('m', udp6Socket)     // bound
    // the child reads {"cmd":"NODE_HANDLE","type":"dgram.Socket","msg":"m",
    // "dgramType":"udp6"}\\n with one fd (SCM_RIGHTS), a UDP socket; its
    // 'message' gets (msg, dgram.Socket) of that type, bound to the same
    // address.  The sender keeps its socket: both then receive on it.
    child.send({x: 1}, unboundSocket, cb)   // cb(err): err.code 'EBADF',
                                            // err.syscall 'write'
(test-child-process-fork-dgram.js: the parent's and the child's copies
share the datagrams; here the parent closes its copy first, so that the
child's is the one that must receive.)
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from pyuvnet import child_process, dgram
from support import external_env

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)
needs_node = pytest.mark.skipif(NODE is None, reason='node is not installed')

# A pyuvnet child: takes a dgram socket, says so with its type and port,
# then reports the first datagram it receives on it and leaves.
PYUVNET_CHILD = '''
import pyuvnet
from pyuvnet import dgram, process

def on_message(message, sock=None):
    if not isinstance(sock, dgram.Socket):
        process.send({'no socket': message})
        return
    def received(msg, rinfo):
        process.send({'received': msg.decode()})
        sock.close()
        process.disconnect()
    sock.on('message', received)
    process.send({'taken': message, 'type': sock.type, 'port': sock.address().port})

process.on('message', on_message)
pyuvnet.run()
'''

# The same child in Node.
NODE_CHILD = '''
process.on('message', (message, sock) => {
  sock.on('message', (msg) => {
    process.send({ received: String(msg) });
    sock.close();
    process.disconnect();
  });
  process.send({ taken: message, type: sock.type, port: sock.address().port });
});
'''

# A raw child: prints the first line the channel brings and the kind of
# each fd that came with it.
RAW_CHILD = '''
import array, json, os, socket, sys
channel = socket.socket(fileno=int(os.environ['NODE_CHANNEL_FD']))
data, ancillary, _, _ = channel.recvmsg(4096, socket.CMSG_LEN(16))
fds = array.array('i')
for _, _, chunk in ancillary:
    fds.frombytes(chunk[:len(chunk) - len(chunk) % 4])
kinds = [socket.socket(fileno=fd).type == socket.SOCK_DGRAM for fd in fds]
print(json.dumps({'line': data.decode(), 'udp_fds': kinds}), flush=True)
'''


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def hand_over(run_loop, child, family='udp4', host='127.0.0.1'):
    """Bind a socket here, send it to ``child``, close this copy once the
    child took it, send the child a datagram on it; returns what the
    child said."""
    said = []
    sock = dgram.createSocket(family)

    def on_message(message):
        said.append(message)
        if 'taken' in message:
            port = sock.address().port
            sock.close()
            client = dgram.createSocket(family)
            client.send(b'to the child', port, host, lambda *_: client.close())

    def bound():
        assert child.send({'here': 'a socket'}, sock) is True
    child.on('message', on_message)
    sock.bind(0, host, bound)
    run_loop(20)
    return said, sock


def test_a_bound_socket_handed_to_a_pyuvnet_child_receives_there(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'child.py', PYUVNET_CHILD))
    said, sock = hand_over(run_loop, child)
    assert said[0]['taken'] == {'here': 'a socket'} and said[0]['type'] == 'udp4'
    assert said[1:] == [{'received': 'to the child'}]
    assert child.exitCode == 0


def test_a_udp6_socket_keeps_its_type_and_address(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'child.py', PYUVNET_CHILD))
    said, _sock = hand_over(run_loop, child, 'udp6', '::1')
    assert said[0]['type'] == 'udp6' and said[0]['port'] > 0
    assert said[1:] == [{'received': 'to the child'}]


def test_the_envelope_carries_the_socket_type_as_node_writes_it(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'raw.py', RAW_CHILD), stdio='pipe')
    out = []
    child.stdout.on('data', out.append)
    sock = dgram.createSocket('udp6')
    sock.bind(0, '::1', lambda: child.send('m', sock, lambda *_: sock.close()))
    run_loop(20)
    seen = json.loads(b''.join(out))
    assert seen['line'] == ('{"cmd":"NODE_HANDLE","type":"dgram.Socket","msg":"m",'
                            '"dgramType":"udp6"}\n')
    assert seen['udp_fds'] == [True]


def test_an_unbound_socket_fails_with_ebadf_and_the_channel_goes_on(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'child.py', PYUVNET_CHILD))
    results = []
    unbound = dgram.createSocket('udp4')

    def sent(err=None):
        results.append((err.code, err.syscall))
        unbound.close()
        child.send('plain')

    def on_message(message):
        results.append(message)
        child.disconnect()
    child.on('message', on_message)
    child.send({'x': 1}, unbound, sent)
    run_loop(20)
    assert results == [('EBADF', 'write'), {'no socket': 'plain'}]


def test_a_closed_socket_sends_the_message_alone(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'child.py', PYUVNET_CHILD))
    results = []
    sock = dgram.createSocket('udp4')
    sock.bind(0, '127.0.0.1', lambda: sock.close(lambda: child.send('gone', sock)))
    child.on('message', lambda message: results.append(message) or child.disconnect())
    run_loop(20)
    assert results == [{'no socket': 'gone'}]


@needs_node
def test_a_pyuvnet_socket_handed_to_a_node_child_receives_there(tmp_path, run_loop):
    child = child_process.fork(write(tmp_path, 'child.js', NODE_CHILD), execPath=NODE,
                               env=external_env())
    said, _sock = hand_over(run_loop, child)
    assert said[0]['taken'] == {'here': 'a socket'} and said[0]['type'] == 'udp4'
    assert said[1:] == [{'received': 'to the child'}]
    assert child.exitCode == 0


NODE_PARENT = '''
const { fork } = require('child_process');
const dgram = require('dgram');
const child = fork(process.argv[1], [], { execPath: process.argv[2] });
const sock = dgram.createSocket('udp4');
const said = [];
child.on('message', (message) => {
  said.push(message);
  if (message.taken) {
    const port = sock.address().port;
    sock.close();
    const client = dgram.createSocket('udp4');
    client.send('to the child', port, '127.0.0.1', () => client.close());
  }
});
child.on('exit', (code) => console.log(JSON.stringify({ said, code })));
sock.bind(0, '127.0.0.1', () => child.send({ here: 'a socket' }, sock));
'''


@needs_node
def test_a_node_parent_hands_a_socket_to_a_pyuvnet_child(tmp_path):
    child = write(tmp_path, 'child.py', PYUVNET_CHILD)
    out = subprocess.run([NODE, '-e', NODE_PARENT, child, sys.executable], capture_output=True,
                         text=True, timeout=30, env=external_env())
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result['said'][0]['taken'] == {'here': 'a socket'}
    assert result['said'][0]['type'] == 'udp4'
    assert result['said'][1:] == [{'received': 'to the child'}]
    assert result['code'] == 0
