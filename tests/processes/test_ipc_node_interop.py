"""The IPC channel against the real Node.js, both ways: a Node parent
forking a pyuvnet child, a pyuvnet parent forking a Node child, messages,
a Server and a Socket handed over each way, and the seeds' two fork
examples with the Node side exactly as the seed writes it.
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import pyuvnet as net
from pyuvnet import child_process
from child_scripts_support import script

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)
pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')
from support import EXAMPLES  # noqa: E402 (the tree the tests sit in)

# A Node parent driving a pyuvnet child through every kind of exchange:
# a message, a server handed over, a socket handed over; it prints what it
# saw as one JSON line.
NODE_PARENT = '''
const { fork } = require('child_process');
const net = require('net');
const child = fork(process.argv[1], [], { execPath: process.argv[2] });
const seen = [];
let server, port;
child.on('message', (message) => {
  seen.push(message);
  if (message.echo) {
    server = net.createServer().listen(0, '127.0.0.1', () => {
      port = server.address().port;
      child.send('server', server);
    });
  } else if (message.listening) {
    server.close();
    net.connect(port, '127.0.0.1').on('data', (d) => seen.push(String(d))).on('close', handSocket);
  } else if (message === 'socket taken') {
    client.write('hi');
  }
});
let client;
function handSocket() {
  const s2 = net.createServer((sock) => { child.send('socket', sock); s2.close(); });
  s2.listen(0, '127.0.0.1', () => {
    client = net.connect(s2.address().port, '127.0.0.1');
    client.on('data', (d) => { seen.push(String(d)); child.send({ cmd: 'disconnect' }); });
  });
}
child.on('exit', (code, signal) => console.log(JSON.stringify({ seen, code, signal, pid: child.pid })));
child.send({ hello: 'world', u: '\u00e9' });
'''


def test_node_parent_forks_a_pyuvnet_child(tmp_path):
    worker = script(tmp_path, 'worker.py')
    out = subprocess.run([NODE, '-e', NODE_PARENT, worker, sys.executable],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result['seen'] == [
        {'echo': {'hello': 'world', 'u': '\u00e9'}}, {'listening': True},
        'served by %d\n' % result['pid'], 'socket taken', 'child read hi']
    assert (result['code'], result['signal']) == (0, None)


def test_pyuvnet_parent_forks_a_node_child(tmp_path, run_loop):
    child = child_process.fork(script(tmp_path, 'echo.js'), execPath=NODE)
    seen = []
    server = net.createServer()
    state = {}

    def on_message(message):
        seen.append(message)
        if isinstance(message, dict) and 'echo' in message:
            server.listen(0, '127.0.0.1', lambda: child.send('server', server))
        elif isinstance(message, dict) and message.get('listening'):
            port = server.address().port
            server.close()
            client = net.connect(port, '127.0.0.1')
            client.on('data', lambda data: seen.append(data))
            client.on('close', lambda *_: hand_socket())
        elif message == 'socket taken':
            state['client'].write('hi')

    def hand_socket():
        s2 = net.createServer(lambda sock: (child.send('socket', sock), s2.close()))

        def connect():
            client = state['client'] = net.connect(s2.address().port, '127.0.0.1')
            client.on('data', lambda data: (seen.append(data), child.send({'cmd': 'disconnect'})))
        s2.listen(0, '127.0.0.1', connect)
    child.on('message', on_message)
    child.send({'hello': 'world', 'n': [1, 2.5, None, True], 'u': '\u00e9'})
    run_loop(20)
    assert seen == [{'echo': {'hello': 'world', 'n': [1, 2.5, None, True], 'u': '\u00e9'}},
                    {'listening': True}, b'served by node\n', 'socket taken', b'node read hi']
    assert (child.exitCode, child.signalCode) == (0, None)


def test_node_child_hands_a_connection_to_the_pyuvnet_parent(tmp_path, run_loop):
    """Node sends {"cmd":"NODE_HANDLE","type":"net.Socket","msg":"yours",
    "key":"4:127.0.0.1:0"} with the fd; pyuvnet acknowledges and serves it."""
    child = child_process.fork(script(tmp_path, 'echo.js'), execPath=NODE)
    seen = []

    def on_message(message, handle=None):
        if isinstance(message, dict) and 'port' in message:
            client = net.connect(message['port'], '127.0.0.1')
            client.on('data', lambda data: (seen.append(data), child.send({'cmd': 'disconnect'})))
        elif message == 'yours':
            seen.append(type(handle).__name__)
            handle.end(b'served by the pyuvnet parent')
    child.on('message', on_message)
    child.send('hand me a connection')
    run_loop(20)
    assert seen == ['Socket', b'served by the pyuvnet parent']
    assert child.exitCode == 0


def read_lines_until(proc, expected, timeout=20):
    """Lines of ``proc``'s stdout until ``expected`` lines came (bounded)."""
    lines, buffer = [], b''
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    # poll, not select: the suite's process may hold fds above FD_SETSIZE.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while len(lines) < expected and time.monotonic() < deadline:
        ready = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
        if not ready:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        buffer += data
        *complete, buffer = buffer.split(b'\n')
        lines.extend(line.decode() for line in complete)
    return lines


# The seeds' Node programs, as written there.  In the parents only the
# fork() call changes: the file forked, execPath (the Python that runs it)
# and, for the second, the argument that picks its child.
SEED_PARENT_1 = '''
const { fork } = require("child_process");

// 子进程代码在 'child.js'
const child = fork(%(child)s, [], { execPath: %(python)s });

// 发送消息到子进程
child.send({ hello: "world" });

// 监听来自子进程的消息
child.on("message", (message) => {
  console.log("收到来自子进程的消息:", message);
});
'''

SEED_PARENT_2 = '''
const { fork } = require("child_process");

const child = fork(%(child)s, ["control"], {
  execPath: %(python)s,
  stdio: ["inherit", "inherit", "inherit", "ipc"], // 开启IPC通道
});

child.send({ cmd: "sayHello" });

child.on("message", (message) => {
  console.log("来自子进程的消息:", message);
});
'''

SEED_CHILD_1 = '''
process.on("message", (message) => {
  console.log("收到来自父进程的消息:", message);
  // 回复消息给父进程
  process.send({ received: true });
});
'''

SEED_CHILD_2 = '''
process.on("message", (message) => {
  if (message.cmd && message.cmd === "sayHello") {
    console.log("你好，来自父进程的消息!");
    process.send({ cmd: "received" });
  }
});
'''


@pytest.mark.parametrize('parent, expected', [
    (SEED_PARENT_1, ["收到来自父进程的消息: {'hello': 'world'}", '收到来自子进程的消息: { received: true }']),
    (SEED_PARENT_2, ['你好，来自父进程的消息!', "来自子进程的消息: { cmd: 'received' }"]),
])
def test_seed_node_parents_fork_the_pyuvnet_example_child(tmp_path, parent, expected):
    """The seed's parents never end by themselves (the channel stays open):
    the Node parent is stopped, and the pyuvnet child then sees
    'disconnect' and ends."""
    source = parent % {'child': json.dumps(os.path.join(EXAMPLES, 'ipc_fork_child.py')),
                       'python': json.dumps(sys.executable)}
    proc = subprocess.Popen([NODE, '-e', source], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lines = read_lines_until(proc, 2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert lines == expected, err


@pytest.mark.parametrize('seed_child, args, expected', [
    (SEED_CHILD_1, [], ['收到来自父进程的消息: { hello: \'world\' }',
                        "收到来自子进程的消息: {'received': True}"]),
    (SEED_CHILD_2, ['--control'], ['你好，来自父进程的消息!', "来自子进程的消息: {'cmd': 'received'}"]),
])
def test_pyuvnet_example_parent_forks_the_seed_node_children(tmp_path, seed_child, args, expected):
    child_js = tmp_path / 'child.js'
    child_js.write_text(seed_child)
    out = subprocess.run([sys.executable, os.path.join(EXAMPLES, 'ipc_fork_parent.py'), '--once',
                          '--child', str(child_js), '--exec-path', NODE] + args,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == expected


def test_node_child_sees_disconnect_when_the_pyuvnet_parent_dies(tmp_path):
    child_js = tmp_path / 'child.js'
    child_js.write_text(textwrap.dedent('''
        process.on('message', () => process.send('pong'));
        process.on('disconnect', () => console.log('node child disconnect'));
    '''))
    parent = subprocess.Popen([sys.executable, '-c', textwrap.dedent('''
        import os, signal, sys, pyuvnet
        from pyuvnet import child_process
        child = child_process.fork(sys.argv[1], execPath=sys.argv[2])
        child.on('message', lambda message: os.kill(os.getpid(), signal.SIGKILL))
        child.send('ping')
        pyuvnet.run()
    '''), str(child_js), NODE], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = parent.communicate(timeout=20)
    finally:
        parent.kill()
    assert out == 'node child disconnect\n'
