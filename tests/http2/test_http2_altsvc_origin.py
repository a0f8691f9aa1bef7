"""ServerHttp2Session.altsvc() and origin(), and a client's 'altsvc' and
'origin' events. The errors, the frames' contents and when the events come
were pinned with Node 20 on both ends: an ORIGIN frame is an event only over
TLS (RFC 8336 2.2), as Node's docs say."""
import json

import pytest

from pyuvnet import http2
from http2_support import listen, run_node_client
from support import NODE


class URLish:
    """What Node's URL object gives altsvc() and origin(): an ``origin``."""

    def __init__(self, origin):
        self.origin = origin


def sending_server(server, seen):
    def on_session(session):
        session.altsvc('h2=":8000"', 'https://example.org:443/path')
        session.altsvc('h2=":8001"', {'origin': 'https://example.net'})
        session.altsvc('h2=":8002"', URLish('http://example.com:81'))
        session.altsvc('h2=":8003"', 'http://example.com:81/x')
        session.origin('https://example.org', URLish('https://example.com'), {'origin': 'https://x.y'})
        session.origin()

    def on_stream(stream, headers, flags, raw):
        stream.session.altsvc('h2=":7"', stream.id)
        stream.respond()
        stream.end('ok')
    server.on('session', on_session)
    server.on('stream', on_stream)
    return server


def receive(run_loop, session, server, seen):
    session.on('altsvc', lambda alt, origin, stream_id: seen.setdefault('altsvc', []).append(
        (alt, origin, stream_id)))
    session.on('origin', lambda origins: seen.setdefault('origin', []).append(origins))
    req = session.request()
    req.resume()
    req.on('end', lambda: (session.close(), server.close()))
    run_loop(10)


EXPECTED_ALTSVC = [('h2=":8000"', 'https://example.org', 0), ('h2=":8001"', 'https://example.net', 0),
                   ('h2=":8002"', 'http://example.com:81', 0),
                   ('h2=":8003"', 'http://example.com:81', 0), ('h2=":7"', '', 1)]


def test_altsvc_reaches_an_h2c_client_and_origin_does_not(run_loop):
    seen = {}
    server = sending_server(http2.createServer(), seen)
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    receive(run_loop, session, server, seen)
    assert seen['altsvc'] == EXPECTED_ALTSVC
    assert 'origin' not in seen


def test_origin_reaches_a_client_over_tls(run_loop, tls_certs):
    seen = {}
    server = sending_server(http2.createSecureServer({'key': tls_certs.key,
                                                      'cert': tls_certs.cert}), seen)
    session = http2.connect('https://localhost:%d' % listen(run_loop, server), {'ca': tls_certs.ca})
    receive(run_loop, session, server, seen)
    assert seen['origin'] == [['https://example.org', 'https://example.com', 'https://x.y']]
    assert seen['altsvc'] == EXPECTED_ALTSVC


LONG_ALT = 'a' * (16382 - len('https://a.b'))
BAD_CALLS = [
    ('altsvc', ('x', 'foo'), 'ERR_INVALID_URL', 'Invalid URL'),
    ('altsvc', ('x', 'mailto:a@b'), 'ERR_HTTP2_ALTSVC_INVALID_ORIGIN',
     'HTTP/2 ALTSVC frames require a valid origin'),
    ('altsvc', ('x', {'origin': ''}), 'ERR_HTTP2_ALTSVC_INVALID_ORIGIN',
     'HTTP/2 ALTSVC frames require a valid origin'),
    ('altsvc', ('x', {'origin': 'null'}), 'ERR_HTTP2_ALTSVC_INVALID_ORIGIN',
     'HTTP/2 ALTSVC frames require a valid origin'),
    ('altsvc', ('x', 0), 'ERR_OUT_OF_RANGE', 'The value of "originOrStream" is out of range. '
     'It must be > 0 && < 4294967296. Received 0'),
    ('altsvc', ('x', -1), 'ERR_OUT_OF_RANGE', 'The value of "originOrStream" is out of range. '
     'It must be > 0 && < 4294967296. Received -1'),
    ('altsvc', ('x', 1.5), 'ERR_OUT_OF_RANGE', 'The value of "originOrStream" is out of range. '
     'It must be > 0 && < 4294967296. Received 1.5'),
    ('altsvc', ('x', 2 ** 32), 'ERR_OUT_OF_RANGE', 'The value of "originOrStream" is out of range. '
     'It must be > 0 && < 4294967296. Received 4294967296'),
    ('altsvc', ('x', True), 'ERR_INVALID_ARG_TYPE', 'The "originOrStream" argument must be one of '
     'type string or number or an instance of URL or Object. Received type bool (True)'),
    ('altsvc', ('x', {}), 'ERR_INVALID_ARG_TYPE', 'The "originOrStream" argument must be one of '
     'type string or number or an instance of URL or Object. Received an instance of dict'),
    ('altsvc', (5, 'https://a.b'), 'ERR_INVALID_ARG_TYPE',
     'The "alt" argument must be of type string. Received type int (5)'),
    ('altsvc', ('a\nb', 'https://a.b'), 'ERR_INVALID_CHAR', 'Invalid character in alt'),
    ('altsvc', (LONG_ALT + 'a', 'https://a.b'), 'ERR_HTTP2_ALTSVC_LENGTH',
     'HTTP/2 ALTSVC frames are limited to 16382 bytes'),
    # Node 20 aborts the process here (an assertion in node_http2.cc).
    ('altsvc', ('h2=":9"',), 'ERR_HTTP2_ALTSVC_INVALID_ORIGIN',
     'HTTP/2 ALTSVC frames require a valid origin'),
    ('origin', ('foo',), 'ERR_INVALID_URL', 'Invalid URL'),
    ('origin', ('mailto:a@b',), 'ERR_HTTP2_INVALID_ORIGIN',
     'HTTP/2 ORIGIN frames require a valid origin'),
    ('origin', (5,), 'ERR_INVALID_ARG_TYPE',
     'The "origin" argument must be of type string. Received type int (5)'),
    ('origin', ({},), 'ERR_INVALID_ARG_TYPE',
     'The "origin" argument must be of type string. Received None'),
    ('origin', ({'origin': 'null'},), 'ERR_HTTP2_INVALID_ORIGIN',
     'HTTP/2 ORIGIN frames require a valid origin'),
    ('origin', ('https://' + 'a' * 16400,), 'ERR_HTTP2_ORIGIN_LENGTH',
     'HTTP/2 ORIGIN frames are limited to 16382 bytes'),
]


def test_bad_arguments_raise_node_20s_errors(run_loop):
    seen = {}
    server = http2.createServer()

    def on_session(session):
        for i, (method, args, code, message) in enumerate(BAD_CALLS):
            with pytest.raises(Exception) as info:
                getattr(session, method)(*args)
            seen[i] = (info.value.code, str(info.value))
        # The longest that fits goes.
        session.altsvc(LONG_ALT, 'https://a.b')
        seen['server_session'] = session
    server.on('session', on_session)
    server.on('stream', lambda stream, *_: (stream.respond(), stream.end()))
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server))
    receive(run_loop, session, server, seen)
    for i, (method, args, code, message) in enumerate(BAD_CALLS):
        assert seen[i][0] == code, (method, args, seen[i])
        assert seen[i][1].startswith(message), (method, args, seen[i])
    assert seen['altsvc'] == [(LONG_ALT, 'https://a.b', 0)]
    with pytest.raises(http2.ERR_HTTP2_INVALID_SESSION):
        seen['server_session'].altsvc('x', 1)
    with pytest.raises(http2.ERR_HTTP2_INVALID_SESSION):
        seen['server_session'].origin('https://a.b')


NODE_ALTSVC_CLIENT = r"""
const http2 = require('http2');
const session = http2.connect(process.argv[1]);
const seen = [];
session.on('altsvc', (alt, origin, id) => seen.push([alt, origin, id]));
const req = session.request({':path': '/'});
req.resume();
req.on('end', () => { setTimeout(() => { console.log(JSON.stringify(seen)); session.close(); }, 100); });
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_client_reads_pyuvnets_altsvc_frames(run_loop):
    server = sending_server(http2.createServer(), {})
    code, out, err = run_node_client(run_loop, server, NODE_ALTSVC_CLIENT)
    assert code == 0, err
    assert [tuple(item) for item in json.loads(out)] == EXPECTED_ALTSVC
