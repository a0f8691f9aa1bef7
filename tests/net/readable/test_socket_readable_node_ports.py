"""Node 20's test/parallel files on a socket's read side in paused mode:
each ported case was run under /usr/bin/node (v20.20) first, and the Node
file is named in each test."""
import pyuvnet as net


def test_a_socket_read_late_after_readable_still_ends_then_closes(listening_server, run_loop):
    """test-net-socket-close-after-end.js: once('readable'), read() 100 ms
    later; both sides end(b'foo'): the server's socket reads b'foo', then
    'end', then 'close' (Node 20's order)."""
    log = []

    def on_connection(sock):
        sock.once('readable', lambda: (
            log.append('readable'),
            net.setTimeout(lambda: log.append(('read', sock.read())), 100)))
        sock.on('end', lambda: log.append('end'))
        sock.on('close', lambda *args: (log.append('close'), server.close()))
        sock.end(b'foo')
    server, port = listening_server(on_connection)
    client = net.createConnection(port, '127.0.0.1', lambda: client.end(b'foo'))
    client.resume()
    run_loop()
    assert log == ['readable', ('read', b'foo'), 'end', 'close']


def test_pause_and_resume_before_connecting_decide_who_gets_data(listening_server, run_loop):
    """test-net-pause-resume-connecting.js: five clients call resume() and
    pause() before they connect; the three left flowing get 'data', the
    two left paused none (until their listeners are gone and they resume)."""
    connections = []

    def on_connection(sock):
        connections.append(sock)
        sock.end(b'This was the year he fell to pieces.')
        if len(connections) == 5:
            server.close()
    server, port = listening_server(on_connection)
    data_events = []

    def client(*calls):
        conn = net.createConnection(port, 'localhost')
        for call in calls:
            getattr(conn, call)()
        return conn

    def flowing(conn):
        conn.on('data', lambda chunk: data_events.append(chunk))

    def paused(conn):
        conn.on('data', lambda chunk: data_events.append(('paused client got', chunk)))

        def tear_down():
            conn.removeAllListeners('data')
            conn.resume()
        net.setTimeout(tear_down, 100)
    flowing(client('resume'))
    flowing(client('pause', 'resume'))
    paused(client('pause'))
    flowing(client('resume', 'pause', 'resume'))
    paused(client('resume', 'resume', 'pause'))
    run_loop()
    assert len(connections) == 5
    assert data_events == [b'This was the year he fell to pieces.'] * 3


def test_pause_on_connect_holds_the_data_until_resume(run_loop):
    """test-net-server-pause-on-connect.js: a pauseOnConnect server's
    socket reads nothing (bytesRead 0, readableFlowing False) until
    resume(); a second server without it reads at once."""
    log = []
    held = []

    def first(sock):
        held.append(sock)
        sock.on('data', lambda data: (log.append(('first data', data)), sock.end(),
                                      server1.close()))

    def second(sock):
        def on_data(data):
            log.append(('second data', data, held[0].bytesRead, held[0].readableFlowing))
            sock.end()
            server2.close()
            held[0].resume()
        sock.on('data', on_data)
    server1 = net.createServer({'pauseOnConnect': True}, first)
    server2 = net.createServer({'pauseOnConnect': False}, second)

    def then_second(*args):
        server2.listen(0, '127.0.0.1', lambda: net.createConnection(
            {'port': server2.address().port, 'host': '127.0.0.1'}).write(b'test'))
    server1.listen(0, '127.0.0.1', lambda: net.createConnection(
        {'port': server1.address().port, 'host': '127.0.0.1'}).write(b'test', then_second))
    run_loop()
    assert log == [('second data', b'test', 0, False), ('first data', b'test')]
