"""What a connection's memory costs and when it is given back: a
connection closed by an error (1009 past maxPayload, a deflate bomb)
frees its partial message at once, not at the next cyclic collection
(ws's stays flat; audits t31b, t33); a message sent many times to a
peer that does not read, or broadcast to many such peers, is held once
(ws's Sender writes the header and the caller's buffer; audit t21)."""
import gc
import socket as pysocket
import threading
import zlib

import pytest

import pyuvnet as net
from pyuvnet.ws import WebSocket, WebSocketServer, broadcast

from support import RSS_IS_OURS, rss_bytes
from ws_support import HANDSHAKE, frame, parse_frames, raw_client, read_head

MIB = 1 << 20
MAX_PAYLOAD = 16 * MIB
ROUNDS = 6

# A 1 MiB fragment, masked with a zero key (its payload as it is): 20 of
# them pass the 16 MiB maxPayload.
PIECE = frame(2, b'\xab' * MIB, fin=False, mask=b'\0\0\0\0')
CONT = bytes([PIECE[0] & 0xF0]) + PIECE[1:]


def _bomb():
    # 64 MiB of zeros deflated (~64 KiB), one compressed frame.
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b''.join(deflate.compress(bytes(MIB)) for _ in range(64))
    data += deflate.flush(zlib.Z_SYNC_FLUSH)
    return frame(2, data[:-4], rsv=4, mask=b'\0\0\0\0')


def fragments_past_max_payload(sock):
    sock.write(PIECE)
    for _ in range(19):
        sock.write(CONT)


def deflate_bomb(sock):
    sock.write(_bomb())


@pytest.mark.parametrize('attack', [fragments_past_max_payload, deflate_bomb])
def test_error_closes_free_the_message_without_a_collection(run_loop, attack):
    wss = WebSocketServer(port=0, host='127.0.0.1', maxPayload=MAX_PAYLOAD,
                          perMessageDeflate=True)
    port = wss.address()['port']
    errors = []
    rss = []
    wss.on('connection', lambda ws, req: (
        ws.on('error', lambda err: errors.append((err.code, err._status))),
        ws.on('close', lambda code, reason: after_close())))

    def connect():
        raw_client(port, lambda sock, received: attack(sock),
                   b'Sec-WebSocket-Extensions: permessage-deflate\r\n')

    def after_close():
        rss.append(rss_bytes())
        if len(rss) < ROUNDS:
            connect()
        else:
            wss.close()

    enabled = gc.isenabled()
    gc.disable()
    try:
        connect()
        run_loop(60)
    finally:
        if enabled:
            gc.enable()
    assert errors == [('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009)] * ROUNDS
    # Held until a collection, each round kept another 16 MiB (80 MiB
    # after the first); freed at once, the first round's heap is reused.
    assert rss[-1] - rss[0] < 2 * MAX_PAYLOAD or not RSS_IS_OURS, [r // MIB for r in rss]


def test_a_message_sent_again_and_again_to_a_non_reader_is_held_once(run_loop):
    # 64 KiB x 2,000 to a client that never reads: 125 MiB if each frame
    # were a copy; the header and the same bytes, a few MiB.
    payload = bytes(64 * 1024)
    sends = 2000
    wss = WebSocketServer(port=0, host='127.0.0.1')
    state = {}

    def connection(ws, req):
        before = rss_bytes()
        for _ in range(sends):
            ws.send(payload)
        state['growth'] = rss_bytes() - before
        state['buffered'] = ws.bufferedAmount
        ws.terminate()
        wss.close()
    wss.on('connection', connection)
    client, = _clients(wss.address()['port'], 1)
    try:
        run_loop(30)
    finally:
        client.close()
    assert state['buffered'] > sends * len(payload) // 2     # still queued, not sent
    assert state['growth'] < 24 * MIB or not RSS_IS_OURS, state['growth'] // MIB


def _clients(port, count, receive_buffer=4096):
    socks = []
    for _ in range(count):
        sock = pysocket.socket()
        # Before connect(): a window shrunk later can stall the reads.
        sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, receive_buffer)
        sock.connect(('127.0.0.1', port))
        sock.sendall(HANDSHAKE % b'')
        socks.append(sock)
    return socks


def test_broadcast_frames_a_message_once_for_every_client(run_loop):
    # 10 clients that do not read yet, 8 MiB broadcast to them: one
    # payload held (a copy each would be 80 MiB), most of it still
    # queued; then each reads the whole message.
    payload = bytes(range(256)) * 32768
    count = 10
    wss = WebSocketServer(port=0, host='127.0.0.1')
    state = {}
    received = {}

    def read_all():
        for sock in socks:
            sock.settimeout(10)
            head, data = read_head(sock)
            while len(data) < len(payload) + 10:
                data += sock.recv(1 << 20)
            frames, used = parse_frames(data)
            received[sock] = (head.split(b'\r\n')[0], tuple(frames), used)

    def when_read():
        # (Started, then done: before the tenth handshake, which under
        # ASan can take longer than the first tick, the reader has not
        # started yet.)
        if reader.ident is not None and not reader.is_alive():
            net.clearInterval(poll)
            for client in wss.clients:
                client.terminate()
            wss.close()

    def connection(ws, req):
        if len(wss.clients) == count:
            before = rss_bytes()
            state['sent'] = broadcast(list(wss.clients) + [_closed_socket()], payload)
            state['growth'] = rss_bytes() - before
            state['queued'] = sum(client.bufferedAmount for client in wss.clients)
            reader.start()
    wss.on('connection', connection)
    socks = _clients(wss.address()['port'], count, 1 << 16)
    reader = threading.Thread(target=read_all)
    poll = net.setInterval(when_read, 20)
    try:
        run_loop(30)
    finally:
        for sock in socks:
            sock.close()
    assert state['sent'] == count and state['queued'] > count * len(payload) // 2
    assert state['growth'] < 24 * MIB or not RSS_IS_OURS, state['growth'] // MIB
    assert set(received.values()) == {(b'HTTP/1.1 101 Switching Protocols',
                                       ((2, payload),), len(payload) + 10)}


def _closed_socket():
    # A WebSocket that is not OPEN: skipped, as a loop checking readyState.
    ws = WebSocket('ws://127.0.0.1:1')
    ws.on('error', lambda err: None)
    ws.terminate()
    return ws


def test_broadcast_sends_text_and_falls_back_to_send_where_it_must(run_loop):
    # A client's connection masks each frame with its own key: send().
    wss = WebSocketServer(port=0, host='127.0.0.1')
    got = []
    wss.on('connection', lambda ws, req: ws.on('message', lambda data, is_binary: (
        got.append((data, is_binary)), broadcast([ws], 'écho'))))
    client = WebSocket('ws://127.0.0.1:%d' % wss.address()['port'])
    client.on('open', lambda: broadcast([client], b'\x00\x01'))
    client.on('message', lambda data, is_binary: (got.append((data, is_binary)), client.close()))
    client.on('close', lambda *args: wss.close())
    run_loop()
    assert got == [(b'\x00\x01', True), ('écho'.encode(), False)]
