"""RFC 9113 (HTTP/2) and RFC 7541 (HPACK) conformance cases in the way
h2spec groups them, sent as hand-encoded bytes by a blocking raw client.

Each case is a rule's violation (or a case the rule allows) as the bytes a
client sends after its preface and SETTINGS; ``probe()`` sends them to a
server and reduces what comes back to an outcome: the GOAWAY's code, each
stream's RST_STREAM code or response status, and whether the server closed
the connection. Node 20's outcomes are pinned in h2_conformance_node.json
(tools/audits/h2_conformance.py --pin writes it); the suite and the audit
compare pyuvnet's against them.

The server under test answers each request once its body ended, with a
200 (a 'stream' listener of http2, or an ASGI app under ``pyuvnet serve``),
so a request left open sees the error rather than a response."""
import socket
import time

from http2_support import (CONTINUATION, DATA, END_HEADERS, END_STREAM, GOAWAY, HEADERS,
                           PING, PREFACE, RST_STREAM, SETTINGS, WINDOW_UPDATE, frame,
                           parse_frames)

PRIORITY, PADDED, PRIORITY_FLAG = 2, 0x8, 0x20
ERROR_NAMES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR',
               'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM',
               'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
               'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED']
# The PING the client sends after a case: its ACK says the server has read
# every frame before it.
FENCE = b'h2-fence'
# HPACK's static table: the indexed :status fields a response starts with.
STATUS_INDEX = {0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500}


# -- HPACK, by hand ---------------------------------------------------------

def hpack_int(value, prefix_bits, first=0):
    """``value`` as an HPACK integer with an N-bit prefix (RFC 7541 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out, value = [first | limit], value - limit
    while value >= 128:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out + [value])


def hstr(text):
    raw = text if isinstance(text, bytes) else text.encode()
    return hpack_int(len(raw), 7) + raw


def lit(name, value, kind=0x00):
    """A literal field with a literal name: without indexing (0x00),
    with incremental indexing (0x40) or never indexed (0x10)."""
    return bytes([kind]) + hstr(name) + hstr(value)


def request(method='GET', path='/', scheme='http', authority='localhost', extra=()):
    """A request's header block, every field a literal (no table state)."""
    fields = [(':method', method), (':scheme', scheme), (':path', path),
              (':authority', authority)]
    return b''.join(lit(n, v) for n, v in fields if v is not None) + b''.join(
        lit(n, v) for n, v in extra)


GET = request()
POST = request('POST')


def headers(stream_id, block=GET, flags=END_HEADERS | END_STREAM):
    return frame(HEADERS, flags, stream_id, block)


def data(stream_id, payload=b'', flags=END_STREAM):
    return frame(DATA, flags, stream_id, payload)


def u32(value):
    return value.to_bytes(4, 'big')


def rst(stream_id, code=8):
    return frame(RST_STREAM, 0, stream_id, u32(code))


def window_update(stream_id, increment):
    return frame(WINDOW_UPDATE, 0, stream_id, u32(increment))


def setting(ident, value):
    return frame(SETTINGS, 0, 0, ident.to_bytes(2, 'big') + u32(value))


def priority(stream_id, depends_on, weight=15, exclusive=False):
    return frame(PRIORITY, 0, stream_id, u32(depends_on | (exclusive << 31)) + bytes([weight]))


# -- the cases --------------------------------------------------------------

class Case:
    """One rule: ``send`` follows the client's preface and SETTINGS (or
    replaces them when ``own_preface``)."""

    def __init__(self, group, name, send, own_preface=False):
        self.group, self.name, self.send, self.own_preface = group, name, send, own_preface
        self.id = group + '/' + name


def _cases():
    c = []

    def add(group, name, send, own_preface=False):
        c.append(Case(group, name, send, own_preface))

    # 3.4 (RFC 9113; 3.5 in RFC 7540): the connection preface.
    empty_settings = frame(SETTINGS, 0, 0)
    add('3.4', 'a valid preface and GET', headers(1))
    add('3.4', 'an invalid preface', b'PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n' + empty_settings, True)
    add('3.4', 'a preface without SETTINGS (PING first)',
        PREFACE + frame(PING, 0, 0, b'12345678'), True)
    add('3.4', 'an HTTP/1.1 request instead of the preface',
        b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', True)
    add('3.4', 'a SETTINGS ACK as the first frame', PREFACE + frame(SETTINGS, 1, 0), True)

    # 4.1, 4.2: frame format and size.
    add('4.1', 'an unknown frame type is ignored', frame(0x20, 0, 0, b'xyz') + headers(1))
    add('4.1', 'undefined flags on PING are ignored', frame(PING, 0xFE, 0, b'12345678'))
    add('4.1', 'the reserved bit of a stream id is ignored',
        frame(HEADERS, END_HEADERS | END_STREAM, 1 | (1 << 31), GET))
    add('4.2', 'DATA over SETTINGS_MAX_FRAME_SIZE',
        headers(1, POST, END_HEADERS) + data(1, b'x' * 16385))
    add('4.2', 'HEADERS over SETTINGS_MAX_FRAME_SIZE',
        headers(1, request(extra=[('x-big', 'x' * 16400)])))
    add('4.2', 'a frame of exactly SETTINGS_MAX_FRAME_SIZE',
        headers(1, POST, END_HEADERS) + data(1, b'x' * 16384))

    # 4.3: header compression and decompression.
    add('4.3', 'an undecodable header block', headers(1, b'\x80'))
    add('4.3', 'PRIORITY between HEADERS and CONTINUATION',
        headers(1, GET[:10], END_STREAM) + priority(1, 0)
        + frame(CONTINUATION, END_HEADERS, 1, GET[10:]))
    add('4.3', 'a header block truncated mid-field', headers(1, GET[:-3]))

    # 5.1: stream states.
    add('5.1', 'idle: DATA', data(1, b'x'))
    add('5.1', 'idle: RST_STREAM', rst(1))
    add('5.1', 'idle: WINDOW_UPDATE', window_update(1, 100))
    add('5.1', 'idle: CONTINUATION', frame(CONTINUATION, END_HEADERS, 1, GET))
    add('5.1', 'idle: PRIORITY is allowed', priority(3, 0) + headers(1))
    add('5.1', 'half-closed (remote): DATA', headers(1, POST, END_HEADERS | END_STREAM)
        + data(1, b'x'))
    add('5.1', 'half-closed (remote): HEADERS', headers(1) + headers(1))
    add('5.1', 'half-closed (remote): CONTINUATION', headers(1)
        + frame(CONTINUATION, END_HEADERS, 1, GET))
    add('5.1', 'half-closed (remote): WINDOW_UPDATE is allowed',
        headers(1) + window_update(1, 100))
    add('5.1', 'half-closed (remote): RST_STREAM is allowed', headers(1, POST, END_HEADERS)
        + data(1, b'x', END_STREAM) + rst(1, 0))
    add('5.1', 'closed: DATA after RST_STREAM', headers(1, POST, END_HEADERS) + rst(1)
        + data(1, b'x'))
    add('5.1', 'closed: HEADERS after RST_STREAM', headers(1, POST, END_HEADERS) + rst(1)
        + headers(1))
    add('5.1', 'closed: CONTINUATION after RST_STREAM', headers(1, POST, END_HEADERS) + rst(1)
        + frame(CONTINUATION, END_HEADERS, 1, GET))
    add('5.1', 'closed: WINDOW_UPDATE after RST_STREAM is allowed',
        headers(1, POST, END_HEADERS) + rst(1) + window_update(1, 1))
    add('5.1', 'closed: RST_STREAM after RST_STREAM is allowed',
        headers(1, POST, END_HEADERS) + rst(1) + rst(1))
    add('5.1', 'closed: PRIORITY after RST_STREAM is allowed',
        headers(1, POST, END_HEADERS) + rst(1) + priority(1, 0))

    # 5.1.1, 5.1.2: stream identifiers and concurrency.
    add('5.1.1', 'an even stream id', headers(2))
    add('5.1.1', 'a stream id below a used one', headers(5) + headers(3))
    add('5.1.1', 'a stream id equal to a closed one', headers(1) + headers(1, GET, END_HEADERS))
    add('5.1.2', '120 open streams', b''.join(
        headers(1 + 2 * i, POST, END_HEADERS) for i in range(120)))

    # 5.3: priority.
    add('5.3', 'HEADERS depending on its own stream',
        frame(HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, u32(1) + b'\x0f' + GET))
    add('5.3', 'PRIORITY depending on its own stream', priority(1, 1))
    add('5.3', 'PRIORITY depending on a later stream', priority(1, 7) + headers(1))

    # 5.4, 5.5: error handling, extensions.
    add('5.5', 'an unknown frame inside a header block', headers(1, GET[:10], END_STREAM)
        + frame(0x20, 0, 1, b'xyz') + frame(CONTINUATION, END_HEADERS, 1, GET[10:]))
    add('5.5', 'an unknown frame on a closed stream is ignored',
        headers(1) + frame(0x21, 0, 1, b'abc'))
    add('5.5', 'an unknown frame on an idle stream is ignored',
        frame(0x21, 0, 9, b'abc') + headers(1))

    # 6.1: DATA.
    add('6.1', 'DATA on stream 0', data(0, b'x'))
    add('6.1', 'DATA with a pad length over its size',
        headers(1, POST, END_HEADERS) + frame(DATA, PADDED | END_STREAM, 1, b'\x09abc'))
    add('6.1', 'DATA padded', headers(1, POST, END_HEADERS)
        + frame(DATA, PADDED | END_STREAM, 1, b'\x03abc\0\0\0'))
    add('6.1', 'DATA with non-zero padding', headers(1, POST, END_HEADERS)
        + frame(DATA, PADDED | END_STREAM, 1, b'\x03abc\1\1\1'))
    add('6.1', 'DATA with only a pad length octet', headers(1, POST, END_HEADERS)
        + frame(DATA, PADDED | END_STREAM, 1, b'\x00'))
    add('6.1', 'DATA padded with an empty payload', headers(1, POST, END_HEADERS)
        + frame(DATA, PADDED | END_STREAM, 1, b''))

    # 6.2: HEADERS.
    add('6.2', 'HEADERS on stream 0', headers(0))
    add('6.2', 'HEADERS with a pad length over its size',
        frame(HEADERS, END_HEADERS | END_STREAM | PADDED, 1, b'\xff' + GET))
    add('6.2', 'HEADERS padded', frame(HEADERS, END_HEADERS | END_STREAM | PADDED, 1,
                                       b'\x04' + GET + b'\0' * 4))
    add('6.2', 'HEADERS with a priority', frame(
        HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, u32(0) + b'\x0f' + GET))
    add('6.2', 'HEADERS padded with a priority', frame(
        HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG | PADDED, 1,
        b'\x02' + u32(0) + b'\x0f' + GET + b'\0\0'))
    add('6.2', 'HEADERS without END_HEADERS, then DATA', headers(1, GET, END_STREAM)
        + data(1, b'x'))
    add('6.2', 'HEADERS without END_HEADERS, then HEADERS', headers(1, GET, END_STREAM)
        + headers(3))
    add('6.2', 'HEADERS of 4 bytes with the PRIORITY flag', frame(
        HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, u32(0)))

    # 6.3: PRIORITY.
    add('6.3', 'PRIORITY on stream 0', priority(0, 1))
    add('6.3', 'PRIORITY of 4 bytes', frame(PRIORITY, 0, 1, u32(0)) + headers(3))
    add('6.3', 'PRIORITY of 6 bytes on an open stream', headers(1, POST, END_HEADERS)
        + frame(PRIORITY, 0, 1, u32(0) + b'\x0f\x00'))
    add('6.3', 'PRIORITY on a half-closed stream', headers(1, POST, END_HEADERS) + priority(1, 0)
        + data(1))

    # 6.4: RST_STREAM.
    add('6.4', 'RST_STREAM on stream 0', frame(RST_STREAM, 0, 0, u32(8)))
    add('6.4', 'RST_STREAM of 3 bytes', headers(1, POST, END_HEADERS)
        + frame(RST_STREAM, 0, 1, b'\0\0\x08'))
    add('6.4', 'RST_STREAM of 5 bytes', headers(1, POST, END_HEADERS)
        + frame(RST_STREAM, 0, 1, b'\0\0\0\x08\0'))

    # 6.5: SETTINGS.
    add('6.5', 'SETTINGS ACK with a payload', frame(SETTINGS, 1, 0, b'\0\x01\0\0\0\0'))
    add('6.5', 'SETTINGS on a stream', frame(SETTINGS, 0, 1, b''))
    add('6.5', 'SETTINGS of 3 bytes', frame(SETTINGS, 0, 0, b'\0\x01\0'))
    add('6.5', 'SETTINGS of 7 bytes', frame(SETTINGS, 0, 0, b'\0\x04\0\0\xff\xff\0'))
    add('6.5.2', 'SETTINGS_ENABLE_PUSH 2', setting(2, 2))
    add('6.5.2', 'SETTINGS_ENABLE_PUSH 1 from a client', setting(2, 1) + headers(1))
    add('6.5.2', 'SETTINGS_INITIAL_WINDOW_SIZE 2^31', setting(4, 1 << 31))
    add('6.5.2', 'SETTINGS_INITIAL_WINDOW_SIZE 2^31-1', setting(4, (1 << 31) - 1) + headers(1))
    add('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 16383', setting(5, 16383))
    add('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 2^24', setting(5, 1 << 24))
    add('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 2^24-1', setting(5, (1 << 24) - 1) + headers(1))
    add('6.5.2', 'an unknown setting is ignored', setting(0xFF, 1) + headers(1))
    add('6.5.2', 'SETTINGS_HEADER_TABLE_SIZE 0', setting(1, 0) + headers(1))
    add('6.5.2', 'SETTINGS_MAX_CONCURRENT_STREAMS 0', setting(3, 0) + headers(1))
    add('6.5.2', 'SETTINGS_ENABLE_CONNECT_PROTOCOL 2', setting(8, 2))

    # 6.7: PING.
    add('6.7', 'PING with ACK is not answered', frame(PING, 1, 0, b'unsolici'))
    add('6.7', 'PING on a stream', frame(PING, 0, 1, b'12345678'))
    add('6.7', 'PING of 6 bytes', frame(PING, 0, 0, b'123456'))
    add('6.7', 'PING of 9 bytes', frame(PING, 0, 0, b'123456789'))

    # 6.8: GOAWAY.
    add('6.8', 'GOAWAY on a stream', frame(GOAWAY, 0, 1, u32(0) + u32(0)))
    add('6.8', 'GOAWAY of 7 bytes', frame(GOAWAY, 0, 0, b'\0' * 7))
    add('6.8', 'GOAWAY, then a request', frame(GOAWAY, 0, 0, u32(0) + u32(0)) + headers(1))
    add('6.8', 'a request, then GOAWAY', headers(1) + frame(GOAWAY, 0, 0, u32(1) + u32(0)))

    # 6.9: WINDOW_UPDATE and flow control.
    add('6.9', 'WINDOW_UPDATE of 0 on the connection', window_update(0, 0))
    add('6.9', 'WINDOW_UPDATE of 0 on a stream', headers(1, POST, END_HEADERS)
        + window_update(1, 0))
    add('6.9', 'WINDOW_UPDATE of 3 bytes', frame(WINDOW_UPDATE, 0, 0, b'\0\0\x01'))
    add('6.9', 'WINDOW_UPDATE of 5 bytes', frame(WINDOW_UPDATE, 0, 0, b'\0\0\0\x01\0'))
    add('6.9.1', 'a connection window over 2^31-1', window_update(0, (1 << 31) - 1))
    add('6.9.1', 'a stream window over 2^31-1', headers(1, POST, END_HEADERS)
        + window_update(1, (1 << 31) - 1))
    add('6.9.1', 'DATA over the stream window', headers(1, POST, END_HEADERS)
        + b''.join(data(1, b'x' * 16384, 0) for _ in range(4)) + data(1, b'x' * 16384))
    add('6.9.2', 'SETTINGS_INITIAL_WINDOW_SIZE overflowing an open stream',
        headers(1, POST, END_HEADERS) + window_update(1, (1 << 31) - 1 - 65535)
        + setting(4, 65536))
    add('6.9.2', 'SETTINGS_INITIAL_WINDOW_SIZE 0, then a request', setting(4, 0) + headers(1))

    # 6.10: CONTINUATION.
    add('6.10', 'a header block over two CONTINUATIONs', headers(1, GET[:5], END_STREAM)
        + frame(CONTINUATION, 0, 1, GET[5:12]) + frame(CONTINUATION, END_HEADERS, 1, GET[12:]))
    add('6.10', 'CONTINUATION after END_HEADERS', headers(1, POST, END_HEADERS)
        + frame(CONTINUATION, END_HEADERS, 1, lit('x-a', 'b')))
    add('6.10', 'CONTINUATION on stream 0', headers(1, GET[:5], END_STREAM)
        + frame(CONTINUATION, END_HEADERS, 0, GET[5:]))
    add('6.10', 'CONTINUATION on another stream', headers(1, GET[:5], END_STREAM)
        + frame(CONTINUATION, END_HEADERS, 3, GET[5:]))
    add('6.10', 'CONTINUATION after DATA', headers(1, POST, END_HEADERS) + data(1, b'x', 0)
        + frame(CONTINUATION, END_HEADERS, 1, lit('x-a', 'b')))
    add('6.10', 'an empty CONTINUATION', headers(1, GET, END_STREAM)
        + frame(CONTINUATION, END_HEADERS, 1, b''))

    # 7: error codes.
    add('7', 'RST_STREAM with an unknown code', headers(1, POST, END_HEADERS) + rst(1, 0xFF))
    add('7', 'GOAWAY with an unknown code', frame(GOAWAY, 0, 0, u32(0) + u32(0xFF)))

    # 8.1: HTTP message framing.
    add('8.1', 'a request with trailers', headers(1, POST, END_HEADERS) + data(1, b'x', 0)
        + headers(1, lit('x-trailer', 'y')))
    add('8.1', 'trailers without END_STREAM', headers(1, POST, END_HEADERS) + data(1, b'x', 0)
        + headers(1, lit('x-trailer', 'y'), END_HEADERS))
    add('8.1', 'DATA after trailers', headers(1, POST, END_HEADERS)
        + headers(1, lit('x-trailer', 'y')) + data(1, b'x'))
    add('8.1.1', 'content-length over the body', headers(1, request(
        'POST', extra=[('content-length', '2')]), END_HEADERS) + data(1, b'x'))
    add('8.1.1', 'content-length under the body', headers(1, request(
        'POST', extra=[('content-length', '1')]), END_HEADERS) + data(1, b'xy'))
    add('8.1.1', 'content-length under the body over two frames', headers(1, request(
        'POST', extra=[('content-length', '3')]), END_HEADERS) + data(1, b'xy', 0)
        + data(1, b'zz'))
    add('8.1.1', 'content-length matching the body', headers(1, request(
        'POST', extra=[('content-length', '2')]), END_HEADERS) + data(1, b'xy'))
    add('8.1.1', 'a non-numeric content-length', headers(1, request(
        'POST', extra=[('content-length', 'x')]), END_HEADERS) + data(1, b'x'))
    add('8.1.1', 'two content-lengths', headers(1, request(
        'POST', extra=[('content-length', '1'), ('content-length', '1')]), END_HEADERS)
        + data(1, b'x'))

    # 8.2: header fields.
    bad_fields = [
        ('an upper-case field name', 'X-Upper', 'a'),
        ('connection', 'connection', 'keep-alive'),
        ('keep-alive', 'keep-alive', 'timeout=5'),
        ('proxy-connection', 'proxy-connection', 'keep-alive'),
        ('transfer-encoding', 'transfer-encoding', 'chunked'),
        ('upgrade', 'upgrade', 'websocket'),
        ('te other than trailers', 'te', 'gzip'),
        ('a space in a field name', 'x a', 'b'),
        ('a colon inside a field name', 'x:a', 'b'),
        ('an empty field name', '', 'b'),
        ('a CR LF in a value', 'x-a', 'b\r\nx-b: c'),
        ('a NUL in a value', 'x-a', 'b\0c'),
        ('a leading space in a value', 'x-a', ' b'),
        ('a trailing tab in a value', 'x-a', 'b\t'),
        ('a DEL in a field name', 'x\x7fa', 'b'),
    ]
    for title, name, value in bad_fields:
        add('8.2', title, headers(1, request(extra=[(name, value)])))
    add('8.2', 'te: trailers is allowed', headers(1, request(extra=[('te', 'trailers')])))
    add('8.2', 'cookie crumbs are allowed', headers(1, request(
        extra=[('cookie', 'a=b'), ('cookie', 'c=d')])))
    add('8.2', 'an obs-text value is allowed', headers(1, request(extra=[('x-a', 'caf\xe9')])))

    # 8.3: pseudo-header fields.
    add('8.3', 'an unknown pseudo-header', headers(1, request(extra=[(':foo', 'bar')])))
    add('8.3', 'a response pseudo-header in a request', headers(1, request(
        extra=[(':status', '200')])))
    add('8.3', 'a pseudo-header after a regular field', headers(1, lit('x-a', 'b') + GET))
    add('8.3', 'a pseudo-header in trailers', headers(1, POST, END_HEADERS)
        + headers(1, lit(':method', 'GET')))
    for field in (':method', ':scheme', ':path'):
        add('8.3', 'no ' + field, headers(1, request(**{field[1:]: None})))
        add('8.3', 'two ' + field, headers(1, request(extra=[(field, {
            ':method': 'GET', ':scheme': 'http', ':path': '/'}[field])])))
    add('8.3', 'two :authority', headers(1, request(extra=[(':authority', 'x')])))
    add('8.3', 'an empty :path', headers(1, request(path='')))
    add('8.3', 'an asterisk :path with OPTIONS', headers(1, request('OPTIONS', '*')))
    add('8.3', 'no :authority and no host', headers(1, request(authority=None)))
    add('8.3', 'host without :authority', headers(1, request(
        authority=None, extra=[('host', 'localhost')])))
    add('8.3', 'a method with a space', headers(1, request('GE T')))
    add('8.5', 'CONNECT with :authority only', headers(1, lit(':method', 'CONNECT')
                                                      + lit(':authority', 'localhost:1'),
                                                      END_HEADERS))
    add('8.5', 'CONNECT with :path and :scheme', headers(1, request('CONNECT'), END_HEADERS))
    add('8.5', 'CONNECT without :authority', headers(1, lit(':method', 'CONNECT'), END_HEADERS))
    add('8.5', ':protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL', headers(1, request(
        'CONNECT', extra=[(':protocol', 'websocket')]), END_HEADERS))

    # RFC 7541: HPACK.
    add('hpack/2.3', 'an index past the dynamic table', headers(1, GET + b'\xbf'))
    add('hpack/2.3', 'index 0', headers(1, b'\x80' + GET))
    add('hpack/4.2', 'a table size update over SETTINGS_HEADER_TABLE_SIZE',
        headers(1, hpack_int(4097, 5, 0x20) + GET))
    add('hpack/4.2', 'a table size update after a field',
        headers(1, GET + hpack_int(0, 5, 0x20)))
    add('hpack/4.2', 'a table size update of 0 first', headers(1, hpack_int(0, 5, 0x20) + GET))
    add('hpack/5.1', 'an integer past 2^32', headers(1, GET + b'\xff\xff\xff\xff\xff\xff\x7f'))
    add('hpack/5.2', 'a Huffman string with EOS', headers(1, GET + b'\x00\x84\xff\xff\xff\xff'
                                                          + hstr('b')))
    add('hpack/5.2', 'Huffman padding over 7 bits', headers(1, GET + b'\x00\x82\x1f\xff'
                                                            + hstr('b')))
    add('hpack/5.2', 'Huffman padding with a zero bit', headers(1, GET + b'\x00\x81\x18'
                                                                + hstr('b')))
    add('hpack/5.2', 'a valid Huffman name', headers(1, GET + b'\x00\x81\x1f' + hstr('b')))
    add('hpack/5.2', 'a string longer than its block', headers(1, GET + b'\x00\x7fab'))
    add('hpack/6.2', 'a field indexed, then referenced', headers(1, GET + lit('x-a', 'b', 0x40)
                                                                 + b'\xbe'))
    add('hpack/6.2', 'a never-indexed field', headers(1, GET + lit('x-a', 'b', 0x10)))
    add('hpack/6.2', 'a field indexed on one stream, referenced on the next',
        headers(1, GET + lit('x-a', 'b', 0x40)) + headers(3, GET + b'\xbe'))
    return c


CASES = _cases()


# Where pyuvnet answers otherwise than Node 20, by the nghttp2 it carries
# (1.70.0; Node 20 carries 1.61.0) or by when its callbacks run: the answer
# pyuvnet gives instead, and why. docs/HTTP2.md lists them.
_ENDS_FIRST = ('Node runs its stream callbacks between the frames of one read, so a stream '
               'ended before the bad frame gets its answer out; pyuvnet runs them after the '
               'read, when the session has already ended')
_WINDOW = ('nghttp2 1.70 makes a stream window past 2^31-1 a connection error '
           '(FLOW_CONTROL_ERROR); 1.61 resets the stream')
_STREAM_WINDOW = ('RFC 9113 6.9.1: the stream is reset (FLOW_CONTROL_ERROR) and the session '
                  'goes on; Node 20 then also ends the session with GOAWAY INTERNAL_ERROR')
_CLOSED = ('RFC 9113 5.1 and 5.1.1 (h2spec 5.1/8, 9, 5.1.1/2): nghttp2 keeps no closed '
           'stream and Node ignores the frame; pyuvnet remembers what the client ended '
           '(uv/http2/closed_streams.pyx)')
_RFC_CODE = ('RFC 9113 6.7, 6.5.2 and 6.9.1 (h2spec 6.7/2, 6.9.1/2): an unsolicited PING '
             'ACK is ignored, a flow-control error keeps its code on the GOAWAY')
KNOWN_DIFFERENCES = {
    '5.1/closed: DATA after RST_STREAM': (
        {'goaway': None, 'rst': {'1': 'STREAM_CLOSED'}, 'status': {}, 'closed': False}, _CLOSED),
    '5.1/closed: HEADERS after RST_STREAM': (
        {'goaway': None, 'rst': {'1': 'STREAM_CLOSED'}, 'status': {}, 'closed': False}, _CLOSED),
    '5.1.1/a stream id below a used one': (
        {'goaway': 'INTERNAL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _CLOSED),
    '6.7/PING with ACK is not answered': (
        {'goaway': None, 'rst': {}, 'status': {}, 'closed': False}, _RFC_CODE),
    '6.5.2/SETTINGS_INITIAL_WINDOW_SIZE 2^31': (
        {'goaway': 'FLOW_CONTROL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _RFC_CODE),
    '6.9.1/a connection window over 2^31-1': (
        {'goaway': 'FLOW_CONTROL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _RFC_CODE),
    '5.1/half-closed (remote): HEADERS': (
        {'goaway': 'INTERNAL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _ENDS_FIRST),
    '5.1.1/a stream id equal to a closed one': (
        {'goaway': 'INTERNAL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _ENDS_FIRST),
    '6.8/a request, then GOAWAY': (
        {'goaway': 'INTERNAL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _ENDS_FIRST),
    '6.9.1/a stream window over 2^31-1': (
        {'goaway': None, 'rst': {'1': 'FLOW_CONTROL_ERROR'}, 'status': {}, 'closed': False},
        _STREAM_WINDOW),
    '6.9.2/SETTINGS_INITIAL_WINDOW_SIZE overflowing an open stream': (
        {'goaway': 'FLOW_CONTROL_ERROR', 'rst': {}, 'status': {}, 'closed': None}, _WINDOW),
    # pyuvnet's server advertises SETTINGS_MAX_CONCURRENT_STREAMS 100 by
    # default (Node's none): a stream over it after the ACK ends the
    # session, each stream but the newest reset, as a Node server's with
    # settings.maxConcurrentStreams 100 does, but with the GOAWAY code
    # issue 70 names.
    '5.1.2/120 open streams': (
        {'goaway': 'ENHANCE_YOUR_CALM', 'rst': {str(stream): 'INTERNAL_ERROR' for stream in range(1, 199, 2)},
         'status': {}, 'closed': None},
        'maxConcurrentStreams 100 by default'),
}


SERVE_KNOWN_DIFFERENCES = {
    # pyuvnet serve's port speaks HTTP/1.1 too: a request is served as
    # HTTP/1.1, never a GOAWAY (other bytes are an invalid preface, Node's).
    '3.4/an HTTP/1.1 request instead of the preface': (
        {'goaway': None, 'rst': {}, 'status': {}, 'closed': True}, 'HTTP/1.1 on the same port'),
    # serve's 100 (--h2-max-concurrent-streams) ends the session as the
    # core's does, its held requests not reset one by one.
    '5.1.2/120 open streams': (
        {'goaway': 'ENHANCE_YOUR_CALM', 'rst': {}, 'status': {}, 'closed': None},
        '--h2-max-concurrent-streams 100'),
}


def expected(case, pinned, serve=False):
    """The answer pyuvnet owes ``case``: Node's (``pinned``), or the known
    difference's."""
    known = (serve and SERVE_KNOWN_DIFFERENCES.get(case.id)) or KNOWN_DIFFERENCES.get(case.id)
    return known[0] if known else pinned[case.id]


# -- the client -------------------------------------------------------------

def probe(address, case, timeout=5.0, settle=0.25, expect=None):
    """Sends ``case`` to ``address`` ((host, port) or a unix path) and gives
    back its outcome: {'goaway': code name or None, 'rst': {stream: code
    name}, 'status': {stream: status}, 'closed': the server closed}. It
    reads until the server closes, or ``settle`` seconds after the fence's
    ACK or a GOAWAY came; with ``expect`` (an outcome), also until each of
    its responses came, so that a loaded machine's late answer is not
    taken for none (``timeout`` bounds it all)."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    received = b''
    closed = False
    awaited = set((expect or {}).get('status', ()))
    try:
        sock.connect(address)
        sock.sendall(case.send if case.own_preface else PREFACE + frame(SETTINGS, 0, 0))
        if not case.own_preface:
            # The server's SETTINGS is ACKed before the case, as h2spec does.
            sock.sendall(frame(SETTINGS, 1, 0) + case.send)
        try:
            sock.sendall(frame(PING, 0, 0, FENCE))
        except OSError:
            pass
        deadline = time.monotonic() + timeout
        fenced_at = None
        while time.monotonic() < deadline:
            if fenced_at is not None:
                if time.monotonic() > fenced_at + settle and not awaited:
                    break
                sock.settimeout(settle)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if fenced_at is not None and not awaited:
                    break
                continue
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
            frames = parse_frames(received)
            awaited -= {str(stream) for kind, _f, stream, _p in frames if kind == HEADERS}
            if fenced_at is None and any(kind == GOAWAY or kind == PING and flags & 1
                                         and payload == FENCE
                                         for kind, flags, _s, payload in frames):
                fenced_at = time.monotonic()
    except OSError:
        closed = True
    finally:
        sock.close()
    return outcome(parse_frames(received), closed)


def _name(code):
    return ERROR_NAMES[code] if code < len(ERROR_NAMES) else hex(code)


def outcome(frames, closed):
    result = {'goaway': None, 'rst': {}, 'status': {}, 'closed': closed}
    for kind, _flags, stream, payload in frames:
        if kind == GOAWAY and result['goaway'] is None:
            result['goaway'] = _name(int.from_bytes(payload[4:8], 'big'))
        elif kind == RST_STREAM:
            result['rst'].setdefault(str(stream), _name(int.from_bytes(payload[:4], 'big')))
        elif kind == HEADERS and str(stream) not in result['status'] and payload:
            result['status'][str(stream)] = STATUS_INDEX.get(payload[0], 'other')
    if result['goaway'] is not None:
        # After its GOAWAY Node 20 waits for the client to close (which
        # h2spec does), pyuvnet closes at once as RFC 9113 5.4.1 asks: when
        # is not compared.
        result['closed'] = None
    return result
