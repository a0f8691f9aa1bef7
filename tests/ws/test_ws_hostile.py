"""Hostile and failing peers against a pyuvnet.ws server: a 64 MiB
fragmented message past maxPayload, a compressed bomb, a slow reader, a
peer that never answers the close, a peer that vanishes, and pause().
The peer is a raw pyuvnet socket that does the handshake by hand
(tests/ws/ws_support.py)."""
import zlib

import pyuvnet as net
from pyuvnet.ws import WebSocketServer

from ws_support import frame, parse_frames, raw_client

MiB = 1 << 20


def serve(on_connection, **options):
    wss = WebSocketServer(port=0, host='127.0.0.1', **options)
    wss.on('connection', on_connection)
    return wss


def answer_close(sock, received):
    # An honest peer's half of the closing handshake: its close frame back.
    closes = close_frames(received)
    if closes and not sock.writableEnded:
        sock.end(frame(8, closes[0][0].to_bytes(2, 'big')))


def close_frames(received):
    frames, _ = parse_frames(b''.join(received))
    return [(int.from_bytes(p[:2], 'big'), p[2:]) for op, p in frames if op == 8]


def test_64_mib_fragmented_message_stops_at_max_payload():
    events = []
    sent = {}

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: events.append(('message', len(data))))
        ws.on('error', lambda err: events.append(('error', err.code, str(err))))
        ws.on('close', lambda code, reason: (events.append(('close', code)), wss.close()))
    wss = serve(connection, maxPayload=16 * MiB)

    def on_open(sock, received):
        piece = b'\xab' * MiB
        sent['fragments'] = 0
        for i in range(64):
            opcode = 2 if i == 0 else 0
            sock.write(frame(opcode, piece, fin=(i == 63)))
            sent['fragments'] += 1
        # The server's close frame comes back; then we close too.
        sock.on('data', lambda chunk: close_frames(received) and sock.end())
        sent['received'] = received
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert events[0] == ('error', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded')
    assert events[-1][0] == 'close'
    assert not any(e[0] == 'message' for e in events)
    assert close_frames(sent['received'])[0] == (1009, b'')


def test_64_mib_fragmented_message_within_max_payload_arrives_whole():
    got = []

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: (got.append((len(data), data[:1], data[-1:])),
                                                 ws.close(1000)))
        ws.on('close', lambda code, reason: wss.close())
    wss = serve(connection)

    def on_open(sock, received):
        for i in range(64):
            sock.write(frame(2 if i == 0 else 0, bytes([i]) * MiB, fin=(i == 63)))
        sock.on('data', lambda chunk: close_frames(received) and sock.end())
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert got == [(64 * MiB, b'\x00', b'\x3f')]


def test_compressed_bomb_stops_at_max_payload():
    events = []
    out = {}
    # 64 MiB of zeros, deflated to about 64 KiB.
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = b''.join(deflate.compress(bytes(MiB)) for _ in range(64)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    bomb = bomb[:-4]
    assert len(bomb) < MiB

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: events.append(('message', len(data))))
        ws.on('error', lambda err: events.append(('error', err.code, str(err))))
        ws.on('close', lambda code, reason: (events.append(('close', code)), wss.close()))
    wss = serve(connection, maxPayload=MiB, perMessageDeflate=True)

    def on_open(sock, received):
        sock.write(frame(2, bomb, rsv=4))
        out['received'] = received
        sock.on('data', lambda chunk: close_frames(received) and sock.end())
    wss.on('listening', lambda: raw_client(
        wss.address()['port'], on_open, b'Sec-WebSocket-Extensions: permessage-deflate\r\n'))
    net.run()
    assert events[0] == ('error', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded')
    assert close_frames(out['received'])[0] == (1009, b'')


def test_slow_reader_grows_buffered_amount_then_drains():
    seen = {}

    def connection(ws, req):
        for _ in range(128):
            ws.send(b'x' * (256 * 1024))
        seen['after_send'] = ws.bufferedAmount

        def check():
            seen['later'] = ws.bufferedAmount
            seen['client'].resume()

        def drained():
            seen['drained'] = ws.bufferedAmount
            ws.close(1000)
        net.setTimeout(check, 200)
        ws.on('message', lambda data, is_binary: drained())
        ws.on('close', lambda code, reason: (seen.update(code=code), wss.close()))
    wss = serve(connection)

    def on_open(sock, received):
        # Read nothing for a while: the server's writes queue up.
        sock.pause()
        seen['client'] = sock

        def count(chunk):
            if sum(map(len, received)) >= 128 * (256 * 1024 + 10) and not seen.get('answered'):
                seen['answered'] = True
                sock.write(frame(1, b'got it'))
            elif seen.get('answered'):
                answer_close(sock, received)
        sock.on('data', count)
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert seen['after_send'] > 16 * MiB
    # The peer read nothing meanwhile: what the kernel's buffers took is
    # gone from bufferedAmount, the rest waits.
    assert seen['later'] > 8 * MiB
    assert seen['drained'] == 0
    assert seen['code'] == 1000


def test_peer_that_never_answers_the_close_is_destroyed_after_close_timeout():
    events = []

    def connection(ws, req):
        start = net.get_loop().now()
        ws.close(1000, 'bye')
        assert ws.readyState == ws.CLOSING
        ws.on('close', lambda code, reason: (
            events.append((code, reason, net.get_loop().now() - start)), wss.close()))
    wss = serve(connection, closeTimeout=300)
    peer = {}

    def on_open(sock, received):
        peer['received'] = received     # reads the close frame, answers nothing
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    (code, reason, elapsed), = events
    assert (code, reason) == (1006, b'')
    assert 250 <= elapsed < 20000         # closeTimeout, not ws's 30 s default
    assert close_frames(peer['received']) == [(1000, b'bye')]


def test_peer_vanishing_mid_message_gives_close_1006():
    events = []

    def connection(ws, req):
        ws.on('message', lambda data, is_binary: events.append('message'))
        ws.on('error', lambda err: events.append(('error', err)))
        ws.on('close', lambda code, reason: (events.append(('close', code)), wss.close()))
    wss = serve(connection)

    def on_open(sock, received):
        sock.write(frame(2, b'x' * 1000)[:500])
        sock.destroy()
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert events == [('close', 1006)]


def test_pause_stops_reading_the_socket():
    got = []
    state = {}

    def connection(ws, req):
        ws.pause()
        assert ws.isPaused
        ws.on('message', lambda data, is_binary: got.append(len(data)))
        state['ws'] = ws

        def later():
            state['while_paused'] = len(got)
            ws.resume()
        net.setTimeout(later, 300)
        ws.on('close', lambda code, reason: wss.close())
    wss = serve(connection)

    def on_open(sock, received):
        for _ in range(200):
            sock.write(frame(2, b'y' * 65536))
        state['client_queued'] = sock.writableLength
        sock.write(frame(8, (1000).to_bytes(2, 'big')))
        sock.on('data', lambda chunk: close_frames(received) and sock.end())
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert state['while_paused'] == 0
    assert got == [65536] * 200


def test_ping_flood_from_a_peer_that_never_reads_is_cut_off():
    events = []

    def connection(ws, req):
        ws.on('close', lambda code, reason: (events.append(code), wss.close()))
    wss = serve(connection, maxPendingAutoPongs=5)

    def on_open(sock, received):
        # Never reads: the pongs pile up unsent once the kernel's buffers fill.
        sock.pause()
        ping = frame(9, b'p' * 125)
        for _ in range(20000):
            sock.write(ping)
        sock.on('close', lambda *a: None)
    wss.on('listening', lambda: raw_client(wss.address()['port'], on_open))
    net.run()
    assert events == [1006]
