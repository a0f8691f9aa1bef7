"""`pyuvnet serve`'s port speaks h2c and HTTP/1.1: its first bytes choose.
An invalid HTTP/2 preface (neither the preface nor an HTTP/1.1 request's
method) is an HTTP/2 connection error (RFC 9113 3.4, h2spec 3.5/2),
answered as Node 20's http2 server answers it (SETTINGS, then GOAWAY
INTERNAL_ERROR), while every HTTP/1.1 request is still served."""
import os
import socket
import time

import pytest

from http2_support import GOAWAY, parse_frames
from serve_support import address_of, serve_command, stop

pytestmark = pytest.mark.timeout(60)
ASGI_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'asgi')
INTERNAL_ERROR = 2


@pytest.fixture(scope='module')
def port():
    proc = serve_command(ASGI_DIR, 'serve_apps:asgi_app', '--no-access-log',
                         '--timeout-graceful-shutdown', '1')
    try:
        yield address_of(proc)[0]
    finally:
        code, _out, err = stop(proc)
    assert code == 0, err


def talk(port, pieces):
    """Sends ``pieces`` apart (a moment between them) and reads until the
    server closes or is quiet for a second."""
    sock = socket.create_connection(('127.0.0.1', port))
    received = b''
    try:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.05)
        sock.settimeout(1)
        while True:
            data = sock.recv(65536)
            if not data:
                return received, True
            received += data
    except socket.timeout:
        return received, False
    finally:
        sock.close()


@pytest.mark.parametrize('first_bytes', [b'\x00\x00\x12\x04\x00\x00\x00\x00\x00',
                                         b'PRI * HTTP/1.1\r\n\r\n'],
                         ids=['a frame with no preface', 'a wrong version'])
def test_an_invalid_preface_is_answered_with_nodes_goaway(port, first_bytes):
    received, closed = talk(port, [first_bytes])
    goaways = [int.from_bytes(payload[4:8], 'big')
               for kind, _f, _s, payload in parse_frames(received) if kind == GOAWAY]
    assert goaways == [INTERNAL_ERROR]
    assert closed


@pytest.mark.parametrize('pieces', [
    [b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    [b'\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    [b'G', b'E', b'T', b' / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    [b'P', b'U', b'T / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'],
    [b'PROPFIND / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
], ids=['whole', 'after an empty line', 'byte by byte', 'PUT, as the preface begins', 'PROPFIND'])
def test_http1_requests_are_still_served(port, pieces):
    received, closed = talk(port, pieces)
    assert received.startswith(b'HTTP/1.1 200 OK\r\n'), received
    assert closed


@pytest.mark.parametrize('first_bytes', [b'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n',
                                         b'INVALID CONNECTION PREFACE\r\n\r\n',
                                         b'G?T / HTTP/1.1\r\nHost: x\r\n\r\n'],
                         ids=['an unknown method', "h2spec 3.5/2's", 'a bad method token'])
def test_a_bad_request_line_is_uvicorns_400_not_an_http2_error(port, first_bytes):
    # uvicorn answers what its parser refuses with 400; an h2c port keeps
    # that for anything that is neither the preface nor begins as it does.
    received, closed = talk(port, [first_bytes])
    assert received.startswith(b'HTTP/1.1 400 Bad Request\r\n'), received
    assert closed
