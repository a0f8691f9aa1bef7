"""Socket as Node's Duplex: pipe() with backpressure, {'end': False},
unpipe(), the 'pipe'/'unpipe'/'finish' events and the ended/finished
flags."""
import hashlib
import os

import pyuvnet as net


def collecting_server(listening_server, into, **options):
    """A server gathering what it reads into ``into``; closes itself after
    its first connection ends."""
    def on_connection(sock):
        sock.on('data', into.append)
        sock.on('close', lambda _: server.close())
    server, port = listening_server(on_connection, **options)
    return server, port


def test_pipe_to_itself_echoes_everything(listening_server, run_loop):
    data = os.urandom(4 << 20)
    server, port = listening_server(lambda sock: sock.pipe(sock))
    got = []
    client = net.connect(port, '127.0.0.1', lambda: client.end(data))
    client.on('data', got.append)
    client.on('close', lambda _: server.close())
    run_loop(timeout=20)
    assert b''.join(got) == data


def test_pipe_returns_destination_and_emits_pipe_on_it(listening_server, run_loop):
    sink = []
    sink_server, sink_port = collecting_server(listening_server, sink)
    seen = {}

    def on_connection(src):
        dest = net.connect(sink_port, '127.0.0.1')
        dest.on('pipe', lambda source: seen.update(pipe_source_is_src=source is src))
        seen['returned_dest'] = src.pipe(dest) is dest
        src.on('close', lambda _: proxy.close())

    proxy, proxy_port = listening_server(on_connection)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.end(b'through the pipe'))
    client.resume()
    run_loop()
    assert seen == {'returned_dest': True, 'pipe_source_is_src': True}
    assert b''.join(sink) == b'through the pipe'


def test_pipe_applies_backpressure_while_the_destination_cannot_write(listening_server, run_loop):
    total = 16 << 20
    data = os.urandom(1 << 20) * 16
    digest = hashlib.sha1(data).hexdigest()
    sink = {'n': 0, 'h': hashlib.sha1()}

    def on_sink_connection(sock):
        def on_data(chunk):
            sink['n'] += len(chunk)
            sink['h'].update(chunk)
        sock.on('data', on_data)          # paused by pauseOnConnect
        net.setTimeout(sock.resume, 300)
        sock.on('close', lambda _: sink_server.close())

    sink_server, sink_port = listening_server(on_sink_connection, pauseOnConnect=True)
    samples = []

    def on_proxy_connection(src):
        dest = net.connect(sink_port, '127.0.0.1')
        src.pipe(dest)
        sampler = net.setInterval(lambda: samples.append((dest.writableLength, src.isPaused())), 5)
        src.on('end', lambda: net.clearInterval(sampler))
        src.on('close', lambda _: proxy.close())

    proxy, proxy_port = listening_server(on_proxy_connection)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.end(data))
    client.resume()
    run_loop(timeout=30)
    assert sink['n'] == total
    assert sink['h'].hexdigest() == digest
    # While the sink did not read, the proxy stopped reading from the
    # client instead of queueing the 16 MiB on the destination.
    assert any(paused for _, paused in samples)
    assert max(length for length, _ in samples) <= 512 * 1024


def test_pipe_with_end_false_leaves_the_destination_open(listening_server, run_loop):
    sink = []
    sink_server, sink_port = collecting_server(listening_server, sink)
    seen = {}

    def on_connection(src):
        dest = net.connect(sink_port, '127.0.0.1')
        src.pipe(dest, {'end': False})

        def on_end():
            net.setTimeout(lambda: (seen.update(dest_ended=dest.writableEnded),
                                    dest.end(b' + trailer')), 30)
        src.on('end', on_end)
        src.on('close', lambda _: proxy.close())

    proxy, proxy_port = listening_server(on_connection)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.end(b'body'))
    client.resume()
    run_loop()
    assert seen == {'dest_ended': False}
    assert b''.join(sink) == b'body + trailer'


def test_pipe_ends_the_destination_by_default_and_it_finishes(listening_server, run_loop):
    sink = []
    sink_server, sink_port = collecting_server(listening_server, sink)
    seen = {}

    def on_connection(src):
        dest = net.connect(sink_port, '127.0.0.1')
        src.pipe(dest)
        dest.on('finish', lambda: seen.update(finish=(dest.writableEnded, dest.writableFinished,
                                                       src.readableEnded)))
        dest.resume()
        src.on('close', lambda _: proxy.close())

    proxy, proxy_port = listening_server(on_connection)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.end(b'all of it'))
    client.resume()
    run_loop()
    assert seen == {'finish': (True, True, True)}
    assert b''.join(sink) == b'all of it'


def test_unpipe_stops_the_flow_and_pauses_the_source(listening_server, run_loop):
    sink = []
    seen = {}

    def on_sink_connection(sock):
        def on_data(chunk):
            sink.append(chunk)
            if b''.join(sink) == b'first':
                seen['first arrived'] = True
                state['unpipe']()
        sock.on('data', on_data)
        sock.on('close', lambda _: sink_server.close())

    sink_server, sink_port = listening_server(on_sink_connection)
    state = {}

    def on_connection(src):
        dest = net.connect(sink_port, '127.0.0.1')
        dest.on('unpipe', lambda source, info: seen.update(unpipe_source_is_src=source is src))
        src.pipe(dest)

        def unpipe():
            assert src.unpipe(dest) is src
            seen['paused after unpipe'] = src.isPaused()
            state['client'].write(b'second')

            def check():
                seen['sink after unpipe'] = b''.join(sink)
                seen['source buffered'] = src.readableLength
                dest.end()
                src.destroy()
                proxy.close()
            net.setTimeout(check, 80)
        state['unpipe'] = unpipe

    proxy, proxy_port = listening_server(on_connection)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.write(b'first'))
    state['client'] = client
    client.on('error', lambda e: None)
    client.resume()
    run_loop()
    assert seen['first arrived'] is True
    assert seen['unpipe_source_is_src'] is True
    assert seen['paused after unpipe'] is True
    assert seen['sink after unpipe'] == b'first'
    assert seen['source buffered'] == len(b'second')


def test_unpipe_without_argument_removes_every_destination(listening_server, run_loop):
    sink_a, sink_b = [], []
    server_a, port_a = collecting_server(listening_server, sink_a)
    server_b, port_b = collecting_server(listening_server, sink_b)
    seen = {}

    def on_connection(src):
        a = net.connect(port_a, '127.0.0.1')
        b = net.connect(port_b, '127.0.0.1')
        src.pipe(a)
        src.pipe(b)

        def on_first(chunk):
            src.unpipe()
            seen['paused'] = src.isPaused()

            def finish():
                a.end()
                b.end()
                src.destroy()
                proxy.close()
            net.setTimeout(finish, 60)
        src.once('data', on_first)

    proxy, proxy_port = listening_server(on_connection)
    client = net.connect(proxy_port, '127.0.0.1')
    client.on('connect', lambda: (client.write(b'x'),
                                  net.setTimeout(lambda: client.write(b'y'), 30)))
    client.on('error', lambda e: None)
    client.resume()
    run_loop()
    assert seen['paused'] is True
    assert b''.join(sink_a) == b'x'
    assert b''.join(sink_b) == b'x'


def test_a_proxy_of_two_pipes_runs_no_pyuvnet_python_per_chunk(listening_server, run_loop):
    """SPEC section 7: piping moves the data without Python.  A proxy
    (client -> proxy -> echo server, each way a pipe()) carries 4 MiB both
    ways, with backpressure pausing and resuming the sources, while no
    Python function of pyuvnet's runs (the frames are counted from the
    first echoed byte to the last)."""
    import sys
    total = 4 * 1024 * 1024
    package = os.path.dirname(net.__file__) + os.sep
    frames = {}

    def profile(frame, event, arg):
        if event == 'call' and frame.f_code.co_filename.startswith(package):
            frames[frame.f_code.co_name] = frames.get(frame.f_code.co_name, 0) + 1

    echo_server, echo_port = listening_server(lambda s: s.pipe(s))

    def proxy(sock):
        upstream = net.connect(echo_port, '127.0.0.1')
        sock.pipe(upstream)
        upstream.pipe(sock)
    proxy_server, proxy_port = listening_server(proxy)
    received = []
    block = os.urandom(65536)
    client = net.connect(proxy_port, '127.0.0.1', lambda: client.write(b'!'))

    def on_data(chunk):
        if not received:
            sys.setprofile(profile)
            for _ in range(total // len(block)):
                client.write(block)
        received.append(chunk)
        if sum(map(len, received)) >= 1 + total:
            sys.setprofile(None)
            client.end()
    client.on('data', on_data)
    client.on('close', lambda _: (proxy_server.close(), echo_server.close()))
    try:
        run_loop(20)
    finally:
        sys.setprofile(None)
    assert b''.join(received) == b'!' + block * (total // len(block))
    assert frames == {}


def _two_connected(listening_server, then):
    """Two client sockets to a server that reads and drops; ``then(a, b,
    server)`` once both are connected."""
    def on_connection(sock):
        sock.on('data', lambda chunk: None)
        sock.on('error', lambda err: None)
    server, port = listening_server(on_connection)
    a, b = net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')
    connected = []

    def on_connect():
        connected.append(1)
        if len(connected) == 2:
            then(a, b, server)
    a.on('connect', on_connect)
    b.on('connect', on_connect)


def test_pipe_and_unpipe_listeners_and_flow_as_node(listening_server, run_loop):
    """Node 20's Readable.pipe() on sockets (pinned with /usr/bin/node):
    the listeners pipe() adds on both sides, 'pipe' and 'unpipe' with
    {'hasUnpiped': False}, and unpipe() leaving the source paused with
    every one of them removed; a second unpipe() does nothing."""
    seen = []

    def then(a, b, server):
        b.on('pipe', lambda src: seen.append(('pipe', src is a)))
        b.on('unpipe', lambda src, info: seen.append(('unpipe', src is a, dict(info))))
        seen.append(('before', a.readableFlowing))
        before = {name: b.listenerCount(name) for name in ('error', 'close', 'finish', 'drain')}
        assert a.pipe(b, {'end': False}) is b
        seen.append(('piped', a.readableFlowing, a.listenerCount('data'),
                     b.listenerCount('close') - before['close'],
                     b.listenerCount('finish') - before['finish']))
        a.unpipe(b)
        seen.append(('unpiped', a.readableFlowing, a.isPaused(), a.listenerCount('data'),
                     {name: b.listenerCount(name) for name in before} == before))
        a.unpipe(b)
        a.destroy()
        b.destroy()
        server.close()
    _two_connected(listening_server, then)
    run_loop()
    assert seen == [('before', None), ('pipe', True), ('piped', True, 1, 1, 1),
                    ('unpipe', True, {'hasUnpiped': False}),
                    ('unpiped', False, True, 0, True)]


def test_a_destroyed_destination_unpipes_its_source(listening_server, run_loop):
    """Node 20: the destination's error unpipes the source first ('unpipe'
    before the destination's own 'error' listener), which is left paused
    and open."""
    seen = []

    def then(a, b, server):
        a.pipe(b)
        b.on('unpipe', lambda src, info: seen.append('unpipe'))
        b.on('error', lambda err: seen.append(('error', str(err), b.destroyed)))

        def on_close(*args):
            seen.append(('close', a.destroyed, a.readableFlowing))
            a.destroy()
            server.close()
        b.on('close', on_close)
        b.destroy(Exception('boom'))
    _two_connected(listening_server, then)
    run_loop()
    assert seen == ['unpipe', ('error', 'boom', True), ('close', False, False)]
