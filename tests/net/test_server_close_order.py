"""A closing server's 'close' against its last connection's 'close', as
Node 20 orders them: the connection leaves the server's count when it is
destroyed, the server emits 'close' a tick later, and the connection's own
'close' comes after that, from its handle's close callback.

The Node script every case below was pinned with (Node 20.x):

    const net = require('net');
    const log = [];
    const server = net.createServer({ allowHalfOpen }, (sock) => {
      sock.on('end', () => log.push('sock end'));
      sock.on('error', (e) => log.push('sock error ' + e.code));
      sock.on('close', () => log.push('sock close'));
      server.close(() => log.push('close cb'));
      server.on('close', () => log.push('server close'));
      // after 20 ms, one of: client.end(), client.destroy(),
      // client.resetAndDestroy(), sock.destroy(), sock.end() (the client
      // answers its 'end' with end()), sock.resetAndDestroy()
    });
    server.listen(0, '127.0.0.1', () => {
      client = net.connect(server.address().port, '127.0.0.1');
    });

printed, with allowHalfOpen false and true alike (but for the client's FIN
under allowHalfOpen, which leaves the connection open: only 'sock end'):

    client-end              ["sock end","close cb","server close","sock close"]
    client-destroy          ["sock end","close cb","server close","sock close"]
    client-resetAndDestroy  ["sock error ECONNRESET","close cb","server close","sock close"]
    server-destroy          ["close cb","server close","sock close"]
    server-end              ["sock end","close cb","server close","sock close"]
    server-resetAndDestroy  ["close cb","server close","sock close"]
"""
import os

import pytest

import pyuvnet as net

HOW_THE_LAST_CONNECTION_ENDS = {
    'client-end': ['sock end', 'close cb', 'server close', 'sock close'],
    'client-destroy': ['sock end', 'close cb', 'server close', 'sock close'],
    'client-resetAndDestroy': ['sock error ECONNRESET', 'close cb', 'server close', 'sock close'],
    'server-destroy': ['close cb', 'server close', 'sock close'],
    'server-end': ['sock end', 'close cb', 'server close', 'sock close'],
    'server-resetAndDestroy': ['close cb', 'server close', 'sock close'],
}


def connect_one_client(server, address, on_client):
    """Connect a client to ``server`` once it listens on ``address`` (a
    port on 127.0.0.1 or a path); ``on_client(client)`` gets it."""
    def listening():
        if isinstance(address, int):
            client = net.connect(server.address()['port'], '127.0.0.1')
        else:
            client = net.connect(address)
        client.on('error', lambda err: None)
        client.resume()
        on_client(client)
    if isinstance(address, int):
        server.listen(address, '127.0.0.1', listening)
    else:
        server.listen(address, listening)


def close_logging(server, log):
    """server.close(cb), and a 'close' listener: 'close cb' and 'server
    close' go to ``log`` in the order they come."""
    server.close(lambda *args: log.append('close cb'))
    server.on('close', lambda: log.append('server close'))


# The peer's FIN leaves a half-open connection open: no 'close' to order.
CASES = [(how, allow_half_open) for how in sorted(HOW_THE_LAST_CONNECTION_ENDS)
         for allow_half_open in (False, True)
         if not (allow_half_open and how in ('client-end', 'client-destroy'))]


@pytest.mark.parametrize('how, allow_half_open', CASES)
def test_a_closing_server_emits_close_before_its_last_connections_close(
        how, allow_half_open, run_loop):
    """See the module's docstring for the Node script and its output."""
    log = []
    clients = []

    def on_connection(sock):
        sock.on('end', lambda: log.append('sock end'))
        sock.on('error', lambda err: log.append('sock error ' + err.code))
        sock.on('close', lambda had_error: log.append('sock close'))
        close_logging(server, log)
        side, action = how.split('-')
        target = sock if side == 'server' else clients[0]
        net.setTimeout(getattr(target, action), 20)

    server = net.createServer({'allowHalfOpen': allow_half_open}, on_connection)

    def on_client(client):
        clients.append(client)
        client.on('end', lambda: client.end() if how == 'server-end' else None)
    connect_one_client(server, 0, on_client)
    run_loop()
    assert log == HOW_THE_LAST_CONNECTION_ENDS[how]


def test_a_closing_server_emits_close_between_its_connections_close_events(run_loop):
    """Node 20: two connections, server.close() when the second arrives,
    then the first destroyed after 10 ms and the second after 30 ms:
    ["sock1 close","close cb","server close","sock2 close"]."""
    log = []
    accepted = []

    def on_connection(sock):
        accepted.append(sock)
        number = len(accepted)
        sock.on('close', lambda had_error: log.append('sock%d close' % number))
        if number == 2:
            close_logging(server, log)
            net.setTimeout(accepted[0].destroy, 10)
            net.setTimeout(accepted[1].destroy, 30)

    server = net.createServer(on_connection)

    def listening():
        for _ in range(2):
            client = net.connect(server.address()['port'], '127.0.0.1')
            client.on('error', lambda err: None)
            client.resume()
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert log == ['sock1 close', 'close cb', 'server close', 'sock2 close']


def test_a_closing_pipe_server_emits_close_before_its_last_connections_close(sockdir, run_loop):
    """Node 20, a server on a unix socket path, server.close() in the
    connection listener, the accepted socket destroyed after 10 ms:
    ["close cb","server close","sock close"]."""
    log = []

    def on_connection(sock):
        sock.on('close', lambda had_error: log.append('sock close'))
        close_logging(server, log)
        net.setTimeout(sock.destroy, 10)

    server = net.createServer(on_connection)
    connect_one_client(server, os.path.join(sockdir, 's'), lambda client: None)
    run_loop()
    assert log == ['close cb', 'server close', 'sock close']


def test_a_closing_server_emits_close_between_its_last_connections_error_and_close(run_loop):
    """Node 20, server.close() in the connection listener, then
    sock.destroy(new Error('boom')) after 10 ms:
    ["sock error boom","close cb","server close","sock close true"]."""
    log = []

    def on_connection(sock):
        sock.on('error', lambda err: log.append('sock error %s' % err))
        sock.on('close', lambda had_error: log.append('sock close %s' % had_error))
        close_logging(server, log)
        net.setTimeout(lambda: sock.destroy(Exception('boom')), 10)

    server = net.createServer(on_connection)
    connect_one_client(server, 0, lambda client: None)
    run_loop()
    assert log == ['sock error boom', 'close cb', 'server close', 'sock close True']


def test_close_right_after_destroying_the_last_connection_emits_close_before_its_close(run_loop):
    """Node 20: s.destroy(); server.close(cb) (a 'close' listener added
    before): ["destroyed","close() returned","server close","close cb",
    "sock close"]."""
    log = []

    def destroy_then_close(sock):
        sock.destroy()
        log.append('destroyed')
        server.close(lambda *args: log.append('close cb'))
        log.append('close() returned')

    def on_connection(sock):
        sock.on('close', lambda had_error: log.append('sock close'))
        server.on('close', lambda: log.append('server close'))
        net.setTimeout(lambda: destroy_then_close(sock), 10)

    server = net.createServer(on_connection)
    connect_one_client(server, 0, lambda client: None)
    run_loop()
    assert log == ['destroyed', 'close() returned', 'server close', 'close cb', 'sock close']


def test_get_connections_right_after_destroy_counts_the_connection_gone(run_loop):
    """Node 20: s.destroy(); server.getConnections((e, n) => ...);
    server.close(): ["count 0","sock close"]."""
    log = []

    def destroy_then_count(sock):
        sock.destroy()
        server.getConnections(lambda err, n: log.append('count %d' % n))
        server.close()

    def on_connection(sock):
        sock.on('close', lambda had_error: log.append('sock close'))
        net.setTimeout(lambda: destroy_then_count(sock), 10)

    server = net.createServer(on_connection)
    connect_one_client(server, 0, lambda client: None)
    run_loop()
    assert log == ['count 0', 'sock close']


def test_a_closing_tls_server_emits_close_before_its_last_connections_close(
        tls_server, tls_certs, run_loop):
    """Node 20: tls.createServer({key, cert}, (s) => { s.on('close', ...);
    server.close(cb); server.on('close', ...); setTimeout(() => s.destroy(),
    10); }) with a client connected: ["close cb","server close","sock close"]."""
    from pyuvnet import tls
    log = []

    def on_secure(sock):
        sock.on('close', lambda had_error: log.append('sock close'))
        close_logging(server, log)
        net.setTimeout(sock.destroy, 10)

    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', {'ca': tls_certs.ca})
    client.on('error', lambda err: None)
    client.resume()
    run_loop()
    assert log == ['close cb', 'server close', 'sock close']
