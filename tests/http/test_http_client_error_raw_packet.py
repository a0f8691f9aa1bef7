"""'clientError''s parse error carries ``rawPacket``, the bytes of the
chunk being parsed, and ``bytesParsed``, where in it the error is; pinned
with Node 20: a GET, then a line without a colon in the same packet gives
HPE_INVALID_HEADER_TOKEN, bytesParsed 49 and the whole packet (a Buffer)."""
import pyuvnet.http as http
from http_server_support import listen, raw_client

PACKET = b'GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost a\r\n\r\n'


def test_client_error_has_the_raw_packet_and_bytes_parsed(run_loop):
    seen = []
    server = http.createServer(lambda req, res: (seen.append(req.url), res.end('ok')))

    def on_client_error(error, socket):
        seen.append((error.code, error.bytesParsed, error.rawPacket, error.raw_packet))
        socket.destroy()
        server.close()
    server.on('clientError', on_client_error)
    listen(server, lambda: raw_client(server, [PACKET]))
    run_loop()
    assert seen == ['/x', ('HPE_INVALID_HEADER_TOKEN', 49, PACKET, PACKET)]
    assert type(seen[1][2]) is bytes


def test_the_raw_packet_is_the_chunk_of_the_error_not_the_first(run_loop):
    seen = []
    server = http.createServer(lambda req, res: res.end('ok'))

    def on_client_error(error, socket):
        seen.append((error.bytesParsed, error.rawPacket))
        socket.destroy()
        server.close()
    server.on('clientError', on_client_error)
    listen(server, lambda: raw_client(server, [b'GET /x HTTP/1.1\r\nHo', b'st: a\r\nBad\0: 1\r\n\r\n'],
                                       delay=50))
    run_loop()
    assert seen == [(10, b'st: a\r\nBad\0: 1\r\n\r\n')]
