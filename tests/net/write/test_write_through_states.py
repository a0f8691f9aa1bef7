"""Write-through without the GIL (write_through, uv/stream/read_callbacks.pyx)
reads the streams' state at each read: every change that must stop a read going
straight to the destination does, mid-stream, as Node's pipe() behaves (Node 20
ran the same exchanges: /usr/bin/node, the answers quoted in each
test).  Each test sends a first part through the pipe (written through),
changes the state once the sink holds it, then sends a second."""
import os

import pyuvnet as net
from tcp_write_support import proxy_to_sink, send_in_steps

PART = 100_000


def piped(listening_server, change, on_sink=None, dest_options=None):
    """A proxy whose source is piped to a sink; ``change(src, dest)`` runs
    once the sink holds the first part, then the second part is sent, and
    300 ms later the source's state is read (``state['after']``) and
    every socket destroyed.  Returns
    (state, the sink's chunks, the two parts)."""
    parts = [os.urandom(PART), os.urandom(PART)]
    state = {'events': []}

    def on_pipe(src, dest):
        state['src'], state['dest'] = src, dest
        for name in ('error', 'close', 'unpipe', 'finish'):
            dest.on(name, lambda *args, name=name: state['events'].append(
                (name, getattr(args[0], 'code', args[0]) if args else None)))
        src.on('error', lambda err: state['events'].append(('src error', err.code)))

    port, received = proxy_to_sink(listening_server, on_pipe, on_sink=on_sink,
                                   dest_options=dest_options)

    def second_part(client):
        change(state['src'], state['dest'])
        client.write(parts[1])

        def look():
            src = state['src']
            state['after'] = {'sink': sum(map(len, received)), 'paused': src.isPaused(),
                              'readableLength': src.readableLength}
            client.destroy()
            src.destroy()
            state['dest'].destroy()
        net.setTimeout(look, 300)

    send_in_steps(port, parts[:1], received, lambda i: None, second_part)
    return state, received, parts


def test_pause_mid_pipe_holds_the_rest_in_the_source(listening_server, run_loop):
    # Node 20: the sink keeps the first part only; the source is paused
    # with the second part (some of it) waiting in its readable buffer.
    state, received, parts = piped(listening_server, lambda src, dest: src.pause())
    run_loop(timeout=10)
    after = state['after']
    assert after['sink'] == PART
    assert b''.join(received) == parts[0]
    assert after['paused'] is True
    assert 0 < after['readableLength'] <= PART


def test_resume_after_a_pause_mid_pipe_passes_every_byte_once_in_order(
        listening_server, run_loop):
    parts = [os.urandom(PART) for _ in range(3)]
    state = {}

    def on_pipe(src, dest):
        state['src'] = src

    port, received = proxy_to_sink(listening_server, on_pipe)

    def before_part(i):
        if i == 1:
            state['src'].pause()
            net.setTimeout(state['src'].resume, 50)
    send_in_steps(port, parts, received, before_part, lambda client: client.end())
    run_loop(timeout=10)
    assert b''.join(received) == b''.join(parts)


def test_set_encoding_mid_pipe_sends_the_decoded_text(listening_server, run_loop):
    # Node 20: after setEncoding('hex') the pipe writes the source's
    # strings, so the sink receives the second part as hex text.
    state, received, parts = piped(listening_server, lambda src, dest: src.setEncoding('hex'))
    run_loop(timeout=10)
    assert b''.join(received) == parts[0] + parts[1].hex().encode()


def test_cork_mid_pipe_holds_the_rest_until_uncork(listening_server, run_loop):
    # Node 20: a corked destination writes nothing until uncork().
    seen = []

    def change(src, dest):
        dest.cork()

        def uncork():
            seen.append(sum(map(len, received)))
            dest.uncork()
        net.setTimeout(uncork, 150)
    state, received, parts = piped(listening_server, change)
    run_loop(timeout=10)
    assert seen == [PART]
    assert b''.join(received) == b''.join(parts)


def test_destroying_the_destination_mid_pipe_sends_it_nothing_more(listening_server, run_loop):
    # Node 20: the destination closes (no error), nothing more reaches the
    # sink, and the source is left paused with the rest waiting unread.
    state, received, parts = piped(listening_server, lambda src, dest: dest.destroy())
    run_loop(timeout=10)
    assert b''.join(received) == parts[0]
    assert ('close', False) in state['events']
    assert not any(name == 'error' for name, _ in state['events'])
    assert state['after']['paused'] is True
    assert state['after']['readableLength'] > 0


def test_a_destination_reset_by_its_peer_mid_pipe_errors_then_closes(listening_server, run_loop):
    # Node 20: writing the second part to a connection its peer reset
    # gives 'error' (ECONNRESET; EPIPE if the kernel says so) then
    # 'close'(true), nothing after; the source is left paused.
    sinks = []

    def change(src, dest):
        sinks[0].resetAndDestroy()
    state, received, parts = piped(listening_server, change, on_sink=sinks.append)
    run_loop(timeout=10)
    names = [name for name, _ in state['events']]
    assert names.count('error') == 1 and names.count('close') == 1
    assert names.index('error') < names.index('close')
    assert dict(state['events'])['error'] in ('EPIPE', 'ECONNRESET')
    assert dict(state['events'])['close'] is True
    assert names[-1] == 'close'
    assert state['after']['paused'] is True


def test_piped_traffic_keeps_both_idle_timeouts_off(listening_server, run_loop):
    # Node 20: setTimeout(150) on both sides of the pipe while 1 KiB goes
    # through every 30 ms: no 'timeout' while it flows (the source reads,
    # the destination writes), both once it stops. Here 1 s, not 150 ms: a
    # loaded machine (load 19 on 2 cores) stalled the sender past 150 ms.
    timeouts = []
    state = {}

    def on_pipe(src, dest):
        state['src'], state['dest'] = src, dest
        src.setTimeout(1000, lambda: timeouts.append(('src', state['sent'])))
        dest.setTimeout(1000, lambda: timeouts.append(('dest', state['sent'])))

    port, received = proxy_to_sink(listening_server, on_pipe)
    state['sent'] = 0

    def send():
        if state['sent'] == 20:
            def done():
                client.destroy()
                state['src'].destroy()
                state['dest'].destroy()
            net.setTimeout(done, 1500)
            return
        client.write(b'\1' * 1024)
        state['sent'] += 1
        net.setTimeout(send, 30)
    client = net.connect(port, '127.0.0.1', send)
    run_loop(timeout=10)
    assert sum(map(len, received)) == 20 * 1024
    assert sorted(timeouts) == [('dest', 20), ('src', 20)]


def test_a_pipe_counts_what_it_carried_as_read_and_written(listening_server, run_loop):
    # Node 20, 3 MiB through the same proxy: bytesRead of the source and
    # bytesWritten of the destination are both 3 MiB.
    data = os.urandom(3 << 20)
    counts = {}

    def on_pipe(src, dest):
        src.on('end', lambda: counts.update(read=src.bytesRead))
        dest.on('finish', lambda: counts.update(written=dest.bytesWritten))

    port, received = proxy_to_sink(listening_server, on_pipe)
    client = net.connect(port, '127.0.0.1', lambda: client.end(data))
    client.resume()
    run_loop(timeout=20)
    assert b''.join(received) == data
    assert counts == {'read': len(data), 'written': len(data)}
