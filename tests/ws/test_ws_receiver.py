"""The receiver against hostile and honest frames, with ws v8 as the
oracle: each case is written to a ws server on Node and to a pyuvnet.ws
server (the same echo server, tests/ws/ws_support.py), and both must report
the same events (message, ping, error with ws's code and message, close
with its code and reason) and send the same frames back (the echo, the
pong, the close frame with its status: 1002, 1007, 1009).

The codes each case must give are pinned here too, as ws v8.23 gave them."""
import pytest

from ws_support import EventsServer, frame, raw_exchange, ws_node_modules

MAX_PAYLOAD = 100000


def close_payload(code, reason=b''):
    return code.to_bytes(2, 'big') + reason


CASES = {
    # name: (bytes after the handshake, the error code ws reports or None)
    'rsv2 set': (frame(1, b'hi', rsv=2), 'WS_ERR_UNEXPECTED_RSV_2_3'),
    'rsv3 set': (frame(1, b'hi', rsv=1), 'WS_ERR_UNEXPECTED_RSV_2_3'),
    'rsv1 without extension': (frame(1, b'hi', rsv=4), 'WS_ERR_UNEXPECTED_RSV_1'),
    'continuation first': (frame(0, b'hi'), 'WS_ERR_INVALID_OPCODE'),
    'text inside a fragmented message': (
        frame(1, b'a', fin=False) + frame(1, b'b'), 'WS_ERR_INVALID_OPCODE'),
    'binary inside a fragmented message': (
        frame(2, b'a', fin=False) + frame(2, b'b'), 'WS_ERR_INVALID_OPCODE'),
    'opcode 3': (frame(3, b'x'), 'WS_ERR_INVALID_OPCODE'),
    'opcode 11': (frame(11, b'x'), 'WS_ERR_INVALID_OPCODE'),
    'opcode 15': (frame(15), 'WS_ERR_INVALID_OPCODE'),
    'fragmented ping': (frame(9, b'p', fin=False), 'WS_ERR_EXPECTED_FIN'),
    'ping of 126 bytes': (frame(9, b'p' * 126), 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'),
    'close of 1 byte': (frame(8, b'\x03'), 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'),
    'unmasked from a client': (frame(1, b'hi', mask=None), 'WS_ERR_EXPECTED_MASK'),
    'length 2^63': (frame(2, b'', length=1 << 63), 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'),
    'length 2^53': (frame(2, b'', length=1 << 53), 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'),
    'over maxPayload in one frame': (
        frame(2, b'x' * (MAX_PAYLOAD + 1)), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
    'over maxPayload by its header alone': (
        frame(2, b'', length=MAX_PAYLOAD + 1), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
    'over maxPayload in fragments': (
        frame(2, b'x' * 60000, fin=False) + frame(0, b'x' * 40001), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'),
    'close code 1005': (frame(8, close_payload(1005)), 'WS_ERR_INVALID_CLOSE_CODE'),
    'close code 999': (frame(8, close_payload(999)), 'WS_ERR_INVALID_CLOSE_CODE'),
    'close code 2000': (frame(8, close_payload(2000)), 'WS_ERR_INVALID_CLOSE_CODE'),
    'close code 5000': (frame(8, close_payload(5000)), 'WS_ERR_INVALID_CLOSE_CODE'),
    'invalid UTF-8 text': (frame(1, b'\xff\xfe'), 'WS_ERR_INVALID_UTF8'),
    'overlong UTF-8': (frame(1, b'\xc0\xaf'), 'WS_ERR_INVALID_UTF8'),
    'UTF-8 surrogate': (frame(1, b'\xed\xa0\x80'), 'WS_ERR_INVALID_UTF8'),
    'UTF-8 past U+10FFFF': (frame(1, b'\xf4\x90\x80\x80'), 'WS_ERR_INVALID_UTF8'),
    'UTF-8 cut in a fragment, whole at the end': (
        frame(1, 'é'.encode()[:1], fin=False) + frame(0, 'é'.encode()[1:]), None),
    'invalid UTF-8 across fragments': (
        frame(1, b'ok', fin=False) + frame(0, b'\xe2\x82'), 'WS_ERR_INVALID_UTF8'),
    'invalid UTF-8 close reason': (frame(8, close_payload(1000, b'\xff')), 'WS_ERR_INVALID_UTF8'),
    'text, binary and empty messages': (
        frame(1, 'héllo'.encode()) + frame(2, bytes(range(256))) + frame(1, b'') + frame(2, b''),
        None),
    'a 16-bit and a 64-bit length': (frame(2, b'y' * 300) + frame(2, b'z' * 70000), None),
    'control frames between fragments': (
        frame(1, b'frag', fin=False) + frame(9, b'ping') + frame(0, b'men', fin=False) +
        frame(10, b'pong') + frame(0, b'ted'), None),
    'empty fragments': (frame(2, b'', fin=False) + frame(0, b'', fin=False) + frame(0, b'x'), None),
    'a zero mask': (frame(2, b'abc', mask=b'\0\0\0\0'), None),
    'close with a code and reason': (frame(8, close_payload(4000, 'bye é'.encode())), None),
    'close without a code': (frame(8), None),
    'close 1000 then more frames': (frame(8, close_payload(1000)) + frame(1, b'late'), None),
    'message then an error': (frame(1, b'first') + frame(3), 'WS_ERR_INVALID_OPCODE'),
}


@pytest.fixture(scope='module')
def servers():
    ws_node_modules()
    pair = {'node': EventsServer('node', MAX_PAYLOAD), 'pyuvnet': EventsServer('pyuvnet', MAX_PAYLOAD)}
    yield pair
    for server in pair.values():
        server.stop()


def exchange(server, data):
    # Every case ends with a close frame, so that an honest exchange ends
    # with the closing handshake (a receiver that failed ignores it).
    status, frames = raw_exchange(server.port, data + frame(8, close_payload(1000)))
    return status, frames, server.events()


@pytest.mark.parametrize('name', sorted(CASES))
def test_frames_as_ws_v8(servers, name):
    data, code = CASES[name]
    node = exchange(servers['node'], data)
    ours = exchange(servers['pyuvnet'], data)
    assert node[0] == 'HTTP/1.1 101 Switching Protocols'
    assert ours == node
    errors = [event for event in ours[2] if event[0] == 'error']
    if code is None:
        assert errors == []
    else:
        assert [e[1] for e in errors] == [code]
    assert ours[2][-1][0] == 'close'


def upgrade_with_body(server, extra, body):
    # The request's "body" goes with its head, before any answer.
    import socket as pysocket
    from ws_support import HANDSHAKE, parse_frames, read_head
    sock = pysocket.create_connection(('127.0.0.1', server.port), timeout=10)
    try:
        sock.sendall(HANDSHAKE % extra + body)
        head, rest = read_head(sock)
        while not any(op == 8 for op, _ in parse_frames(rest)[0]):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    finally:
        sock.close()
    answer = head.split(b'\r\n')[0], parse_frames(rest)[0]
    return answer + (server.events(),)


@pytest.mark.parametrize('extra, body', [
    (b'Content-Length: 5\r\n', b'hello'),
    (b'Transfer-Encoding: chunked\r\n', b'0\r\n\r\n'),
], ids=['content-length', 'chunked'])
def test_a_body_sent_with_the_upgrade_request_is_read_as_frames(servers, extra, body):
    # Node's http server hands what follows an upgrade request's head to
    # the upgrade (its parserOnIncoming skips the body): ws reads it as
    # frames, and 'h' or '0' has RSV2 or RSV3 set (1002).
    node = upgrade_with_body(servers['node'], extra, body)
    ours = upgrade_with_body(servers['pyuvnet'], extra, body)
    assert node[:2] == (b'HTTP/1.1 101 Switching Protocols', [(8, close_payload(1002))])
    assert ours == node
