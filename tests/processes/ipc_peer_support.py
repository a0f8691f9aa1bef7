"""A raw IPC peer for the channel tests: a socketpair whose one end is a
pyuvnet Channel (as a child's ``process`` or a parent's ChildProcess has)
and whose other end the test writes bytes and fds to by hand, as a
hostile or broken peer would."""
import json
import os
import socket

import pyuvnet as net
from pyuvnet.events import EventEmitter
from pyuvnet.child_process._ipc_channel import Channel


class RawPeer:
    """``peer.send(data, fds=())`` writes to the channel; ``peer.seen``
    lists ('message', message, handle type name) and ('internalMessage',
    message, fd) as the channel's target received them; ``peer.replies()``
    the lines the channel wrote back (its ACKs and NACKs).  A socket
    handed over is ended at once with its message's text (50 characters
    of it, and unref'd),
    so that the test reads on the far end which connection it was."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        self.sock = theirs
        self.target = EventEmitter()
        self.seen = []
        self._replies = b''
        self.target.on('message', self._on_message)
        self.target.on('internalMessage', lambda message, fd: self.seen.append(
            ('internalMessage', message, fd)))
        self.target.on('error', lambda err: self.seen.append(('error', err)))
        self.channel = Channel(self.target, ours.detach())

    def _on_message(self, message, handle=None):
        self.seen.append(('message', message, type(handle).__name__ if handle else None))
        if handle is not None:
            # The far end stays open: let the loop end once this is written.
            handle.end(str(message)[:50].encode())
            handle.unref()

    def send(self, data, fds=()):
        if fds:
            socket.send_fds(self.sock, [data], list(fds))
        else:
            self.sock.sendall(data)

    def replies(self):
        """The lines the channel wrote back, up to close()."""
        return [json.loads(line) for line in self._replies.split(b'\n') if line]

    def _read_replies(self):
        self.sock.setblocking(False)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self._replies += chunk
        except BlockingIOError:
            pass
        self.sock.setblocking(True)

    def messages(self):
        return [entry[1] for entry in self.seen if entry[0] == 'message']

    def close(self):
        self._read_replies()
        self.sock.close()


def run_until_quiet(run_loop, peer, errors_out=None):
    """Let the channel read what was sent, then close the peer and run the
    loop to its end; exceptions out of run() go to ``errors_out``."""
    def finish():
        peer.close()
    net.setTimeout(finish, 50)
    for _ in range(50):
        try:
            run_loop(10)
            return
        except ValueError as exc:       # what escaped run(): a malformed line
            if errors_out is None:
                raise
            errors_out.append(exc)
    raise AssertionError('run() kept raising')


def tcp_pair():
    """A connected pair of TCP sockets on loopback (blocking Python sockets)."""
    listener = socket.create_server(('127.0.0.1', 0))
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    return client, server


def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    return sock


def handle_line(message, kind='net.Socket'):
    return json.dumps({'cmd': 'NODE_HANDLE', 'type': kind, 'msg': message},
                      separators=(',', ':')).encode() + b'\n'


def open_fds():
    """The fds open now, as a set of their numbers (a test looks for new
    ones: earlier tests' fds may close meanwhile), less the fd that listed
    them."""
    listed = os.listdir('/proc/self/fd')
    return {fd for fd in listed if os.path.exists('/proc/self/fd/' + fd)}


# A Node 20 sender that floods its IPC peer (a pyuvnet parent or child) with
# stray fds: each round writes a plain message with a connection's fd
# attached through the channel's own pipe (node --expose-internals; Node's
# send() never does this), then sends another connection properly with
# send(). The pyuvnet side answers each connection it is handed with
# 'got <n>'. A decoy connection must close without data (its fd closed at
# once), every real one must read its own number. argv: 'parent' count
# python script | 'child' count. Prints (parent) or sends (child)
# {"results": {"real": n, "decoyClosed": n, "wrong": n}}.
NODE_STRAY_SENDER = r'''
const net = require('net');
const { internalBinding } = require('internal/test/binding');
const { WriteWrap } = internalBinding('stream_wrap');
const mode = process.argv[2];
const count = Number(process.argv[3]);
const peer = mode === 'parent'
  ? require('child_process').fork(process.argv[5], [], { execPath: process.argv[4], execArgv: [] })
  : process;
const channelSymbol = Object.getOwnPropertySymbols(peer)
  .find((s) => String(s) === 'Symbol(kChannelHandle)');
function strayWrite(text, handle) {
  const req = new WriteWrap();
  req.oncomplete = () => {};
  req.async = false;
  const err = peer[channelSymbol].writeUtf8String(req, text, handle);
  if (err) throw new Error('raw write failed: ' + err);
}
const results = { real: 0, decoyClosed: 0, wrong: 0 };
let finished = 0;
function settled() {
  if (++finished < 2 * count) return;
  server.close();
  if (mode === 'parent') {
    peer.send('done');
    peer.on('exit', (code) => console.log(JSON.stringify({ results, code })));
  } else {
    peer.send({ results }, () => peer.disconnect());
  }
}
const server = net.createServer({ pauseOnConnect: true });
function connection(cb) {
  server.once('connection', cb);
  return net.connect(server.address().port, '127.0.0.1');
}
function round(i) {
  if (i === count) return;
  const decoy = connection((side) => {
    strayWrite(JSON.stringify({ plain: i }) + '\n', side._handle);
    side.destroy();
    const real = connection((side) => {
      peer.send({ real: i }, side);
      round(i + 1);
    });
    let got = '';
    real.on('data', (d) => { got += d; });
    real.on('close', () => { if (got === 'got ' + i) results.real++; else results.wrong++; settled(); });
  });
  let data = false;
  decoy.on('data', () => { data = true; });
  decoy.on('close', () => { if (data) results.wrong++; else results.decoyClosed++; settled(); });
}
server.listen(0, '127.0.0.1', () => round(0));
'''

# The pyuvnet side of NODE_STRAY_SENDER when it is the child.
PYUVNET_RECEIVER_CHILD = '''
import pyuvnet
from pyuvnet import process

def on_message(message, handle=None):
    if handle is not None:
        handle.end(('got %s' % message['real']).encode())
    elif message == 'done':
        process.disconnect()

process.on('message', on_message)
pyuvnet.run()
'''


def node_parent_flood(node, tmp_path, count, timeout):
    """A Node parent running NODE_STRAY_SENDER over a pyuvnet child; what
    it printed ({"results": ..., "code": ...})."""
    import subprocess
    import sys
    child = tmp_path / 'receiver.py'
    child.write_text(PYUVNET_RECEIVER_CHILD)
    sender = tmp_path / 'sender.js'
    sender.write_text(NODE_STRAY_SENDER)
    out = subprocess.run([node, '--expose-internals', '--no-warnings', str(sender), 'parent',
                          str(count), sys.executable, str(child)],
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def node_child_flood(node, tmp_path, count, run_loop, timeout):
    """A pyuvnet parent answering a Node child that runs
    NODE_STRAY_SENDER; the results the child sent, and its exit code."""
    from pyuvnet import child_process
    sender = tmp_path / 'sender.js'
    sender.write_text(NODE_STRAY_SENDER)
    child = child_process.fork(str(sender), ['child', str(count)], execPath=node,
                               execArgv=['--expose-internals', '--no-warnings'])
    seen = []

    def on_message(message, handle=None):
        if handle is not None:
            handle.end(('got %s' % message['real']).encode())
        elif 'results' in message:
            seen.append(message['results'])
    child.on('message', on_message)
    run_loop(timeout)
    return seen, child.exitCode
