"""Server behaviours pinned to Node 20 (issue 9): listen's argument forms,
close() during a lookup or with a non-function, socket.server in 'close'."""
import time

import pytest

import pyuvnet as net
from support import event_names, record_events


def test_close_before_the_host_lookup_completes_cancels_the_listen(run_loop):
    """Node 20: const s = net.createServer(); s.listen(0, 'localhost', cb);
    s.close() -- no 'listening', s.listening is false, and the process
    exits at once (Node's _listeningId)."""
    server = net.createServer()
    log = record_events(server, [], ('listening', 'close', 'error'))
    server.listen(0, 'localhost', lambda: log.append(('callback',)))
    server.close()
    assert server.listening is False
    started = time.monotonic()
    run_loop(timeout=3)
    assert time.monotonic() - started < 1.5
    assert event_names(log) == ['close']
    assert server.listening is False


@pytest.mark.parametrize('options, reason', [
    ({'path': -1}, 'is invalid'),
    ({'path': ''}, 'is invalid'),
    ({'path': '80'}, 'is invalid'),
    ({'port': True}, 'is invalid'),
    ({'host': {'port': 3000}}, 'must have the property "port" or "path"'),
])
def test_listen_options_without_a_usable_port_or_path(options, reason):
    """Node 20: net.createServer().listen({path: -1}) throws
    ERR_INVALID_ARG_VALUE "The argument 'options' is invalid. Received {
    path: -1 }"; listen({host: {port: 3000}}) "... must have the property
    "port" or "path"."."""
    with pytest.raises(net.NodeError) as info:
        net.createServer().listen(options)
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert "The argument 'options' %s." % reason in str(info.value)


@pytest.mark.parametrize('host', [{}, 5])
def test_listen_options_host_must_be_a_string(host):
    """Node 20: listen({port: 0, host: {}}) and {port: 0, host: 5} throw
    ERR_INVALID_ARG_TYPE 'The "hostname" argument must be of type string'."""
    with pytest.raises(net.NodeError) as info:
        net.createServer().listen({'port': 0, 'host': host})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert '"hostname" argument' in str(info.value)


@pytest.mark.parametrize('args', [(127,), ({},), (True,), (-3,), (5.5,)])
def test_a_non_string_where_the_host_goes_is_no_host(run_loop, args):
    """Node 20: server.listen(0, 127, cb) listens on the unspecified address
    ('::') with backlog 127; listen(0, {}), (0, true), (0, -3), (0, 5.5)
    listen there too."""
    server = net.createServer()
    got = []
    server.listen(0, *args, lambda: (got.append(server.address()), server.close()))
    run_loop()
    assert got[0]['address'] in ('::', '0.0.0.0')


@pytest.mark.parametrize('backlog', ['x', -1, None])
def test_a_bad_positional_backlog_is_the_default(run_loop, backlog):
    """Node 20: server.listen(0, '127.0.0.1', 'x') and (0, '127.0.0.1', -1)
    listen (Node's toNumber(): anything but a number >= 0 is no backlog)."""
    server = net.createServer()
    got = []
    server.listen(0, '127.0.0.1', backlog, lambda: (got.append(server.address()), server.close()))
    run_loop()
    assert got[0]['address'] == '127.0.0.1'


@pytest.mark.parametrize('not_a_function', [5, 'x', {}])
def test_close_with_a_non_function_still_closes(run_loop, not_a_function):
    """Node 20: s.listen(0, 127, () => { s.close(5); }) -- the argument is
    ignored, the server closes and emits 'close'."""
    server = net.createServer()
    log = record_events(server, [], ('close',))
    server.listen(0, '127.0.0.1', lambda: server.close(not_a_function))
    run_loop()
    assert event_names(log) == ['close']
    assert server.listening is False


def test_an_accepted_socket_keeps_its_server_in_its_close_listener(listening_server, run_loop):
    """Node 20: net.createServer(c => { c.on('close', () => console.log(
    !!c.server)); c.destroy(); }) prints true."""
    seen = []

    def on_connection(sock):
        sock.on('close', lambda _: (seen.append(sock.server), server.close()))
        sock.destroy()
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.on('error', lambda err: None)
    client.resume()
    run_loop()
    assert seen == [server]


def test_the_server_counts_the_connection_gone_before_close_listeners(listening_server, run_loop):
    """Node 20 decrements server._connections in _destroy, before the
    socket's 'close': getConnections() from a 'close' listener answers 0."""
    counts = []

    def on_connection(sock):
        sock.on('close', lambda _: server.getConnections(
            lambda err, n: (counts.append(n), server.close())))
        sock.destroy()
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.on('error', lambda err: None)
    client.resume()
    run_loop()
    assert counts == [0]


def test_a_server_shows_its_connection_options_as_node_fields():
    """Node 20's Server keeps its options as plain fields:
    createServer({keepAliveInitialDelay: 2500, keepAlive: 1, noDelay: 'x'})
    reads 2 (whole seconds), true, true; pauseOnConnect and allowHalfOpen
    false when not given; highWaterMark the default of the server's birth,
    and a negative one is the default."""
    server = net.createServer({'keepAliveInitialDelay': 2500, 'keepAlive': 1, 'noDelay': 'x'})
    assert (server.keepAliveInitialDelay, server.keepAlive, server.noDelay,
            server.pauseOnConnect, server.allowHalfOpen) == (2, True, True, False, False)
    default = net.stream.getDefaultHighWaterMark(False)
    assert net.createServer({'highWaterMark': -5}).highWaterMark == default
    born_before = net.createServer()
    net.stream.setDefaultHighWaterMark(False, 1000)
    try:
        assert (born_before.highWaterMark, net.createServer().highWaterMark) == (default, 1000)
    finally:
        net.stream.setDefaultHighWaterMark(False, default)


def test_a_server_field_set_after_creation_holds_for_later_connections(run_loop):
    """Node 20: const t = net.createServer(); t.allowHalfOpen = true;
    t.highWaterMark = 1000 -- the connection accepted after has
    allowHalfOpen true and a readableHighWaterMark of 1000 (the server's
    onconnection reads its fields)."""
    server = net.createServer()
    server.allowHalfOpen = True
    server.highWaterMark = 1000
    server.keepAliveInitialDelay = 3
    seen = []

    def connection(sock):
        seen.append((sock.allowHalfOpen, sock.readableHighWaterMark, sock.writableHighWaterMark))
        sock.destroy()
        server.close()
    server.on('connection', connection)
    server.listen(0, '127.0.0.1', lambda: net.connect(server.address().port).on('error', lambda e: None))
    run_loop()
    assert seen == [(True, 1000, 1000)]
    assert server.keepAliveInitialDelay == 3
