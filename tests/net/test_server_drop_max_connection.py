"""server.dropMaxConnection (Node 22.12): the cluster-mode switch, and what a
server outside a cluster does with connections over maxConnections.

Node 20 lacks the property (``new net.Server().dropMaxConnection`` is
undefined there); pinned to the newest doc/api/net.md (server.maxConnections,
server.dropMaxConnection) and Node's test-cluster-net-server-drop-connection.js.
"""
import pytest

import pyuvnet as net


def test_drop_max_connection_defaults_to_false_and_keeps_what_is_set():
    """net.md server.dropMaxConnection, Type: {boolean}, "Set this property
    to true to begin closing connections"; Node keeps the property as set
    and does not check it."""
    server = net.createServer()
    assert server.dropMaxConnection is False
    server.dropMaxConnection = True
    assert server.dropMaxConnection is True and server.drop_max_connection is True
    server.drop_max_connection = 0
    assert server.dropMaxConnection == 0
    assert net.createServer().dropMaxConnection is False


@pytest.mark.parametrize('drop_max_connection', [False, True])
def test_outside_a_cluster_a_connection_over_the_limit_is_closed_with_drop(
        drop_max_connection, listening_server, run_loop):
    """net.md server.maxConnections: "If the process is not running in
    cluster mode, Node.js will close the connection", dropMaxConnection
    being "only effective in cluster mode". As in
    test-cluster-net-server-drop-connection.js, with maxConnections = 0 and
    dropMaxConnection = true the connection is dropped with 'drop':

        server.maxConnections = 0;
        server.dropMaxConnection = true;
        server.on('drop', common.mustCall(...));
    """
    connections, drops, client_events = [], [], []
    server, port = listening_server(connections.append)
    server.maxConnections = 0
    server.dropMaxConnection = drop_max_connection
    server.on('drop', drops.append)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('error', lambda error: client_events.append('error'))
    client.on('close', lambda had_error: (client_events.append('close'), server.close()))
    run_loop()
    assert connections == []
    assert len(drops) == 1 and drops[0].localPort == port
    assert client_events[-1] == 'close'
