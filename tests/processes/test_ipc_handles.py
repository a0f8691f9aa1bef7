"""Handle passing between pyuvnet processes: a listening Server and an
accepted Socket sent with ``child.send(message, handle)``.

Node (v20) pinned with a raw peer reading the channel:

    child.send('server', server)
    // the child reads {"cmd":"NODE_HANDLE","type":"net.Server","msg":"server"}\\n
    // with one fd (SCM_RIGHTS) and answers {"cmd":"NODE_HANDLE_ACK"}\\n;
    // a message sent after the handle (child.send(42)) reaches the child
    // only after that ACK.  The child's 'message' gets (msg, net.Server)
    // once the server listens; a Socket arrives as net.Socket and the
    // sender's socket is closed once the ACK came (unless keepOpen).
"""
import pytest

import pyuvnet as net
from pyuvnet import child_process, errors
from child_scripts_support import script


def fork_worker(tmp_path):
    child = child_process.fork(script(tmp_path, 'worker.py'))
    return child


def test_server_handed_to_child_serves_connections(tmp_path, run_loop):
    child = fork_worker(tmp_path)
    server = net.createServer()
    replies = []

    def on_message(message):
        replies.append(message)
        # Only the child accepts now.
        server.close()
        client = net.connect(port[0], '127.0.0.1')
        client.on('data', replies.append)
        client.on('close', lambda *_: child.send({'cmd': 'disconnect'}))
    port = []

    def listening():
        port.append(server.address().port)
        assert child.send('server', server) is True
    child.on('message', on_message)
    server.listen(0, '127.0.0.1', listening)
    run_loop(15)
    assert replies == [{'listening': True}, b'served by %d\n' % child.pid]
    assert child.exitCode == 0


def test_socket_handed_to_child_and_closed_here_after_the_ack(tmp_path, run_loop):
    child = fork_worker(tmp_path)
    log = []

    def on_connection(sock):
        sock.on('close', lambda *_: log.append('parent socket closed'))
        child.send('socket', sock)
        # Queued behind the handle until the child acknowledged it; a bad
        # message still raises at once.
        child.send('after the socket')
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
            child.send({'not json': object()})
        server.close()

    def on_message(message):
        log.append(message)
        if message == 'socket taken':
            client.write(b'hello')
        elif isinstance(message, dict):
            child.send({'cmd': 'disconnect'})
    server = net.createServer(on_connection)
    child.on('message', on_message)
    client = None

    def listening():
        nonlocal client
        client = net.connect(server.address().port, '127.0.0.1')
        client.on('data', log.append)
    server.listen(0, '127.0.0.1', listening)
    run_loop(15)
    assert 'parent socket closed' in log
    got = [entry for entry in log if entry != 'parent socket closed']
    assert got == ['socket taken', {'echo': 'after the socket'}, b'child read hello']


def test_keep_open_leaves_the_socket_usable_here(tmp_path, run_loop):
    child = fork_worker(tmp_path)
    log = []
    kept = []

    def on_connection(sock):
        kept.append(sock)
        child.send('socket', sock, {'keepOpen': True})
        server.close()

    def on_message(message):
        log.append(message)
        sock = kept[0]
        assert not sock.destroyed
        sock.end(b'parent still here\n')
        child.send({'cmd': 'disconnect'})
    server = net.createServer(on_connection)
    child.on('message', on_message)

    def listening():
        client = net.connect(server.address().port, '127.0.0.1')
        client.on('data', log.append)
    server.listen(0, '127.0.0.1', listening)
    run_loop(15)
    assert log == ['socket taken', b'parent still here\n']


def test_server_not_listening_is_sent_without_a_handle(tmp_path, run_loop):
    """Node: a handle that has no native handle goes as the bare message."""
    child = fork_worker(tmp_path)
    got = []
    child.on('message', lambda message: (got.append(message), child.send({'cmd': 'disconnect'})))
    child.send('idle server', net.createServer())
    run_loop(15)
    assert got == [{'echo': 'idle server'}]


def test_disconnect_waits_for_messages_queued_behind_a_handle(tmp_path, run_loop):
    """Node: disconnect() while a handle awaits its ACK closes the channel
    only once the queued messages have been sent."""
    child = fork_worker(tmp_path)
    log = []

    def on_connection(sock):
        child.send('socket', sock)
        # (The child does not answer it: its channel is closing.)
        child.send({'cmd': 'quiet'}, lambda err: log.append(('sent', err)))
        child.disconnect()
        server.close()
    server = net.createServer(on_connection)

    def listening():
        client = net.connect(server.address().port, '127.0.0.1')
        client.write(b'x')
        client.on('data', log.append)
    server.listen(0, '127.0.0.1', listening)
    child.on('disconnect', lambda: log.append('disconnect'))
    run_loop(15)
    assert ('sent', None) in log and 'disconnect' in log
    assert log.index(('sent', None)) < log.index('disconnect')
    assert b'child read x' in log
    assert child.exitCode == 0


def test_unix_socket_connection_handed_to_child(tmp_path, run_loop):
    child = fork_worker(tmp_path)
    path = str(tmp_path / 'app.sock')
    got = []

    def on_connection(sock):
        child.send('socket', sock)
        server.close()
    server = net.createServer({'pauseOnConnect': True}, on_connection)

    def on_message(message):
        got.append(message)
        client.write(b'over a pipe')
    child.on('message', on_message)
    server.listen(path)
    client = net.connect(path)
    client.on('data', lambda data: (got.append(data), child.send({'cmd': 'disconnect'})))
    run_loop(15)
    assert got == ['socket taken', b'child read over a pipe']
