"""The order of Socket and Server events, as Node emits them, and that no
event is ever emitted from inside the call that causes it."""
import pyuvnet as net


SOCKET_EVENTS = ('lookup', 'connect', 'ready', 'data', 'end', 'finish', 'drain', 'timeout',
                 'error', 'close')


def record(sock, log, prefix, events=SOCKET_EVENTS):
    """Append (prefix + event, args) for each event of ``sock`` to ``log``."""
    for name in events:
        sock.on(name, lambda *args, _n=name: log.append((prefix + _n, args)))


def names(log, prefix=''):
    return [n for n, _ in log if n.startswith(prefix)]


def collapse(seq):
    """Runs of the same name made one ('data', 'data' -> 'data')."""
    out = []
    for n in seq:
        if not out or out[-1] != n:
            out.append(n)
    return out


def test_client_lifecycle_order_connect_ready_finish_end_close(listening_server, run_loop):
    log = []
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')
    record(client, log, '')
    client.on('connect', lambda: client.end(b'bye'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log) == ['connect', 'ready', 'finish', 'end', 'close']
    assert log[-1] == ('close', (False,))


def test_server_side_order_data_end_finish_close(listening_server, run_loop):
    log = []

    def on_connection(sock):
        record(sock, log, '')
        sock.resume()
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'payload'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert collapse(names(log)) == ['data', 'end', 'finish', 'close']
    assert log[-1] == ('close', (False,))


def test_connect_listener_runs_before_ready(listening_server, run_loop):
    log = []
    server, port = listening_server(lambda sock: sock.end())
    client = net.connect(port, '127.0.0.1', lambda: log.append('connect listener'))
    client.on('connect', lambda: log.append('connect event'))
    client.on('ready', lambda: log.append('ready'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == ['connect listener', 'connect event', 'ready']


def test_lookup_comes_before_connect(listening_server, run_loop):
    log = []
    server = net.createServer(lambda sock: sock.end())

    def go():
        client = net.connect(server.address().port, 'localhost')
        record(client, log, '')
        client.resume()
        client.on('close', lambda _: server.close())
    server.listen(0, 'localhost', go)
    run_loop()
    assert names(log)[:3] == ['lookup', 'connect', 'ready']


def test_no_event_is_emitted_synchronously(listening_server, run_loop):
    log = []
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')
    record(client, log, '')

    def on_connect():
        mark = len(log)
        client.write(b'x', lambda *a: log.append(('write cb', a)))
        client.end()
        client.destroy()
        # Neither the write callback, 'finish' nor 'close' came from within.
        assert len(log) == mark
    client.once('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log)[-1] == 'close'


def test_listeners_added_right_after_destroy_still_get_close(listening_server, run_loop):
    server, port = listening_server()
    log = []

    def on_connect():
        client.destroy()
        client.on('close', lambda had_error: log.append(('close', had_error)))
    client = net.connect(port, '127.0.0.1', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == [('close', False)]


def test_close_is_emitted_exactly_once_even_if_destroyed_twice(listening_server, run_loop):
    server, port = listening_server()
    log = []
    client = net.connect(port, '127.0.0.1')
    record(client, log, '')

    def on_connect():
        client.destroy()
        client.destroy()
        client.end()
        client.destroy(RuntimeError('late'))   # already destroyed: ignored
    client.on('connect', on_connect)
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log).count('close') == 1
    assert 'error' not in names(log)
    assert ('close', (False,)) in log


def test_destroy_with_error_emits_error_then_close_true(listening_server, run_loop):
    server, port = listening_server()
    log = []
    boom = RuntimeError('boom')
    client = net.connect(port, '127.0.0.1', lambda: client.destroy(boom))
    record(client, log, '')
    client.on('close', lambda _: server.close())
    run_loop()
    assert names(log) == ['connect', 'ready', 'error', 'close']
    assert log[2][1][0] is boom
    assert log[3] == ('close', (True,))


def test_destroy_emits_neither_end_nor_finish(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.write(b'some data'))
    log = []
    client = net.connect(port, '127.0.0.1')
    record(client, log, '')
    client.on('data', lambda d: client.destroy())
    client.on('close', lambda _: server.close())
    run_loop()
    assert 'end' not in names(log)
    assert 'finish' not in names(log)
    assert names(log)[-1] == 'close'


def test_failed_connect_emits_error_then_close_true_and_no_connect(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    port = server.address().port
    log = []

    def connect_to_closed_port(*_):
        client = net.connect(port, '127.0.0.1')
        record(client, log, '')
    server.close(connect_to_closed_port)
    run_loop()
    assert names(log) == ['error', 'close']
    assert log[1] == ('close', (True,))


def test_end_after_last_data_then_close(listening_server, run_loop):
    log = []
    payload = b'z' * 300000

    def on_connection(sock):
        sock.end(payload)
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    record(client, log, '')
    client.on('close', lambda _: server.close())
    run_loop()
    seq = collapse(n for n in names(log) if n not in ('finish',))
    assert seq == ['connect', 'ready', 'data', 'end', 'close']
    assert b''.join(a[0] for n, a in log if n == 'data') == payload


def test_write_callbacks_in_order_before_finish(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    log = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        for i in range(5):
            client.write(b'chunk %d' % i, lambda *a, _i=i: log.append('cb%d' % _i))
        client.end(lambda *a: log.append('end cb'))
    client.on('connect', on_connect)
    client.on('finish', lambda: log.append('finish'))
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert log[:5] == ['cb0', 'cb1', 'cb2', 'cb3', 'cb4']
    assert set(log[5:]) == {'finish', 'end cb'}


def test_server_close_event_after_its_last_connection_ends_before_its_close(
        listening_server, run_loop):
    """Node 20: server.close() in the connection listener, sock.end()
    after 20 ms: the server's 'close' comes after the connection ended and
    before the connection's 'close' (more cases in test_server_close_order.py)."""
    log = []

    def on_connection(sock):
        sock.on('close', lambda _: log.append('connection close'))
        server.close()
        net.setTimeout(sock.end, 20)
    server, port = listening_server(on_connection)
    server.on('close', lambda: log.append('server close'))
    client = net.connect(port, '127.0.0.1')
    client.resume()
    run_loop()
    assert log == ['server close', 'connection close']


def test_listening_connection_and_client_connect_all_happen(listening_server, run_loop):
    log = []
    server = net.createServer()
    server.on('listening', lambda: log.append('listening'))
    server.on('connection', lambda sock: (log.append('connection'), sock.end()))
    server.listen(0, '127.0.0.1')
    client = net.connect(server.address().port, '127.0.0.1', lambda: log.append('client connect'))
    client.resume()
    client.on('close', lambda _: (log.append('client close'), server.close()))
    run_loop()
    assert log[0] == 'listening'
    assert sorted(log[1:3]) == ['client connect', 'connection']
    assert log[-1] == 'client close'


def test_error_listener_runs_before_close_listener_with_the_same_error(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    port = server.address().port
    log = []

    def go(*_):
        client = net.connect(port, '127.0.0.1')
        client.on('error', lambda err: log.append(('error', err.code)))
        client.on('close', lambda had_error: log.append(('close', had_error)))
    server.close(go)
    run_loop()
    assert log == [('error', 'ECONNREFUSED'), ('close', True)]


def test_end_listener_ticks_microtasks_and_immediates_around_finish_and_close(
        listening_server, run_loop):
    # Node 20: data, data-tick, end (writableEnded false), end-tick,
    # end-micro, finish, end-immediate, close.  'end' follows the peer's
    # FIN from its own read callback, a tick after it, whether or not
    # anything else was queued then.
    log = []

    def on_connection(sock):
        def on_data(_data):
            log.append('data')
            net.nextTick(lambda: log.append('data-tick'))

        def on_end():
            log.append('end %s' % sock.writableEnded)
            net.nextTick(lambda: log.append('end-tick'))
            net.queueMicrotask(lambda: log.append('end-micro'))
            net.setImmediate(lambda: log.append('end-immediate'))
        sock.on('data', on_data)
        sock.on('end', on_end)
        sock.on('finish', lambda: log.append('finish'))
        sock.on('close', lambda _: (log.append('close'), server.close()))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'x'))
    client.resume()
    run_loop()
    assert log == ['data', 'data-tick', 'end False', 'end-tick', 'end-micro', 'finish',
                   'end-immediate', 'close']


def test_end_listener_tick_writes_before_our_side_ends(listening_server, run_loop):
    # Node 20: end false, tick false, micro true, finish, close; the
    # client reads 'late'.  Without allowHalfOpen our side's end() waits
    # in the tick queue behind the 'end' listener's ticks (Node's
    # endWritableNT), ahead of its microtasks.
    log = []
    got = []

    def on_connection(sock):
        def on_end():
            log.append('end %s' % sock.writableEnded)

            def tick():
                log.append('tick %s' % sock.writableEnded)
                sock.write(b'late')
            net.nextTick(tick)
            net.queueMicrotask(lambda: log.append('micro %s' % sock.writableEnded))
        sock.on('end', on_end)
        sock.on('finish', lambda: log.append('finish'))
        sock.on('close', lambda _: (log.append('close'), server.close()))
        sock.resume()
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.on('data', got.append)
    run_loop()
    assert log == ['end False', 'tick False', 'micro True', 'finish', 'close']
    assert b''.join(got) == b'late'
