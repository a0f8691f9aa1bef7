"""net.Socket over TCP through a connection's life: connecting, pending,
readyState, destroyed and the ended and finished flags, the byte counters,
ref()/unref() and repr(), half-open on the client side (allowHalfOpen)
and a long ping-pong on one connection."""
import pyuvnet as net


# -- state properties -----------------------------------------------------------

def test_connecting_pending_ready_state_transitions(listening_server, run_loop):
    states = []

    def snap(label, s):
        states.append((label, s.connecting, s.pending, s.readyState, s.destroyed))

    def on_connection(sock):
        snap('server new', sock)
        sock.resume()
        sock.on('end', lambda: (snap('server end', sock), sock.end()))
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.Socket()
    assert client.connecting is False
    assert client.pending is True
    assert client.destroyed is False
    client.connect(port, '127.0.0.1')
    snap('client connecting', client)

    def on_connect():
        snap('client connect', client)
        client.end()
        snap('client after end', client)
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: (snap('client close', client), server.close()))
    run_loop()
    d = {label: rest for label, *rest in states}
    assert d['client connecting'] == [True, True, 'opening', False]
    assert d['client connect'] == [False, False, 'open', False]
    assert d['client after end'] == [False, False, 'readOnly', False]
    assert d['server new'] == [False, False, 'open', False]
    # allowHalfOpen: after the peer's FIN the server side can still write.
    assert d['server end'] == [False, False, 'writeOnly', False]
    assert d['client close'][2:] == ['closed', True]


def test_destroyed_is_set_at_once_close_follows_later(listening_server, run_loop):
    server, port = listening_server()
    events = []
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        ret = client.destroy()
        assert ret is client
        assert client.destroyed is True
        events.append('destroyed')
    client.on('connect', on_connect)
    client.on('close', lambda had_error: (events.append(('close', had_error)), server.close()))
    run_loop()
    assert events == ['destroyed', ('close', False)]
    assert client.readyState == 'closed'


def test_writable_ended_finished_and_readable_ended(listening_server, run_loop):
    seen = []
    server, port = listening_server(lambda sock: sock.resume())
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        seen.append(('before end', client.writableEnded, client.writableFinished))
        client.end(b'bye')
        seen.append(('after end', client.writableEnded, client.writableFinished))
    client.on('connect', on_connect)
    client.on('finish', lambda: seen.append(('finish', client.writableEnded, client.writableFinished)))
    client.on('end', lambda: seen.append(('end', client.readableEnded)))
    client.resume()
    client.on('close', lambda _: server.close())
    assert client.readableEnded is False
    run_loop()
    assert seen[:3] == [('before end', False, False), ('after end', True, False),
                        ('finish', True, True)]
    assert ('end', True) in seen


# -- byte counters ---------------------------------------------------------------

def test_bytes_written_and_bytes_read_count_bytes_not_characters(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        sock.resume()
        sock.on('end', lambda: seen.update(server_read=sock.bytesRead))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    assert client.bytesWritten == 0 and client.bytesRead == 0

    def on_connect():
        client.write('é')                   # 2 bytes in UTF-8
        client.write('€', 'utf8')           # 3
        client.write('ff00', 'hex')         # 2
        client.write('é', 'latin1')         # 1
        client.write(b'abc')                # 3
        seen['client_written_now'] = client.bytesWritten
        client.end()
    client.on('connect', on_connect)
    client.resume()
    client.on('close', lambda _: (seen.update(client_written=client.bytes_written), server.close()))
    run_loop()
    assert seen['client_written_now'] == 11
    assert seen['client_written'] == 11
    assert seen['server_read'] == 11


def test_bytes_read_on_the_client(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end('ü' * 10))
    client = net.connect(port, '127.0.0.1')
    client.setEncoding('utf8')
    text = []
    client.on('data', text.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert ''.join(text) == 'ü' * 10
    assert client.bytesRead == 20


# -- ref / unref -------------------------------------------------------------------

def test_unrefed_connection_lets_run_return_and_keeps_working(listening_server, run_loop):
    accepted = []
    # Keeps the loop alive until both ends are up; then only the unref'd
    # server and sockets remain.
    hold = net.setInterval(lambda: None, 5)

    def both_up():
        if accepted and client.remotePort is not None:
            net.clearInterval(hold)

    def on_connection(sock):
        accepted.append(sock)
        sock.unref()
        sock.on('data', sock.write)
        both_up()
    server, port = listening_server(on_connection)
    server.unref()
    client = net.connect(port, '127.0.0.1', both_up)
    assert client.unref() is client      # before connect: applied once connected
    run_loop()                           # nothing ref'd: returns while connected
    assert len(accepted) == 1
    assert client.destroyed is False and accepted[0].destroyed is False
    # ref() again: the connection is alive and the loop runs until it ends.
    got = []
    assert client.ref() is client
    client.on('data', lambda d: (got.append(d), client.end()))
    client.write(b'echo me')
    client.on('close', lambda _: server.close())
    run_loop()
    assert b''.join(got) == b'echo me'


def test_repr_does_not_fail(listening_server, run_loop):
    server, port = listening_server()
    client = net.Socket()
    repr(client)
    client.connect(port, '127.0.0.1', lambda: (repr(client), client.destroy(), server.close()))
    repr(client)
    repr(server)
    run_loop()
    repr(client)


# -- half-open on the client side ------------------------------------------------

def test_client_allow_half_open_keeps_writing_after_server_fin(listening_server, run_loop):
    received = []

    def on_connection(sock):
        sock.on('data', received.append)
        sock.end(b'server is done talking')
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection, allowHalfOpen=True)
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'allowHalfOpen': True})
    client.on('data', lambda d: log.append(d))

    def on_end():
        log.append(('end', client.writable, client.readyState))
        net.setTimeout(lambda: client.end(b'client still talking'), 30)
    client.on('end', on_end)
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert log[0] == b'server is done talking'
    assert log[1] == ('end', True, 'writeOnly')
    assert log[-1] == ('close', False)
    assert b''.join(received) == b'client still talking'


def test_client_without_allow_half_open_ends_when_the_server_does(listening_server, run_loop):
    server_log = []

    def on_connection(sock):
        sock.resume()
        sock.on('end', lambda: server_log.append('end'))
        sock.on('close', lambda _: (server_log.append('close'), server.close()))
        sock.end(b'bye')
    server, port = listening_server(on_connection, allowHalfOpen=True)
    client = net.connect(port, '127.0.0.1')
    client.resume()
    log = []
    client.on('end', lambda: log.append('end'))
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    run_loop()
    assert log == ['end', 'finish', ('close', False)]
    assert server_log == ['end', 'close']


def test_ping_pong_on_one_connection(listening_server, run_loop):
    rounds = 500

    def on_connection(sock):
        sock.setEncoding('ascii')
        sock.on('data', lambda d: sock.write('PONG' * d.count('PING')))
        sock.on('end', lambda: (sock.end(), server.close()))
    server, port = listening_server(on_connection)
    state = {'pongs': 0, 'buf': ''}
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.setEncoding('ascii')
    client.on('connect', lambda: client.write('PING'))

    def on_data(d):
        state['buf'] += d
        while state['buf'].startswith('PONG'):
            state['buf'] = state['buf'][4:]
            state['pongs'] += 1
            if state['pongs'] < rounds:
                client.write('PING')
            else:
                client.end()
    client.on('data', on_data)
    run_loop(timeout=30)
    assert state['pongs'] == rounds
