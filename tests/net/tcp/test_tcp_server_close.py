"""net.Server over TCP, stopping: close() (its callback and 'close' event,
waiting for the open connections, ERR_SERVER_NOT_RUNNING, listening again
afterwards) and ref()/unref() (whether a server keeps the loop running)
-- as Node's net documentation and its test-net-server-* tests describe
them."""
import pyuvnet as net
from pyuvnet import errors


# -- close() ---------------------------------------------------------------------

def test_close_returns_server_and_callback_runs_after_close_event(listening_server, run_loop):
    server, port = listening_server()
    events = []
    server.on('close', lambda: events.append('close event'))
    ret = server.close(lambda *args: events.append(('cb', args)))
    assert ret is server
    assert events == []       # not synchronous
    run_loop()
    assert events == ['close event', ('cb', ())]


def test_close_waits_for_open_connections(listening_server, run_loop):
    events = []

    def on_connection(sock):
        events.append('connection')
        server.close(lambda *a: events.append('server closed'))
        assert server.listening is False
        sock.on('close', lambda _: events.append('server socket closed'))
        # Keep the connection open a while: the server must wait.
        net.setTimeout(lambda: (events.append('ending'), sock.end()), 50)

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    client.on('end', lambda: events.append('client end'))
    run_loop()
    assert events.index('ending') < events.index('server closed')
    # Node's order (tests/net/test_server_close_order.py): the server's 'close'
    # before its last connection's.
    assert events.index('server closed') < events.index('server socket closed')
    assert events.count('server closed') == 1


def test_closed_server_refuses_new_connections(listening_server, run_loop):
    server, port = listening_server()
    errs = []

    def after_close(*_):
        client = net.connect(port, '127.0.0.1')
        client.on('error', errs.append)
    server.close(after_close)
    run_loop()
    assert len(errs) == 1
    assert errs[0].code == 'ECONNREFUSED'


def test_close_callback_gets_err_server_not_running_when_never_listened(run_loop):
    server = net.createServer()
    got = []
    server.on('close', lambda: got.append('close event'))
    server.close(lambda *args: got.append(args))
    assert got == []
    run_loop()
    errs = [a for a in got if isinstance(a, tuple)]
    assert len(errs) == 1 and len(errs[0]) == 1
    err = errs[0][0]
    assert isinstance(err, errors.ERR_SERVER_NOT_RUNNING)
    assert err.code == 'ERR_SERVER_NOT_RUNNING'
    assert isinstance(err, RuntimeError)


def test_second_close_callback_gets_err_server_not_running(listening_server, run_loop):
    server, port = listening_server()
    got = []
    server.close(lambda *args: got.append(('first', args)))
    server.close(lambda *args: got.append(('second', args)))
    run_loop()
    first = [args for name, args in got if name == 'first']
    second = [args for name, args in got if name == 'second']
    assert first == [()]
    assert len(second) == 1 and second[0][0].code == 'ERR_SERVER_NOT_RUNNING'


def test_listen_again_after_close(run_loop):
    server = net.createServer(lambda sock: sock.end('second life'))
    got = []
    server.listen(0, '127.0.0.1')
    first_port = server.address().port

    def relisten(*_):
        server.listen(0, '127.0.0.1', connect_to_it)

    def connect_to_it():
        client = net.connect(server.address().port, '127.0.0.1')
        client.on('data', got.append)
        client.on('close', lambda _: server.close())

    server.close(relisten)
    run_loop()
    assert b''.join(got) == b'second life'
    assert first_port > 0


def test_listen_again_on_the_same_port_after_close(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    port = server.address().port
    got = []

    def relisten(*_):
        server.listen(port, '127.0.0.1', lambda: (got.append(server.address().port), server.close()))
    server.close(relisten)
    run_loop()
    assert got == [port]


# -- ref / unref ---------------------------------------------------------------------

def test_unrefed_server_lets_run_return(listening_server, run_loop):
    server, port = listening_server()
    assert server.unref() is server
    run_loop()                       # would time out if the server kept it alive
    assert server.listening is True
    server.close()
    run_loop()


def test_unref_before_listen_applies_when_listening(run_loop):
    server = net.createServer()
    server.unref()
    server.listen(0, '127.0.0.1')
    run_loop()
    assert server.listening is True
    server.close()
    run_loop()


def test_ref_after_unref_keeps_the_loop_alive(listening_server, run_loop):
    server, port = listening_server()
    server.unref()
    assert server.ref() is server
    closed = []
    # Only this unref'd timer can end it: the loop must still be running.
    t = net.setTimeout(lambda: server.close(lambda *a: closed.append(True)), 50)
    t.unref()
    run_loop()
    assert closed == [True]


def test_unrefed_server_still_accepts_while_something_else_runs(listening_server, run_loop):
    got = []
    server, port = listening_server(lambda sock: sock.end(b'still here'))
    server.unref()
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    run_loop()
    assert b''.join(got) == b'still here'
    server.close()
    run_loop()
