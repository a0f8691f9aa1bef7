"""Connections over unix domain sockets: connect(path) in every form, writes
before the connection, destroy() while connecting, reconnecting from the
'error' listener, empty addresses, TCP-only options, 8 MiB each way,
half-close, the idle timeout, pauseOnConnect, getConnections() and
maxConnections.

The behaviours are those of Node's test-net-pipe*, test-pipe* and
test-net-server-listen-path tests, written afresh for pyuvnet.
"""
import hashlib
import os
import sys

import pytest

import pyuvnet as net

from support import ROOT
from ipc_pipe_support import unix_sockets

pytestmark = unix_sockets


# -- connecting --------------------------------------------------------------

@pytest.mark.parametrize('form', ['connect-path', 'connect-path-cb', 'createConnection-options',
                                  'createConnection-kwargs', 'socket-connect-path',
                                  'socket-connect-options', 'create_connection'])
def test_connect_to_a_path_in_every_form(sockdir, run_loop, form):
    path = os.path.join(sockdir, 'c.sock')
    events = []

    def on_connection(sock):
        sock.setEncoding('utf8')
        sock.on('data', lambda d: sock.end(d.upper()))

    def on_listening():
        cb = lambda: events.append('cb')  # noqa: E731
        if form == 'connect-path':
            client = net.connect(path)
        elif form == 'connect-path-cb':
            client = net.connect(path, cb)
        elif form == 'createConnection-options':
            client = net.createConnection({'path': path}, cb)
        elif form == 'createConnection-kwargs':
            client = net.createConnection(path=path)
        elif form == 'socket-connect-path':
            client = net.Socket().connect(path, cb)
        elif form == 'socket-connect-options':
            client = net.Socket()
            assert client.connect({'path': path}) is client
        else:
            client = net.create_connection({'path': path})
        assert client.connecting is True
        assert events == []  # 'connect' is never synchronous
        client.on('connect', lambda: events.append('connect'))
        client.on('ready', lambda: events.append('ready'))
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('data', d)))
        client.on('end', lambda: events.append('end'))
        client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
        client.write('hi')

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    expected = ['connect', 'ready', ('data', 'HI'), 'end', ('close', False)]
    if form in ('connect-path-cb', 'createConnection-options', 'socket-connect-path'):
        expected.insert(0, 'cb')
    assert events == expected


def test_writes_before_the_pipe_connects_are_sent(sockdir, run_loop):
    path = os.path.join(sockdir, 'early.sock')
    seen = {}

    def on_connection(sock):
        sock.setEncoding('utf8')
        chunks = []
        sock.on('data', chunks.append)
        sock.on('end', lambda: seen.setdefault('server got', ''.join(chunks)))

    def on_listening():
        client = net.connect(path)
        seen['state'] = (client.readyState, client.pending, client.connecting)
        client.write('written ')
        client.write('while connecting')
        client.end()
        client.on('close', lambda had_error: server.close())
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'state': ('opening', True, True), 'server got': 'written while connecting'}


def test_destroy_while_connecting_to_a_path(sockdir, run_loop):
    path = os.path.join(sockdir, 'abort.sock')
    events = []

    def on_listening():
        client = net.connect(path, lambda: events.append('connect'))
        client.on('error', lambda err: events.append(('error', err)))
        client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
        client.destroy()

    server = net.createServer(lambda sock: sock.resume())
    server.listen(path, on_listening)
    run_loop()
    assert events == [('close', False)]


RECONNECT_SCRIPT = r"""
import sys
import pyuvnet as net
missing, live = sys.argv[1], sys.argv[2]
events = []
server = net.createServer(lambda sock: sock.end('second attempt'))
client = net.Socket()

def retry(err):
    events.append(('error', err.code))
    client.connect(live, lambda: events.append('connect'))

client.once('error', retry)
client.setEncoding('utf8')
client.on('data', lambda d: events.append(('data', d)))
client.on('close', lambda had_error: events.append(('close', had_error)))
client.on('end', server.close)
server.listen(live, lambda: client.connect(missing))
net.run()
print(events)
"""


def test_reconnect_from_the_error_listener_does_not_crash(sockdir):
    # Node lets a destroyed socket connect again, even from the 'error'
    # listener of the attempt that failed (its handle is still closing).
    # Run in a child: a libuv assertion would abort the whole test run.
    import subprocess
    missing = os.path.join(sockdir, 'missing.sock')
    live = os.path.join(sockdir, 'live.sock')
    env = dict(os.environ)
    root = ROOT
    env['PYTHONPATH'] = os.pathsep.join(p for p in (root, env.get('PYTHONPATH')) if p)
    result = subprocess.run([sys.executable, '-c', RECONNECT_SCRIPT, missing, live],
                            capture_output=True, text=True, timeout=30, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    events = eval(result.stdout.strip().splitlines()[-1])
    assert events[0] == ('error', 'ENOENT')
    assert 'connect' in events
    assert ('data', 'second attempt') in events
    assert events[-1] == ('close', False)


def test_pipe_socket_addresses_are_empty(sockdir, run_loop):
    path = os.path.join(sockdir, 'names.sock')
    seen = {}

    def describe(sock):
        return {'address': sock.address(), 'remoteAddress': sock.remoteAddress,
                'remotePort': sock.remotePort, 'remoteFamily': sock.remoteFamily,
                'localPort': sock.localPort}

    def on_connection(sock):
        seen['server side'] = describe(sock)
        sock.end()

    def on_listening():
        client = net.connect(path, lambda: seen.setdefault('client side', describe(client)))
        client.on('close', lambda had_error: server.close())
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    empty = {'address': {}, 'remoteAddress': None, 'remotePort': None,
             'remoteFamily': None, 'localPort': None}
    assert seen['server side'] == empty
    assert seen['client side'] == empty


def test_tcp_only_socket_options_are_harmless_on_pipes(sockdir, run_loop):
    path = os.path.join(sockdir, 'opts.sock')
    seen = {}

    def on_connection(sock):
        assert sock.setNoDelay(True) is sock
        assert sock.setKeepAlive(True, 1000) is sock
        with pytest.raises(net.errors.ERR_INVALID_HANDLE_TYPE):
            sock.resetAndDestroy()
        sock.end('ok')

    def on_listening():
        client = net.connect({'path': path, 'noDelay': True, 'keepAlive': True})
        client.setEncoding('utf8')
        client.on('data', lambda d: seen.setdefault('data', d))
        client.on('close', lambda had_error: (seen.setdefault('had_error', had_error), server.close()))

    server = net.createServer({'noDelay': True, 'keepAlive': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert seen == {'data': 'ok', 'had_error': False}


# -- streaming ---------------------------------------------------------------

def test_eight_mib_echo_arrives_intact_both_ways(sockdir, run_loop):
    path = os.path.join(sockdir, 'echo.sock')
    payload = os.urandom(8 * 1024 * 1024)
    chunks = []
    seen = {}

    def on_connection(sock):
        sock.pipe(sock)   # echo with backpressure; ends when the client ends

    def on_listening():
        client = net.connect(path)
        client.on('data', chunks.append)
        client.on('end', lambda: seen.setdefault('end', True))
        client.on('close', lambda had_error: (seen.setdefault('had_error', had_error),
                                              seen.setdefault('bytesWritten', client.bytesWritten),
                                              seen.setdefault('bytesRead', client.bytesRead),
                                              server.close()))
        # Several writes of odd sizes, then FIN.
        view = memoryview(payload)
        step = 1_000_003
        for start in range(0, len(payload), step):
            client.write(view[start:start + step])
        client.end()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop(timeout=30)
    received = b''.join(chunks)
    assert len(received) == len(payload)
    assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
    assert seen == {'end': True, 'had_error': False, 'bytesWritten': len(payload),
                    'bytesRead': len(payload)}


def test_server_to_client_eight_mib_with_drain(sockdir, run_loop):
    """The server writes 8 MiB honouring write()'s False/'drain'; the client
    counts and hashes it."""
    path = os.path.join(sockdir, 'push.sock')
    total = 8 * 1024 * 1024
    block = bytes(range(256)) * 256   # 64 KiB
    digest = hashlib.sha256()
    seen = {'received': 0, 'drains': 0}

    def on_connection(sock):
        state = {'sent': 0}

        def pump():
            while state['sent'] < total:
                state['sent'] += len(block)
                if not sock.write(block):
                    return
            sock.end()

        def on_drain():
            seen['drains'] += 1
            pump()

        sock.on('drain', on_drain)
        pump()

    def on_data(chunk):
        seen['received'] += len(chunk)
        digest.update(chunk)

    def on_listening():
        client = net.connect(path)
        client.on('data', on_data)
        client.on('end', lambda: seen.setdefault('end', True))
        client.on('close', lambda had_error: server.close())

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop(timeout=30)
    assert seen['received'] == total
    assert digest.digest() == hashlib.sha256(block * (total // len(block))).digest()
    assert seen['end'] is True
    assert seen['drains'] >= 1


def test_half_close_with_allow_half_open(sockdir, run_loop):
    """The client ends its side; the server, allowed a half-open socket,
    still answers after the client's 'end' and then ends its own side."""
    path = os.path.join(sockdir, 'half.sock')
    events = []

    def on_connection(sock):
        received = []
        sock.setEncoding('utf8')
        sock.on('data', received.append)

        def on_end():
            events.append(('server end', sock.writable, sock.readyState))
            # Answer after the delay, on a socket whose peer has sent FIN.
            net.setTimeout(lambda: sock.end('you said: ' + ''.join(received)), 20)

        sock.on('end', on_end)
        sock.on('close', lambda had_error: events.append(('server close', had_error)))

    def on_listening():
        client = net.connect({'path': path, 'allowHalfOpen': True})
        client.setEncoding('utf8')
        client.on('data', lambda d: events.append(('client data', d)))
        client.on('finish', lambda: events.append('client finish'))
        client.on('end', lambda: events.append(('client end', client.readyState)))
        client.on('close', lambda had_error: (events.append(('client close', had_error)),
                                              server.close()))
        client.write('hello')
        client.end()

    server = net.createServer({'allowHalfOpen': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert ('server end', True, 'writeOnly') in events
    assert ('client data', 'you said: hello') in events
    assert events.index('client finish') < events.index(('client data', 'you said: hello'))
    assert ('client end', 'closed') in events or ('client end', 'readOnly') in events
    assert ('client close', False) in events
    assert ('server close', False) in events


def test_without_allow_half_open_the_server_side_ends_itself(sockdir, run_loop):
    path = os.path.join(sockdir, 'full.sock')
    events = []

    def on_connection(sock):
        sock.on('end', lambda: events.append('server end'))
        sock.on('finish', lambda: events.append('server finish'))
        sock.on('close', lambda had_error: events.append(('server close', had_error)))
        sock.resume()

    def on_listening():
        client = net.connect({'path': path, 'allowHalfOpen': True})
        client.on('end', lambda: events.append('client end'))
        client.on('close', lambda had_error: server.close())
        client.resume()
        client.end()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert 'server end' in events
    assert 'server finish' in events
    assert 'client end' in events
    assert ('server close', False) in events


def test_pipe_socket_idle_timeout(sockdir, run_loop):
    path = os.path.join(sockdir, 'idle.sock')
    events = []

    def on_connection(sock):
        sock.setTimeout(50, lambda: (events.append('timeout'), sock.destroy()))

    def on_listening():
        client = net.connect(path)
        client.on('close', lambda had_error: (events.append(('client close', had_error)),
                                              server.close()))
        client.resume()

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert events == ['timeout', ('client close', False)]


def test_pause_on_connect_over_a_pipe(sockdir, run_loop):
    path = os.path.join(sockdir, 'paused.sock')
    events = []

    def on_connection(sock):
        events.append(('paused', sock.isPaused()))
        sock.on('data', lambda d: events.append(('data', d)))
        net.setTimeout(lambda: (events.append('resume'), sock.resume()), 50)

    def on_listening():
        client = net.connect(path)
        client.end('hello')
        client.on('close', lambda had_error: server.close())

    server = net.createServer({'pauseOnConnect': True}, on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert events == [('paused', True), 'resume', ('data', b'hello')]


# -- the server's connections -----------------------------------------------

def test_get_connections_counts_pipe_connections(sockdir, run_loop):
    path = os.path.join(sockdir, 'count.sock')
    counts = []
    clients = []
    accepted = []

    def on_connection(sock):
        sock.resume()
        accepted.append(sock)
        if len(accepted) == 3:
            server.getConnections(lambda err, n: (counts.append((err, n)), finish()))

    def finish():
        for client in clients:
            client.end()
        server.close()

    def on_listening():
        for _ in range(3):
            client = net.connect(path)
            client.resume()
            clients.append(client)

    server = net.createServer(on_connection)
    server.listen(path, on_listening)
    run_loop()
    assert counts == [(None, 3)]


def test_max_connections_on_a_pipe_server_drops_without_addresses(sockdir, run_loop):
    # Node emits 'drop' with no argument for pipes (there are no addresses).
    path = os.path.join(sockdir, 'drop.sock')
    drops = []
    seen = {'closed': 0}

    def on_connection(sock):
        sock.resume()

    def client_closed(had_error):
        seen['closed'] += 1
        if seen['closed'] == 2:
            server.close()

    def on_listening():
        first = net.connect(path)
        first.resume()

        def second_after_first():
            second = net.connect(path)
            second.on('error', lambda err: None)
            second.resume()
            second.on('close', lambda had_error: (client_closed(had_error), first.end()))

        first.on('connect', lambda: net.setTimeout(second_after_first, 20))
        first.on('close', client_closed)

    server = net.createServer(on_connection)
    server.maxConnections = 1
    server.on('drop', lambda *args: drops.append(args))
    server.listen(path, on_listening)
    run_loop()
    assert drops == [()]
