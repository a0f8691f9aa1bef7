"""The read path: 'data' chunks, pause()/resume(), flowing mode,
setEncoding() with characters split across reads, 'end' only after the
data was consumed, bytesRead."""
import pytest

import pyuvnet as net


def test_data_chunks_are_bytes(listening_server, run_loop):
    got = []
    server, port = listening_server(lambda sock: sock.end(b'\x00\xffbinary'))
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop()
    assert all(type(c) is bytes for c in got)
    assert b''.join(got) == b'\x00\xffbinary'


def test_pause_stops_data_and_resume_delivers_it_in_order(listening_server, run_loop):
    got = []
    seen = {}

    def on_connection(sock):
        assert sock.pause() is sock
        assert sock.isPaused() is True
        sock.on('data', got.append)

        def later():
            seen['while paused'] = list(got)
            seen['buffered'] = sock.readableLength
            assert sock.resume() is sock
            assert sock.isPaused() is False
        net.setTimeout(later, 80)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.on('connect', lambda: (client.write(b'one '), client.write(b'two '),
                                  client.end(b'three')))
    client.resume()
    run_loop()
    assert seen['while paused'] == []
    assert seen['buffered'] == len(b'one two three')
    assert b''.join(got) == b'one two three'


def test_end_waits_until_buffered_data_is_consumed(listening_server, run_loop):
    log = []

    def on_connection(sock):
        sock.pause()
        sock.on('data', lambda d: log.append(('data', d)))
        sock.on('end', lambda: log.append('end'))

        def later():
            log.append('resuming')
            sock.resume()
        net.setTimeout(later, 80)
        sock.on('close', lambda _: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'payload'))
    client.resume()
    run_loop()
    assert log[0] == 'resuming'
    assert [e for e in log if e != 'resuming'][-1] == 'end'
    assert b''.join(d for k, d in (e for e in log if isinstance(e, tuple))) == b'payload'


def test_a_data_listener_switches_to_flowing_mode(listening_server, run_loop):
    got = []
    seen = {}

    def on_connection(sock):
        seen['flowing before'] = sock.readableFlowing

        def later():
            # Without a consumer the data waited in the buffer.
            seen['buffered'] = sock.readableLength
            sock.on('data', got.append)
            seen['flowing after'] = sock.readableFlowing
        net.setTimeout(later, 60)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'waiting'))
    client.resume()
    run_loop()
    assert seen == {'flowing before': None, 'buffered': 7, 'flowing after': True}
    assert b''.join(got) == b'waiting'


def test_explicit_pause_is_kept_when_a_data_listener_is_added(listening_server, run_loop):
    got = []
    seen = {}

    def on_connection(sock):
        sock.pause()
        sock.on('data', got.append)

        def later():
            seen['got'] = list(got)
            sock.resume()
        net.setTimeout(later, 60)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'held'))
    client.resume()
    run_loop()
    assert seen['got'] == []
    assert b''.join(got) == b'held'


def test_pause_and_resume_many_times_keeps_order(listening_server, run_loop):
    got = []
    data = bytes(range(256)) * 4096        # 1 MiB

    def on_connection(sock):
        def on_data(chunk):
            got.append(chunk)
            sock.pause()
            net.setImmediate(sock.resume)
        sock.on('data', on_data)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(data))
    client.resume()
    run_loop(timeout=20)
    assert b''.join(got) == data


def test_remove_data_listener_then_resume_does_not_lose_data(listening_server, run_loop):
    first, second = [], []

    def on_connection(sock):
        def once(chunk):
            first.append(chunk)
            sock.removeListener('data', once)
            sock.pause()

            def later():
                sock.on('data', second.append)
                sock.resume()
            net.setTimeout(later, 30)
        sock.on('data', once)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')

    def on_connect():
        client.write(b'first')
        net.setTimeout(lambda: client.end(b'second'), 10)
    client.on('connect', on_connect)
    client.resume()
    run_loop()
    assert b''.join(first + second) == b'firstsecond'


# -- setEncoding -------------------------------------------------------------------

def test_set_encoding_joins_a_character_split_across_reads(listening_server, run_loop):
    text = []

    def on_connection(sock):
        assert sock.setEncoding('utf8') is sock
        sock.on('data', text.append)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    euro = '€'.encode('utf-8')            # e2 82 ac
    smile = '😀'.encode('utf-8')          # 4 bytes

    def on_connect():
        # Each piece is sent in its own loop turn, so each is its own read.
        pieces = [b'a' + euro[:1], euro[1:2], euro[2:] + smile[:2], smile[2:3], smile[3:] + b'z']
        step = [0]

        def send():
            client.write(pieces[step[0]])
            step[0] += 1
            if step[0] == len(pieces):
                client.end()
            else:
                net.setTimeout(send, 15)
        send()
    client.on('connect', on_connect)
    client.resume()
    run_loop()
    assert all(type(t) is str for t in text)
    assert ''.join(text) == 'a€😀z'
    assert '\ufffd' not in ''.join(text)
    # Never an empty string and never half a character.
    assert all(t for t in text)


def test_set_encoding_hex_and_latin1(listening_server, run_loop):
    results = {}

    def on_connection(sock):
        enc = 'hex' if not results else 'latin1'
        results[enc] = []
        sock.setEncoding(enc)
        sock.on('data', results[enc].append)
        sock.on('end', lambda: sock.end())

    server, port = listening_server(on_connection)

    def second(*_):
        c2 = net.connect(port, '127.0.0.1', lambda: c2.end(b'\xe9t\xe9'))
        c2.resume()
        c2.on('close', lambda _: server.close())
    c1 = net.connect(port, '127.0.0.1', lambda: c1.end(b'\xde\xad'))
    c1.resume()
    c1.on('close', second)
    run_loop()
    assert ''.join(results['hex']) == 'dead'
    assert ''.join(results['latin1']) == 'été'


def test_set_encoding_on_the_client_before_connect(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end('héllo wörld'.encode()))
    client = net.Socket()
    client.setEncoding('utf-8')
    text = []
    client.on('data', text.append)
    client.connect(port, '127.0.0.1')
    client.on('close', lambda _: server.close())
    run_loop()
    assert ''.join(text) == 'héllo wörld'


def test_set_encoding_unknown_raises():
    with pytest.raises(net.NodeError) as info:
        net.Socket().setEncoding('klingon')
    assert info.value.code == 'ERR_UNKNOWN_ENCODING'


def test_bytes_read_counts_bytes_after_set_encoding(listening_server, run_loop):
    seen = {}

    def on_connection(sock):
        sock.setEncoding('utf8')
        chars = []
        sock.on('data', chars.append)
        sock.on('end', lambda: (seen.update(chars=len(''.join(chars)), bytes=sock.bytesRead),
                                server.close()))

    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end('é' * 100))
    client.resume()
    run_loop()
    assert seen == {'chars': 100, 'bytes': 200}


# -- data listeners come and go ---------------------------------------------------

def _send_in_steps(client, pieces, gap=15):
    """Write each piece in its own loop turn, then end."""
    step = [0]

    def send():
        client.write(pieces[step[0]])
        step[0] += 1
        if step[0] == len(pieces):
            client.end()
        else:
            net.setTimeout(send, gap)
    send()


def test_once_data_listener_is_called_once(listening_server, run_loop):
    once_calls = []
    all_chunks = []

    def on_connection(sock):
        sock.once('data', once_calls.append)
        sock.on('end', lambda: server.close())

        def add_collector():
            sock.on('data', all_chunks.append)
        net.setTimeout(add_collector, 1)

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.on('connect', lambda: _send_in_steps(client, [b'one', b'two', b'three']))
    client.resume()
    run_loop()
    assert once_calls == [b'one']
    assert b''.join(all_chunks).endswith(b'three')


def test_sole_once_data_listener_does_not_see_the_next_chunk(listening_server, run_loop):
    once_calls = []

    def on_connection(sock):
        sock.once('data', once_calls.append)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.on('connect', lambda: _send_in_steps(client, [b'first', b'second', b'third'], gap=30))
    client.resume()
    run_loop()
    assert once_calls == [b'first']


def test_two_data_listeners_both_get_every_chunk(listening_server, run_loop):
    a, b = [], []

    def on_connection(sock):
        sock.on('data', a.append)
        sock.on('data', b.append)
        sock.on('end', lambda: server.close())
    server, port = listening_server(on_connection)
    payload = bytes(range(256)) * 2048
    client = net.connect(port, '127.0.0.1', lambda: client.end(payload))
    client.resume()
    run_loop()
    assert b''.join(a) == payload
    assert b''.join(b) == payload


def test_second_listener_added_while_flowing_gets_later_chunks(listening_server, run_loop):
    first, second = [], []

    def on_connection(sock):
        def on_data(chunk):
            first.append(chunk)
            if len(first) == 1:
                sock.on('data', second.append)
        sock.on('data', on_data)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.on('connect', lambda: _send_in_steps(client, [b'a', b'b', b'c']))
    client.resume()
    run_loop()
    assert b''.join(first) == b'abc'
    # Every chunk after the first, however the pieces were coalesced.
    assert first[0] and b''.join(second) == b'abc'[len(first[0]):]


def test_listener_removed_during_emit_still_gets_that_chunk_but_not_later_ones(listening_server,
                                                                               run_loop):
    log = []

    def on_connection(sock):
        def a(chunk):
            log.append(('a', chunk))
            sock.removeListener('data', b)

        def b(chunk):
            log.append(('b', chunk))
        sock.on('data', a)
        sock.on('data', b)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.on('connect', lambda: _send_in_steps(client, [b'1', b'2']))
    client.resume()
    run_loop()
    assert log == [('a', b'1'), ('b', b'1'), ('a', b'2')]


def test_prepend_listener_for_data_runs_first(listening_server, run_loop):
    log = []

    def on_connection(sock):
        sock.on('data', lambda d: log.append('on'))
        sock.prependListener('data', lambda d: log.append('prepended'))
        sock.on('end', lambda: server.close())
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'x'))
    client.resume()
    run_loop()
    assert log == ['prepended', 'on']


def test_set_encoding_after_the_first_chunk_decodes_the_rest(listening_server, run_loop):
    chunks = []

    def on_connection(sock):
        def on_data(chunk):
            chunks.append(chunk)
            if len(chunks) == 1:
                sock.setEncoding('utf8')
        sock.on('data', on_data)
        sock.on('end', lambda: server.close())

    server, port = listening_server(on_connection, noDelay=True)
    client = net.connect({'port': port, 'host': '127.0.0.1', 'noDelay': True})
    client.on('connect', lambda: _send_in_steps(client, [b'raw', 'ünï'.encode()]))
    client.resume()
    run_loop()
    assert chunks[0] == b'raw'
    assert ''.join(chunks[1:]) == 'ünï'
    assert all(type(c) is str for c in chunks[1:])


def test_remove_all_listeners_then_add_one(listening_server, run_loop):
    got = []

    def on_connection(sock):
        sock.on('data', lambda d: None)
        sock.removeAllListeners('data')
        sock.pause()

        def later():
            sock.on('data', got.append)
            sock.resume()
        net.setTimeout(later, 40)
        sock.on('end', lambda: server.close())
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'kept'))
    client.resume()
    run_loop()
    assert b''.join(got) == b'kept'
