"""UTF-8 validation (RFC 3629), ported from ws v8's test/validation.test.js:
the C validator the receiver uses refuses invalid bytes, overlong forms,
surrogates and code points past U+10FFFF, and accepts well-formed text;
Python's strict codec (RFC 3629 too) is the oracle for the rest, and a
text frame that fails is closed with 1007 on the wire."""
import random

import pytest

from pyuvnet import _uv
from pyuvnet.ws import WebSocketServer

from ws_support import frame, raw_exchange


def valid(data):
    return _uv.ws_valid_utf8(bytes(data))


def test_invalid_bytes():
    assert valid([0xF8]) is False


def test_overlong_encodings():
    assert not valid([0xC0, 0xA0])
    assert not valid([0xE0, 0x80, 0xA0])
    assert not valid([0xF0, 0x80, 0x80, 0xA0])


def test_surrogates():
    for second in range(0xA0, 0xC0):
        for third in range(0x80, 0xC0):
            assert not valid([0xED, second, third]), (second, third)


def test_code_points_past_u10ffff():
    assert not valid([0xF4, 0x90, 0x80, 0x80])
    assert not valid([0xF5, 0x80, 0x80, 0x80])


def test_well_formed_text():
    assert valid([0xE2, 0x82, 0xAC, 0xF0, 0x90, 0x8C, 0x88, 0x24])      # '€𐍈$'
    assert valid(b'') and valid(b'a' * 1000 + '€'.encode())


def strict(data):
    try:
        data.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return True


def test_agrees_with_pythons_codec_on_random_and_edge_bytes():
    rng = random.Random(44)
    pool = [0x00, 0x24, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0,
            0xF4, 0xF5, 0xFF, 0x90, 0xA0, 0x9F, 0x8F]
    for _ in range(20000):
        # Runs of ASCII around the odd bytes exercise the 8-byte fast path.
        data = bytes(rng.choice(pool) if rng.random() < 0.3 else 0x61
                     for _ in range(rng.randrange(1, 24)))
        assert valid(data) is strict(data), data.hex()


@pytest.mark.parametrize('payload', [bytes([0xED, 0xA0, 0x80]), bytes([0xF8]),
                                     bytes([0xC0, 0xA0])], ids=['surrogate', 'f8', 'overlong'])
def test_an_invalid_text_frame_is_closed_with_1007(run_loop, payload):
    wss = WebSocketServer(port=0, host='127.0.0.1')
    errors = []
    wss.on('connection', lambda ws, req: ws.on('error', lambda err: (
        errors.append((err.code, str(err))), wss.close())))
    port = wss.address()['port']
    import threading
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        answer=raw_exchange(port, frame(1, b'ok' + payload))))
    thread.start()
    run_loop(10)
    thread.join(10)
    status, frames = result['answer']
    assert status == 'HTTP/1.1 101 Switching Protocols'
    assert frames == [(8, (1007).to_bytes(2, 'big'))]
    assert errors == [('WS_ERR_INVALID_UTF8', 'Invalid WebSocket frame: invalid UTF-8 sequence')]
