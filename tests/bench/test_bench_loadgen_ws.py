"""The load generator's ws mode (bench/loadgen_ws.c): a handshake, then
one masked binary message at a time per connection, each counted when its
echo came back whole; a server that answers other than 101, echoes
another length or a text frame, or closes, fails the run and says so."""
import json
import socket
import subprocess
import sys

from bench_support import loadgen, serve_each_connection  # noqa: F401 (a fixture)

ECHO_SERVER = """
import pyuvnet as net
from pyuvnet.ws import WebSocketServer
wss = WebSocketServer(port=0, host='127.0.0.1')
wss.on('listening', lambda: print(wss.address()['port'], flush=True))
wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: ws.send(data)))
net.run()
"""


def run(loadgen, target, *args):
    proc = subprocess.run([str(loadgen), '--mode', 'ws', '--warmup', '0.1', '--duration', '0.3',
                           *args, target], capture_output=True, text=True, timeout=60)
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def test_echoes_of_a_pyuvnet_ws_server_are_counted(loadgen):
    server = subprocess.Popen([sys.executable, '-c', ECHO_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        target = '127.0.0.1:%s' % server.stdout.readline().strip()
        for size in ('1', '100', '1024', '70000'):
            code, result = run(loadgen, target, '--conns', '4', '--size', size,
                               '--server-pid', str(server.pid))
            assert code == 0 and result['ok'], result.get('error')
            assert result['mode'] == 'ws' and result['requests'] > 0 and result['rps'] > 0
            assert 0 < result['p50_us'] <= result['p99_us']
            assert 'server_user_s' in result
    finally:
        server.kill()
        server.wait()


def fake_server(answer):
    """Reads a handshake, writes ``answer(head)``, then reads until EOF."""
    listener = socket.create_server(('127.0.0.1', 0))

    def serve(conn):
        with conn:
            head = b''
            while b'\r\n\r\n' not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            conn.sendall(answer(head))
            while conn.recv(65536):
                conn.sendall(answer(None))
    serve_each_connection(listener, serve)
    return listener, '127.0.0.1:%d' % listener.getsockname()[1]


SWITCH = b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'


def test_a_refused_handshake_fails_the_run(loadgen):
    listener, target = fake_server(lambda head: b'HTTP/1.1 400 Bad Request\r\n\r\n' if head else b'')
    with listener:
        code, result = run(loadgen, target, '--conns', '1')
    assert code == 1 and not result['ok']
    assert 'the handshake was answered HTTP/1.1 400' in result['error']


def test_a_wrong_echo_fails_the_run(loadgen):
    # A text frame of 3 bytes where a binary echo of 100 was due.
    listener, target = fake_server(lambda head: SWITCH if head else b'\x81\x03abc')
    with listener:
        code, result = run(loadgen, target, '--conns', '1', '--size', '100')
    assert code == 1 and not result['ok']
    assert 'a frame 0x81 of 3 bytes, not a binary echo of 100' in result['error']
