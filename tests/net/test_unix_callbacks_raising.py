"""Exceptions from the code a unix connection's callbacks run: the read
callback's delivery and EOF, the listener's accept, our FIN's 'finish' and
the handle's 'close' (which test their C helpers' -1 themselves, without a
try block).  Node has no equivalent
(an uncaught exception ends the process); here run() raises it and the
connection carries on at the next run().  A unix socket's reads are
delivered from the read callback itself (TCP's wait for the poll's end)."""
import os

import pytest

import pyuvnet as net


def _unix_pair(sockdir, on_connection):
    path = os.path.join(sockdir, 'raising.sock')
    server = net.createServer(on_connection)
    server.listen(path)
    return server, net.connect(path)


def test_a_data_listener_raising_leaves_the_connection_reading(run_loop, sockdir):
    seen = []

    def on_connection(sock):
        def on_data(chunk):
            seen.append(chunk)
            if len(seen) == 1:
                client.write(b'two')
                raise ValueError('first chunk')
            sock.end(chunk)
        sock.on('data', on_data)

    server, client = _unix_pair(sockdir, on_connection)
    echoed = []
    client.on('data', echoed.append)
    client.on('end', server.close)
    client.write(b'one')
    with pytest.raises(ValueError, match='first chunk'):
        run_loop()
    run_loop()
    assert seen == [b'one', b'two']
    assert echoed == [b'two']


def test_an_end_listener_raising_still_closes_the_connection(run_loop, sockdir):
    events = []

    def on_connection(sock):
        sock.on('data', events.append)
        sock.on('end', lambda: (events.append('end'), sock.end(), raise_from_end()))
        sock.on('close', lambda had_error: (events.append('close'), server.close()))

    def raise_from_end():
        raise ValueError('at the end')

    server, client = _unix_pair(sockdir, on_connection)
    client.end(b'last')
    with pytest.raises(ValueError, match='at the end'):
        run_loop()
    run_loop()
    assert events == [b'last', 'end', 'close']


def test_a_finish_listener_raising_is_raised_by_run(run_loop, sockdir):
    accepted = []

    def on_connection(sock):
        accepted.append(sock)
        sock.on('finish', lambda: raise_from_finish(sock))
        sock.end(b'bye')

    def raise_from_finish(sock):
        raise ValueError('finish %s' % sock.writableFinished)

    server, client = _unix_pair(sockdir, on_connection)
    received = []
    client.on('data', received.append)
    with pytest.raises(ValueError, match='finish True'):
        run_loop()
    client.destroy()
    accepted[0].destroy()
    server.close()
    run_loop()
    assert received == [b'bye']


def test_a_close_listener_raising_is_raised_by_run(run_loop, sockdir):
    def on_connection(sock):
        sock.on('close', lambda had_error: (server.close(), raise_from_close()))

    def raise_from_close():
        raise ValueError('close')

    server, client = _unix_pair(sockdir, on_connection)
    client.end()
    with pytest.raises(ValueError, match='close'):
        run_loop()
    run_loop()
    assert client.destroyed


def test_a_connection_listener_raising_keeps_its_connection(run_loop, sockdir):
    def on_connection(sock):
        sock.on('data', lambda chunk: (sock.end(chunk), server.close()))
        raise ValueError('from the connection listener')

    server, client = _unix_pair(sockdir, on_connection)
    echoed = []
    client.on('data', echoed.append)
    client.write(b'kept')
    with pytest.raises(ValueError, match='from the connection listener'):
        run_loop()
    run_loop()
    assert echoed == [b'kept']


def test_a_socket_failing_to_be_made_refuses_only_its_connection(run_loop, sockdir):
    # The pipe twin of tests/loop/test_signals.py's TCP case: the pending
    # connection is accepted and closed, and the next one is served.
    made = []

    class FailingOnce(net.Socket):
        def __new__(cls, *args, **kwargs):
            made.append(1)
            if len(made) == 1:
                raise ValueError('no socket')
            return super().__new__(cls, *args, **kwargs)

    server, refused = _unix_pair(
        sockdir, lambda sock: sock.on('data', lambda chunk: (sock.end(chunk), server.close())))
    server._set_accept_options(FailingOnce, server._options)
    refused_events = []
    refused.on('end', lambda: refused_events.append('end'))
    refused.on('close', lambda had_error: refused_events.append('close'))
    with pytest.raises(ValueError, match='no socket'):
        run_loop()
    client = net.connect(server.address())
    echoed = []
    client.on('data', echoed.append)
    client.write(b'served')
    run_loop()
    assert echoed == [b'served']
    assert refused_events == ['end', 'close']
