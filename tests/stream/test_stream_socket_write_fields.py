"""A socket's Writable fields through its writes, and sockets in
pipeline(), as Node 20 (v20.20) gives them: the write side C keeps, and
the stream core's once the program read a net socket's _writableState
(issue 68's take_writes(); docs/DESIGN.md, "Taking the writes"). Each
expectation was run under Node 20 first with the same program (the
first: a client corks two writes, uncorks, writes 1 MiB chunks to a
server that reads nothing for 100 ms until a write returns false, ends
at 'drain' with a callback, then a second client writes and is destroyed
with an error)."""
import weakref

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet.stream import Readable, Writable, pipeline

BIG = bytes(1 << 20)


def connect(kind, port, tls_certs, on_ready):
    if kind == 'tls':
        sock = tls.connect({'port': port, 'host': '127.0.0.1', 'ca': tls_certs.ca,
                            'servername': 'localhost'})
        sock.on('secureConnect', on_ready)
    else:
        sock = net.connect(port, '127.0.0.1')
        sock.on('connect', on_ready)
    return sock


def serve(kind, tls_certs, on_connection):
    if kind == 'tls':
        server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, on_connection)
    else:
        server = net.createServer(on_connection)
    server.listen(0, '127.0.0.1')
    return server, server.address().port


def public_fields(sock):
    return (sock.writableLength, sock.writableCorked, sock.writableNeedDrain,
            sock.writableEnded, sock.writableFinished, len(sock.writableBuffer))


def state_fields(sock):
    # Node's _writableState: length, corked, needDrain, ending, ended,
    # finished, destroyed, the error's message, writing, pendingcb,
    # finalCalled, the buffered writes.
    w = sock._writableState
    return (w.length, w.corked, w.needDrain, w.ending, w.ended, w.finished, w.destroyed,
            None if w.errored is None else str(w.errored), w.writing, w.pendingcb,
            w.finalCalled, len(w.buffered))


def write_sequence(kind, tls_certs, fields):
    """The program described above; returns its log of ``fields(sock)``
    at each step."""
    log = []

    def on_connection(sock):
        sock.pause()
        net.setTimeout(sock.resume, 100)
        sock.on('end', sock.end)
    server, port = serve(kind, tls_certs, on_connection)

    def second():
        def ready():
            sock.write('hello')
            sock.on('error', lambda err: log.append(('error', str(err), sock.destroyed,
                                                     sock.errored is err)))
            sock.destroy(Exception('boom'))
            log.append(('destroyed',) + fields(sock))
        sock = connect(kind, port, tls_certs, ready)
        sock.on('close', lambda had_error: (log.append(('close 2', had_error) + fields(sock)),
                                            server.close()))

    def first():
        log.append(('connected',) + fields(sock))
        sock.cork()
        sock.write('abc')
        sock.write('defg')
        log.append(('corked',) + fields(sock))
        sock.uncork()
        log.append(('uncorked',) + fields(sock))
        for _ in range(64):
            if not sock.write(BIG):
                break
        log.append(('mid-write',) + fields(sock))
        sock.once('drain', drained)

    def drained():
        log.append(('drain',) + fields(sock))
        sock.end('x', lambda *args: log.append(('end callback',) + fields(sock)))
        log.append(('after end',) + fields(sock))
        sock.on('finish', lambda: log.append(('finish',) + fields(sock)))
        sock.on('close', lambda had_error: (log.append(('close', had_error) + fields(sock)),
                                            second()))
    sock = connect(kind, port, tls_certs, first)
    return log


def mid_write_length(log):
    # How much of the 1 MiB writes waits is the kernel's (Node's net
    # socket showed the last chunk, its TLS socket that and the 7 bytes
    # uncork() left): more than none.
    length = next(entry for entry in log if entry[0] == 'mid-write')[1]
    assert length > 0
    return length


@pytest.mark.parametrize('kind', ['net', 'tls'])
def test_a_socket_s_writable_fields_follow_its_writes_as_node_s(kind, tls_certs, run_loop):
    log = write_sequence(kind, tls_certs, public_fields)
    run_loop(10)
    # writableLength, writableCorked, writableNeedDrain, writableEnded,
    # writableFinished, len(writableBuffer).  A TLS socket's write goes on
    # after uncork() (Node's TLSWrap writes later); a net socket's is done.
    # The TLS socket's last 1 MiB waits in writableBuffer behind them.
    uncorked, after_end, buffered = (7, 1, 1) if kind == 'tls' else (0, 0, 0)
    assert log == [
        ('connected', 0, 0, False, False, False, 0),
        ('corked', 7, 1, False, False, False, 2),
        ('uncorked', uncorked, 0, False, False, False, 0),
        ('mid-write', mid_write_length(log), 0, True, False, False, buffered),
        ('drain', 0, 0, False, False, False, 0),
        ('after end', after_end, 0, False, True, False, 0),
        ('end callback', 0, 0, False, True, True, 0),
        ('finish', 0, 0, False, True, True, 0),
        ('close', False, 0, 0, False, True, True, 0),
        ('destroyed', 5 if kind == 'tls' else 0, 0, False, False, False, 0),
        ('error', 'boom', True, True),
        ('close 2', True, 0, 0, False, False, False, 0)]


def test_a_net_socket_s_write_state_follows_its_writes_as_node_s(tls_certs, run_loop):
    # The first read of _writableState (at 'connected') takes the writes
    # (take_writes): the stream core runs them from then on.  Node 20's
    # values: a write the kernel takes at once is done inside write()
    # ('uncorked', 'after end': length 0, writing False), its _final()
    # is called inside end() ('after end': finalCalled True).  The second
    # socket's state is taken after destroy(), from its C fields.
    log = write_sequence('net', tls_certs, state_fields)
    run_loop(10)
    assert log == [
        ('connected', 0, 0, False, False, False, False, False, None, False, 0, False, 0),
        ('corked', 7, 1, False, False, False, False, False, None, False, 2, False, 2),
        ('uncorked', 0, 0, False, False, False, False, False, None, False, 0, False, 0),
        ('mid-write', mid_write_length(log), 0, True, False, False, False, False, None, True, 1, False, 0),
        ('drain', 0, 0, False, False, False, False, False, None, False, 1, False, 0),
        ('after end', 0, 0, False, True, True, False, False, None, False, 2, True, 0),
        ('end callback', 0, 0, False, True, True, True, False, None, False, 0, True, 0),
        ('finish', 0, 0, False, True, True, True, False, None, False, 0, True, 0),
        ('close', False, 0, 0, False, True, True, True, True, None, False, 0, True, 0),
        ('destroyed', 0, 0, False, False, False, False, True, 'boom', False, 0, False, 0),
        ('error', 'boom', True, True),
        ('close 2', True, 0, 0, False, False, False, False, True, 'boom', False, 0, False, 0)]


def test_a_net_socket_s_writable_fields_are_its_taken_state_s(tls_certs, run_loop):
    # Once taken, the public fields read the state (Node's getters): the
    # same log as the C fields give, state read first at each step.
    log = write_sequence('net', tls_certs, lambda sock: (sock._writableState,) and public_fields(sock))
    run_loop(10)
    assert [entry[0] for entry in log] == [
        'connected', 'corked', 'uncorked', 'mid-write', 'drain', 'after end', 'end callback',
        'finish', 'close', 'destroyed', 'error', 'close 2']
    assert log[1:3] == [('corked', 7, 1, False, False, False, 2),
                        ('uncorked', 0, 0, False, False, False, 0)]
    assert log[3][2:] == (0, True, False, False, 0)
    assert log[5:9] == [('after end', 0, 0, False, True, False, 0),
                        ('end callback', 0, 0, False, True, True, 0),
                        ('finish', 0, 0, False, True, True, 0),
                        ('close', False, 0, 0, False, True, True, 0)]


def test_a_tls_socket_s_write_state_follows_its_writes_as_node_s(tls_certs, run_loop):
    log = write_sequence('tls', tls_certs, state_fields)
    run_loop(10)
    assert log == [
        ('connected', 0, 0, False, False, False, False, False, None, False, 0, False, 0),
        ('corked', 7, 1, False, False, False, False, False, None, False, 2, False, 2),
        ('uncorked', 7, 0, False, False, False, False, False, None, True, 1, False, 0),
        ('mid-write', mid_write_length(log), 0, True, False, False, False, False, None, True, 2, False, 1),
        ('drain', 0, 0, False, False, False, False, False, None, False, 1, False, 0),
        ('after end', 1, 0, False, True, True, False, False, None, True, 2, False, 0),
        ('end callback', 0, 0, False, True, True, True, False, None, False, 0, True, 0),
        ('finish', 0, 0, False, True, True, True, False, None, False, 0, True, 0),
        ('close', False, 0, 0, False, True, True, True, True, None, False, 0, True, 0),
        ('destroyed', 5, 0, False, False, False, False, True, 'boom', True, 1, False, 0),
        ('error', 'boom', True, True),
        ('close 2', True, 0, 0, False, False, False, False, True, 'boom', False, 0, False, 0)]


def test_a_socket_s_write_state_agrees_with_its_writable_fields(tls_certs):
    sock = tls.TLSSocket(net.Socket())
    w = sock._writableState
    assert (w.highWaterMark, w.length, w.corked) == (
        sock.writableHighWaterMark, sock.writableLength, sock.writableCorked)
    sock.destroy()


# -- pipeline() through a socket ------------------------------------------------

def fields(sock):
    return [sock.destroyed, sock.writableEnded, sock.writableFinished, sock.readableEnded,
            sock.writable, sock.readable]


def pipeline_through_socket(kind, tls_certs, fail):
    """A server echoing by pipeline(sock, sock); a client joined by
    pipeline(Readable.from(['ab', 'cd']), client, sink), whose sink fails
    its first write when ``fail``.  Returns the client's log and the
    server's."""
    log, server_log = [], []

    def on_connection(sock):
        pipeline(sock, sock, lambda err=None, *value: server_log.append(
            [None if err is None else err.code] + fields(sock)))
    server, port = serve(kind, tls_certs, on_connection)

    def ready():
        got = []

        def write(self, chunk, encoding, callback):
            got.append(bytes(chunk))
            callback(Exception('sink failed') if fail else None)
        sink = Writable(write=write)
        sock.on('finish', lambda: log.append(['finish'] + fields(sock)))
        sock.on('end', lambda: log.append(['end'] + fields(sock)))
        sock.on('close', lambda had_error: (log.append(['close', had_error] + fields(sock)),
                                            server.close()))

        def done(err=None, *value):
            log.append(['callback', None if err is None else str(err),
                        b''.join(got).startswith(b'ab')] + fields(sock))
        pipeline(getattr(Readable, 'from')(['ab', 'cd']), sock, sink, done)
    sock = connect(kind, port, tls_certs, ready)
    return log, server_log


@pytest.mark.parametrize('kind', ['net', 'tls'])
def test_a_socket_in_a_pipeline_ends_and_closes_both_ends_as_node_s(kind, tls_certs, run_loop):
    # Node 20, net and tls alike: the client's 'finish', the echo's end,
    # its 'end', the callback (destroyed by then: autoDestroy at 'end'),
    # then 'close'(false); the server's pipeline ends without error.
    log, server_log = pipeline_through_socket(kind, tls_certs, fail=False)
    run_loop()
    assert log == [
        ['finish', False, True, True, False, False, True],
        ['end', False, True, True, True, False, False],
        ['callback', None, True, True, True, True, True, False, False],
        ['close', False, True, True, True, True, False, False]]
    assert server_log == [[None, True, True, True, True, False, False]]


@pytest.mark.parametrize('kind', ['net', 'tls'])
def test_a_socket_in_a_failing_pipeline_is_destroyed_with_the_error(kind, tls_certs, run_loop):
    # Node 20: the sink's error destroys the client before its 'end':
    # the callback has it, 'close'(true) follows.  (The server's pipeline
    # ends once, its error the kernel's timing: the client's close may
    # reset the connection before the echo is written.)
    log, server_log = pipeline_through_socket(kind, tls_certs, fail=True)
    run_loop()
    assert log == [
        ['finish', False, True, True, False, False, True],
        ['callback', 'sink failed', True, True, True, True, False, False, False],
        ['close', True, True, True, True, False, False, False]]
    assert len(server_log) == 1


def test_a_tls_socket_whose_writes_finished_is_destroyed_at_its_end(tls_certs, run_loop):
    # Node 20's endReadableNT: 'end' of a socket whose write side finished
    # destroys it at once (net and tls alike); a tick later it is.
    log = []

    def on_connection(sock):
        sock.on('data', sock.write)
        sock.on('end', sock.end)
    server, port = serve('tls', tls_certs, on_connection)
    sock = connect('tls', port, tls_certs, lambda: sock.end('hi'))
    sock.resume()
    sock.on('end', lambda: (log.append(('end', sock.destroyed, sock.writableFinished)),
                            net.nextTick(lambda: log.append(('a tick later', sock.destroyed)))))
    sock.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log == [('end', False, True), ('a tick later', True), ('close', False)]


def test_tls_sockets_in_a_pipeline_are_freed_at_close_without_gc(tls_certs, gc_off, run_loop):
    accepted, done = [], []

    def on_connection(sock):
        accepted.append(weakref.ref(sock))
        pipeline(sock, sock, lambda err=None, *value: None)
    server, port = serve('tls', tls_certs, on_connection)

    def start():
        sock = connect('tls', port, tls_certs, lambda: None)
        # the program reads the write state: nothing of it may hold the socket
        assert sock._writableState.length == 0
        sink = Writable(write=lambda self, chunk, encoding, callback: callback())
        pipeline(getattr(Readable, 'from')([b'ab', b'cd']), sock, sink,
                 lambda err=None, *value: (done.append(err), server.close()))
        return weakref.ref(sock)
    client = start()
    run_loop()
    assert done == [None]
    assert [ref() for ref in [client] + accepted] == [None, None]


def test_net_sockets_whose_write_state_was_read_are_freed_at_close_without_gc(
        tls_certs, gc_off, run_loop):
    # A client that reads its _writableState (taking the writes) while it
    # connects, corks two writes, ends with a callback; a server echoing
    # by pipeline(sock, sock), which takes its socket's too: both freed by
    # their reference counts once closed.
    accepted, done = [], []

    def on_connection(sock):
        accepted.append(weakref.ref(sock))
        pipeline(sock, sock, lambda err=None, *value: None)
    server, port = serve('net', tls_certs, on_connection)

    def start():
        sock = net.connect(port, '127.0.0.1')
        assert sock._writableState.length == 0
        sock.cork()
        sock.write(b'ab')
        sock.write('cd')
        sock.uncork()
        sock.end(b'ef', lambda *args: done.append('end callback'))
        sock.resume()
        sock.on('close', lambda had_error: (done.append(('close', had_error)), server.close()))
        return weakref.ref(sock)
    client = start()
    run_loop()
    assert done == ['end callback', ('close', False)]
    assert [ref() for ref in [client] + accepted] == [None, None]


# -- take_writes() in the middle of a socket's writes -----------------------------

def taken_fields(sock):
    # Reading _writableState takes the writes first (take_writes).
    w = sock._writableState
    return (sock.writableLength, sock.writableCorked, len(sock.writableBuffer), w.writing,
            w.pendingcb, w.ending, w.finalCalled, w.finished)


def test_writes_taken_while_corked_ended_or_destroying_soon_go_on_as_node_s(tls_certs, run_loop):
    # Node 20 (the same program): corked writes go into the state's
    # buffer and leave at uncork(); an end() begun in C goes on to
    # 'finish' with its callback; destroySoon() ends and destroys at
    # 'finish'.  Each socket's writes are taken at its first log line.
    log = []

    def on_connection(sock):
        sock.resume()
    server, port = serve('net', tls_certs, on_connection)

    def corked():
        sock = net.connect(port, '127.0.0.1')

        def ready():
            sock.cork()
            sock.write('ab', lambda *args: log.append(('A cb ab',)))
            sock.write('cd')
            log.append(('A corked',) + taken_fields(sock))
            sock.uncork()
            log.append(('A uncorked',) + taken_fields(sock))
            sock.end(lambda *args: (log.append(('A end cb',) + taken_fields(sock)), ended()))
            sock.on('finish', lambda: log.append(('A finish',)))
        sock.on('connect', ready)

    def ended():
        sock = net.connect(port, '127.0.0.1')

        def ready():
            sock.end('x', lambda *args: log.append(('B end cb',) + taken_fields(sock)))
            log.append(('B after end',) + taken_fields(sock))
            sock.on('finish', lambda: log.append(('B finish',) + taken_fields(sock)))
            sock.on('close', lambda had_error: (log.append(('B close', sock.destroyed)),
                                                destroying_soon()))
        sock.on('connect', ready)

    def destroying_soon():
        sock = net.connect(port, '127.0.0.1')

        def ready():
            sock.write('y')
            sock.destroySoon()
            log.append(('D after destroySoon', sock.writableEnded, sock.destroyed)
                       + taken_fields(sock))
            sock.on('finish', lambda: log.append(('D finish', sock.destroyed)))
            sock.on('close', lambda had_error: (log.append(('D close', had_error)),
                                                server.close()))
        sock.on('connect', ready)
    corked()
    run_loop(10)
    assert log == [
        ('A corked', 4, 1, 2, False, 2, False, False, False),
        ('A uncorked', 0, 0, 0, False, 1, False, False, False),
        ('A cb ab',),
        ('A end cb', 0, 0, 0, False, 0, True, True, True),
        ('A finish',),
        ('B after end', 0, 0, 0, False, 1, True, True, False),
        ('B end cb', 0, 0, 0, False, 0, True, True, True),
        ('B finish', 0, 0, 0, False, 0, True, True, True),
        ('B close', True),
        ('D after destroySoon', True, False, 0, 0, 0, False, 1, True, True, False),
        ('D finish', True),
        ('D close', False)]


def test_a_socket_connected_again_after_its_writes_were_taken_writes_again(tls_certs, run_loop):
    # Node 20: connect() again after 'close' starts a write side neither
    # ended nor finished; its end(callback) and 'finish' come again.
    log, got = [], []

    def on_connection(sock):
        sock.on('data', lambda data: got.append(bytes(data)))
    server, port = serve('net', tls_certs, on_connection)
    sock = net.connect(port, '127.0.0.1')
    rounds = []

    def connected():
        rounds.append(len(rounds) + 1)
        w = sock._writableState
        log.append(('connect', len(rounds), w.ended, w.finished, w.destroyed, sock.writableFinished))
        sock.end('r%d' % len(rounds),
                 lambda *args: log.append(('end cb', len(rounds), sock._writableState.finished)))

    def closed(had_error):
        log.append(('close', len(rounds)))
        if len(rounds) == 1:
            sock.connect(port, '127.0.0.1')
        else:
            server.close()
    sock.on('connect', connected)
    sock.on('finish', lambda: log.append(('finish', len(rounds))))
    sock.on('close', closed)
    run_loop(10)
    assert log == [('connect', 1, False, False, False, False), ('end cb', 1, True), ('finish', 1),
                   ('close', 1),
                   ('connect', 2, False, False, False, False), ('end cb', 2, True), ('finish', 2),
                   ('close', 2)]
    assert got == [b'r1', b'r2']
