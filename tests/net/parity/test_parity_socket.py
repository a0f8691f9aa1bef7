"""Socket behaviours pinned to Node 20 (issue 9): onread, paused sockets
and the loop, resetAndDestroy before a connection, writes after the peer's
FIN, a custom lookup's list, nothing after 'close'."""
import time

import pytest

import pyuvnet as net
from support import event_names, record_events


def serve_then_end(listening_server, first, second, gap_ms=50):
    """A server that writes ``first``, then ``second`` and ends, ``gap_ms``
    later, to each connection.  Returns (server, port)."""
    def on_connection(sock):
        sock.write(first)
        net.setTimeout(lambda: sock.end(second), gap_ms)
    return listening_server(on_connection)


# -- 1. onread -------------------------------------------------------------------

def test_onread_gets_every_chunk_in_the_callers_buffer_and_no_data_events(
        listening_server, run_loop):
    """Node 20: net.connect({port, onread: {buffer: Buffer.alloc(4),
    callback(n, b) {...}}}) calls callback with n <= 4 and b === buffer for
    every read, emits no 'data' (a 'data' listener never runs), and still
    emits 'end' and 'close'."""
    server, port = serve_then_end(listening_server, b'a' * 10, b'b' * 10)
    buf = bytearray(4)
    calls = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'onread': {
        'buffer': buf, 'callback': lambda n, b: calls.append((n, bytes(b[:n]), b is buf))}})
    log = record_events(client, [], ('data', 'end', 'close'))
    client.on('close', lambda _: server.close())
    run_loop()
    assert event_names(log) == ['end', 'close']
    assert all(n <= 4 and same for n, _, same in calls)
    assert b''.join(chunk for _, chunk, _ in calls) == b'a' * 10 + b'b' * 10


def test_onread_buffer_function_gives_the_buffer_of_each_read(listening_server, run_loop):
    """Node 20: onread.buffer may be a function; it is called for a buffer
    for each read, and callback gets that buffer."""
    server, port = serve_then_end(listening_server, b'xyz', b'')
    made = []

    def new_buffer():
        made.append(bytearray(16))
        return made[-1]
    calls = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'onread': {
        'buffer': new_buffer, 'callback': lambda n, b: calls.append((n, b))}})
    client.on('close', lambda _: server.close())
    run_loop()
    assert [(n, bytes(b[:n])) for n, b in calls] == [(3, b'xyz')]
    assert calls[0][1] is made[0]


@pytest.mark.parametrize('how', ['return False', 'pause()'])
def test_onread_pauses_until_resume(listening_server, run_loop, how):
    """Node 20: the callback returning false (or calling socket.pause())
    pauses the socket: no further callback until resume(); then the rest
    comes ([[4,'aaaa'], ... resume ..., [4,'aaaa'], [4,'aabb'], ...])."""
    server, port = serve_then_end(listening_server, b'a' * 10, b'b' * 10)
    calls = []
    stamps = {}

    def callback(n, b):
        calls.append(bytes(b[:n]))
        if len(calls) == 1:
            stamps['paused'] = time.monotonic()
            net.setTimeout(resume, 150)
            if how == 'pause()':
                client.pause()
            else:
                return False

    def resume():
        stamps['resumed'] = time.monotonic()
        stamps['calls at resume'] = len(calls)
        client.resume()
    client = net.connect({'port': port, 'host': '127.0.0.1',
                          'onread': {'buffer': bytearray(4), 'callback': callback}})
    client.on('close', lambda _: server.close())
    run_loop()
    assert stamps['calls at resume'] == 1
    assert b''.join(calls) == b'a' * 10 + b'b' * 10


@pytest.mark.parametrize('buffer', [5, 'abc', b'abc', bytearray(), {}])
def test_onread_buffer_must_be_a_writable_buffer_or_a_function(buffer):
    """Node 20 takes any onread.buffer at construction and fails at the
    first read; pyuvnet refuses it at once (ERR_INVALID_ARG_TYPE)."""
    with pytest.raises(net.NodeError) as info:
        net.Socket({'onread': {'buffer': buffer, 'callback': lambda n, b: None}})
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'


# -- 3. a paused socket and the loop ------------------------------------------------

def test_a_paused_connected_socket_does_not_keep_run_alive(run_loop):
    """Node's test-net-connect-paused-connection: net.createServer(c =>
    c.unref()).listen(0, function() { net.connect(port).pause(); }).unref()
    exits in ms (Node 20: 'exit after 25')."""
    server = net.createServer(lambda conn: conn.unref())
    connected = []

    def on_listening():
        client = net.connect(server.address().port, '127.0.0.1', lambda: connected.append(True))
        client.pause()
    server.listen(0, '127.0.0.1', on_listening)
    server.unref()
    started = time.monotonic()
    run_loop(timeout=3)
    assert time.monotonic() - started < 1.5
    assert connected == [True]


# -- 11. resetAndDestroy before a connection ----------------------------------------

def test_reset_and_destroy_on_a_socket_that_never_connected(run_loop):
    """Node 20: const s = new net.Socket(); s.resetAndDestroy() emits
    'error' ERR_SOCKET_CLOSED ("Socket is closed"), then 'close' (Node's
    hadError argument there is undefined; pyuvnet's is True, as for every
    destroy(err))."""
    sock = net.Socket()
    log = record_events(sock, [], ('error', 'close'))
    assert sock.resetAndDestroy() is sock
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert log[0][1].code == 'ERR_SOCKET_CLOSED'
    assert sock.destroyed


# -- 12. writing after the peer's FIN -------------------------------------------------

def test_write_after_the_peer_ended_is_epipe(listening_server, run_loop):
    """Node 20 (writeAfterFIN): with allowHalfOpen off, once the peer's FIN
    has ended our side, c.write('x', cb) returns false and cb gets Error
    'This socket has been ended by the other party' with code 'EPIPE' --
    even after 'close' (then no 'error' event: the socket is destroyed
    already):
        c.on('end', () => setTimeout(() => c.write('x', cb), 50))
    prints close false, then cb EPIPE."""
    got = {'errors': []}

    def on_connection(sock):
        def write_later():
            got['returned'] = sock.write(b'x', lambda err: got.setdefault('cb', err))
            server.close()
        sock.on('end', lambda: net.setTimeout(write_later, 50))
        sock.on('error', got['errors'].append)
        sock.on('close', lambda had_error: got.setdefault('closed', had_error))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end())
    client.resume()
    run_loop()
    assert got['closed'] is False
    assert got['returned'] is False
    assert got['cb'].code == 'EPIPE'
    assert str(got['cb']) == 'This socket has been ended by the other party'
    assert isinstance(got['cb'], BrokenPipeError)
    assert got['errors'] == []


# -- 13. a lookup that answers a list unasked --------------------------------------------

def test_a_lookup_answering_a_list_when_all_was_not_asked_is_an_error_event(run_loop):
    """Node 20: net.connect({port: 9, host: 'foo.invalid', autoSelectFamily:
    false, lookup: (h, o, cb) => cb(null, [{address: '127.0.0.1', family:
    4}])}) emits 'lookup'(null, [list], undefined, host), then 'error'
    ERR_INVALID_IP_ADDRESS, then 'close'."""
    answer = [{'address': '127.0.0.1', 'family': 4}]
    client = net.connect({'port': 9, 'host': 'foo.invalid', 'autoSelectFamily': False,
                          'lookup': lambda host, options, cb: cb(None, answer)})
    log = record_events(client, [], ('lookup', 'connect', 'error', 'close'))
    run_loop()
    assert event_names(log) == ['lookup', 'error', 'close']
    assert log[0] == ('lookup', None, answer, None, 'foo.invalid')
    assert log[1][1].code == 'ERR_INVALID_IP_ADDRESS'


@pytest.mark.parametrize('entry', ['127.0.0.1', 5, {'family': 4}, None])
def test_a_malformed_lookup_list_is_an_error_event(run_loop, entry):
    """Node 20 reads entry.address of each entry of an `all` lookup's list:
    an entry without one is an invalid address, an 'error' event
    (ERR_INVALID_IP_ADDRESS), never an exception out of run()."""
    client = net.connect({'port': 9, 'host': 'foo.invalid',
                          'lookup': lambda host, options, cb: cb(None, [entry])})
    log = record_events(client, [], ('error', 'close'))
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert log[0][1].code == 'ERR_INVALID_IP_ADDRESS'


def test_a_lookup_that_raises_is_an_error_event(run_loop):
    """Node 20 calls lookup inside connect(), so its exception leaves
    connect(); pyuvnet calls it after connect() returned, so it is the
    socket's 'error'."""
    def lookup(host, options, cb):
        raise LookupError('no')
    client = net.connect({'port': 9, 'host': 'foo.invalid', 'lookup': lookup})
    log = record_events(client, [], ('error', 'close'))
    run_loop()
    assert event_names(log) == ['error', 'close']
    assert isinstance(log[0][1], LookupError)


# -- 17. nothing after 'close' ----------------------------------------------------------

def test_destroy_drops_buffered_input_so_resume_emits_nothing(listening_server, run_loop):
    """Node 20: a paused socket with input buffered (and the peer's FIN),
    destroyed, then resumed after 'close', emits no 'data' and no 'end'."""
    server, port = listening_server(lambda sock: sock.end(b'buffered'))
    client = net.connect(port, '127.0.0.1')
    log = record_events(client, [], ('data', 'end', 'close'))

    def destroy_when_buffered():
        if client.readableLength:
            client.destroy()
        else:
            net.setTimeout(destroy_when_buffered, 5)
    client.on('connect', lambda: (client.pause(), destroy_when_buffered()))
    client.on('close', lambda _: (client.resume(), server.close()))
    run_loop()
    assert event_names(log) == ['close']
    assert client.readableLength == 0
