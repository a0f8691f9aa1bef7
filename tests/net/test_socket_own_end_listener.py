"""Node's net.Socket constructor adds onReadableStreamEnd as every socket's
first 'end' listener (lib/net.js): with allowHalfOpen False it makes
write() after end() fail with EPIPE, "This socket has been ended by the
other party" (writeAfterFIN), where a Duplex's fails with
ERR_STREAM_WRITE_AFTER_END.  A program sees it in listeners('end') and may
remove it.  pyuvnet keeps it as a flag until something looks at 'end'
(EventEmitter._own_end_listener); each test pins what Node 20.20.2 did
with the same program (its log in the docstring)."""
import pytest

import pyuvnet as net


def test_a_new_socket_has_one_end_listener_first_in_line():
    """end5.js: a new socket's listeners('end') is [onReadableStreamEnd]
    and eventNames() ['end']; a program's 'end' listener comes after it,
    a prepended one before; allowHalfOpen sockets have it too; after
    removeAllListeners('end') (or removeAllListeners()) it is gone.
    (Node's eventNames() follows the order of a template its streams
    start from, where 'end' comes after 'error' and 'data'; pyuvnet's, the
    order events were first looked at: the same here while nothing looked
    at 'end' before the program's 'error' and 'data' listeners.)

        eventNames new [ 'end' ]
        eventNames after [ 'error', 'data', 'end' ]
        prepend [ 'pre', 'onReadableStreamEnd' ]
        removed 0 [ 'error', 'data' ]
        halfopen [ 'onReadableStreamEnd' ]
        all removed []
    """
    def user():
        pass

    def pre():
        pass
    sock = net.Socket()
    assert sock.eventNames() == ['end']
    assert sock.listenerCount('end') == 1
    own = sock.listeners('end')[0]
    assert own is sock.rawListeners('end')[0]
    assert own.__name__ == 'onReadableStreamEnd'
    sock.on('error', user)
    sock.on('data', user)
    sock.on('end', user)
    assert sock.listeners('end') == [own, user]

    fresh = net.Socket()
    fresh.on('error', user)
    fresh.on('data', user)
    assert fresh.eventNames() == ['error', 'data', 'end']
    fresh.prependListener('end', pre)
    assert fresh.listeners('end') == [pre, fresh.listeners('end')[1]]
    assert fresh.listenerCount('end') == 2
    fresh.removeAllListeners('end')
    assert fresh.listenerCount('end') == 0
    assert fresh.eventNames() == ['error', 'data']

    assert net.Socket({'allowHalfOpen': True}).listenerCount('end') == 1
    bare = net.Socket()
    bare.removeAllListeners()
    assert bare.eventNames() == []
    removed = net.Socket()
    removed.removeListener('end', removed.listeners('end')[0])
    assert removed.listenerCount('end') == 0


def test_connections_on_both_sides_have_it(run_loop):
    """end1.js: a client socket from net.connect() and the server's
    accepted socket each count 1 'end' listener, onReadableStreamEnd.

        client 1 [ 'onReadableStreamEnd' ]
        server conn 1 [ 'onReadableStreamEnd' ]
    """
    counts = []

    def on_connection(conn):
        counts.append(('server', conn.listenerCount('end')))
        conn.destroy()
        server.close()
    server = net.createServer(on_connection)

    def go():
        client = net.connect(server.address()['port'], '127.0.0.1')
        counts.append(('client', client.listenerCount('end')))
        client.on('error', lambda err: None)
    server.listen(0, '127.0.0.1', go)
    run_loop()
    assert counts == [('client', 1), ('server', 1)]


def write_after_the_peers_end(run_loop, prepare, options=None):
    """The server's connection writes in its 'finish' (our end() done, after
    the peer's FIN): what the write's callback, 'error' and the return
    said, in order."""
    log = []

    def on_connection(conn):
        prepare(conn)
        conn.on('error', lambda err: log.append(('error', err.code)))

        def finished():
            returned = conn.write(b'x', lambda err: log.append(('callback', err.code, str(err))))
            log.append(('returned', returned))
        conn.on('finish', finished)
        conn.on('close', lambda had_error: server.close())
    server = net.createServer(options, on_connection)

    def go():
        client = net.connect(server.address()['port'], '127.0.0.1', lambda: client.end())
        client.resume()
    server.listen(0, '127.0.0.1', go)
    run_loop()
    return log


EPIPE = [('returned', False),
         ('callback', 'EPIPE', 'This socket has been ended by the other party'),
         ('error', 'EPIPE')]
AFTER_END = [('returned', False), ('callback', 'ERR_STREAM_WRITE_AFTER_END', 'write after end'),
             ('error', 'ERR_STREAM_WRITE_AFTER_END')]


@pytest.mark.parametrize('take_writes', [False, True], ids=['c-writes', 'taken-writes'])
def test_a_write_after_the_peers_end_is_epipe_once_the_listener_ran(run_loop, take_writes):
    """end4.js: with the listener, a write in 'finish' (our side ended
    because the peer's did) fails with EPIPE, through the callback, then
    'error'; with it removed first (removeAllListeners('end')), with
    ERR_STREAM_WRITE_AFTER_END, which pyuvnet did not tell apart.  end6.js:
    removed inside a program's 'end' listener (it ran first), the write
    still fails with EPIPE; with allowHalfOpen the listener changes
    nothing, and a write after our own end() is ERR_STREAM_WRITE_AFTER_END.
    Each also once the program has read the socket's _writableState (the
    stream core runs its writes), where pyuvnet answered
    ERR_STREAM_WRITE_AFTER_END every time.

        end4.js:
        write returned false destroyed true
        write cb EPIPE This socket has been ended by the other party
        error EPIPE This socket has been ended by the other party
        ---  (removeAllListeners('end') first)
        write returned false destroyed true
        write cb ERR_STREAM_WRITE_AFTER_END write after end
        error ERR_STREAM_WRITE_AFTER_END write after end
        end6.js:
        removed in end, count 0
        write returned false
        write cb EPIPE
        error EPIPE
        ---  (allowHalfOpen, end() in 'end')
        write returned false
        write cb ERR_STREAM_WRITE_AFTER_END
        error ERR_STREAM_WRITE_AFTER_END
    """
    counts = []

    def keep(conn):
        if take_writes:
            conn._writableState

    def remove_first(conn):
        keep(conn)
        conn.removeAllListeners('end')

    def remove_late(conn):
        keep(conn)

        def ended():
            conn.removeAllListeners('end')
            counts.append(conn.listenerCount('end'))
        conn.on('end', ended)

    def half_open(conn):
        keep(conn)
        conn.on('end', lambda: conn.end())
    assert write_after_the_peers_end(run_loop, keep) == EPIPE
    assert write_after_the_peers_end(run_loop, remove_first) == AFTER_END
    assert write_after_the_peers_end(run_loop, remove_late) == EPIPE
    assert counts == [0]
    assert write_after_the_peers_end(run_loop, half_open, {'allowHalfOpen': True}) == AFTER_END
