"""Sessions and streams between pyuvnet's client and server, each case
pinned first with Node 20 on both sides (the same script in node gives the
same codes, messages and values): close(code) and rstCode, trailers with
waitForTrailers, header values as Node's String(value), ping, settings,
close() then request(), Node's errors for a bad head, and Nagle's
algorithm off on both ends (Node 20's sessions set TCP_NODELAY on their
sockets, server and client: strace shows it)."""
import socket
import sys

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import run_exchange
from support import assert_code, os_socket


def exchange(run_loop, on_stream, client):
    """A server whose streams go to ``on_stream`` and a client session
    given to ``client(session, done)``; ``done()`` closes both."""
    server = http2.createServer()
    server.on('stream', on_stream)
    return run_exchange(run_loop, server, client)


@pytest.mark.parametrize('code, client_error', [
    (2, ('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_INTERNAL_ERROR')),
    (8, None),
])
def test_close_with_a_code_is_the_peers_rst_code_and_error(run_loop, code, client_error):
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda err: seen.setdefault('server_error', err.code))
        stream.close(code)

    def client(session, done):
        req = session.request({':path': '/'}, {'endStream': True})
        req.on('error', lambda err: seen.setdefault('error', (err.code, str(err))))
        req.on('aborted', lambda: seen.setdefault('aborted', True))
        req.on('close', lambda: (seen.setdefault('rstCode', req.rstCode), done()))
        req.resume()
    exchange(run_loop, on_stream, client)
    assert seen.get('error') == client_error
    assert seen['rstCode'] == code
    assert 'aborted' not in seen            # the client had ended its side
    # Node: the server's own stream errs too, unless the code is CANCEL.
    assert seen.get('server_error') == ('ERR_HTTP2_STREAM_ERROR' if code == 2 else None)


def test_trailers_follow_the_data_when_the_stream_waits_for_them(run_loop):
    seen = {'body': []}

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200}, {'waitForTrailers': True})
        stream.on('wantTrailers', lambda: stream.sendTrailers({'x-t': '1'}))
        stream.end(b'body')

    def client(session, done):
        req = session.request({':path': '/'}, {'endStream': True})
        req.on('response', lambda headers, flags, raw: seen.setdefault('status', headers[':status']))
        req.on('data', seen['body'].append)
        req.on('trailers', lambda headers, flags, raw: seen.setdefault('trailers', headers))
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert (seen['status'], b''.join(seen['body']), seen['trailers']) == (200, b'body', {'x-t': '1'})


def test_header_values_are_sent_as_nodes_string_of_them(run_loop):
    # Node 20's String(value): booleans in lower case, an integral float
    # without its '.0'; a list's items are joined with ', ' on receipt.
    seen = {}

    def on_stream(stream, headers, flags, raw):
        seen['request'] = headers['x-q']
        stream.respond({':status': 200, 'x-t': True, 'x-f': False, 'x-n': 1.0, 'x-h': 1.5,
                        'x-l': [True, 2]})
        stream.end()

    def client(session, done):
        req = session.request({':path': '/', 'x-q': True})
        req.on('response', lambda headers, flags, raw: seen.setdefault(
            'response', [headers[name] for name in ('x-t', 'x-f', 'x-n', 'x-h', 'x-l')]))
        req.on('close', done)
        req.resume()
    exchange(run_loop, on_stream, client)
    assert seen == {'request': 'true', 'response': ['true', 'false', '1', '1.5', 'true, 2']}


def test_ping_settings_and_request_after_close(run_loop):
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.end()

    def client(session, done):
        def after_settings(err, settings, duration):
            seen['settings'] = (err, settings['initialWindowSize'])
            session.close(lambda: after_close(session))
            seen['pending'] = session.pendingSettingsAck

        def after_ping(err, duration, payload):
            seen['ping'] = (err, payload)
            session.settings({'initialWindowSize': 1000}, after_settings)
        session.ping(b'abcdefgh', after_ping)
        session.on('close', done)

    def after_close(session):
        seen['after'] = assert_code('ERR_HTTP2_INVALID_SESSION', lambda: session.request({}))
    exchange(run_loop, on_stream, client)
    assert seen['ping'] == (None, b'abcdefgh')
    assert seen['settings'] == (None, 1000)
    assert str(seen['after']) == 'The session has been destroyed'


def test_a_bad_head_raises_nodes_error_at_once(run_loop):
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.respond({':status': 200})
        seen['twice'] = assert_code('ERR_HTTP2_HEADERS_SENT', lambda: stream.respond())
        seen['additional'] = assert_code('ERR_HTTP2_HEADERS_AFTER_RESPOND',
                                         lambda: stream.additionalHeaders({':status': 103}))
        stream.end(b'x')

    def client(session, done):
        seen['pseudo'] = assert_code('ERR_HTTP2_INVALID_PSEUDOHEADER',
                                     lambda: session.request({':foo': 'x'}))
        seen['connection'] = assert_code('ERR_HTTP2_INVALID_CONNECTION_HEADERS',
                                         lambda: session.request({'connection': 'x'}))
        req = session.request({':path': '/'}, {'endStream': True})
        req.resume()
        req.on('close', done)
    exchange(run_loop, on_stream, client)
    assert str(seen['pseudo']) == '":foo" is an invalid pseudoheader or is used incorrectly'
    assert str(seen['connection']) == 'HTTP/1 Connection specific headers are forbidden: "connection"'
    assert str(seen['twice']) == 'Response has already been initiated.'
    assert str(seen['additional']) == 'Cannot specify additional headers after response initiated'


def test_destroying_the_session_from_inside_its_events_is_safe(run_loop):
    # nghttp2 is still parsing when 'stream' and 'response' run: the
    # session is freed once nghttp2 returns, and nothing follows 'close'.
    events = []

    def on_stream(stream, headers, flags, raw):
        stream.respond()
        stream.write(b'partial')
        stream.session.destroy()
        stream.on('close', lambda: events.append('server stream close'))

    def client(session, done):
        req = session.request({':path': '/'}, {'endStream': True})
        req.on('error', lambda err: events.append(('client error', err.code)))
        req.on('close', lambda: events.append('client stream close'))
        session.on('close', lambda: (events.append('client session close'), done()))
        req.resume()
    session = exchange(run_loop, on_stream, client)
    assert 'server stream close' in events
    assert events[-1] == 'client session close'
    assert session.destroyed


@pytest.mark.parametrize('ended, server_error', [(True, None), (False, 'ERR_HTTP2_STREAM_ERROR')])
def test_a_reset_after_the_response_ended_is_no_error_of_the_server_stream(
        run_loop, ended, server_error):
    """Node 20: a server stream whose response has ended, with the request
    still open and its body unread, closes itself with NO_ERROR (rstCode
    0), so that the client's later RST_STREAM(INTERNAL_ERROR) is no
    'error' there (with no listener, it would end the server); a stream
    still writing gets the error, as in Node."""
    seen = {}

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda err: seen.setdefault('server_error', err.code))
        stream.on('close', lambda: seen.setdefault('server_rst', stream.rstCode))
        stream.respond({':status': 200})
        if ended:
            stream.end(b'hello')
        else:
            stream.write(b'hello')

    def client(session, done):
        req = session.request({':path': '/'})       # its end never sent
        req.on('error', lambda err: None)
        req.on('response', lambda *args: req.close(http2.constants.NGHTTP2_INTERNAL_ERROR))
        req.on('close', lambda: net.setTimeout(done, 20))
    exchange(run_loop, on_stream, client)
    assert seen.get('server_error') == server_error
    assert seen['server_rst'] == (0 if ended else 2)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc/self/fd')
def test_both_ends_of_a_session_turn_nagles_algorithm_off(run_loop):
    seen = {}

    def nodelay(local_port, remote_port):
        s = os_socket(local_port, remote_port)
        try:
            return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            s.close()

    def on_stream(stream, headers, flags, raw):
        sock = stream.session.socket
        seen['server'] = nodelay(sock.localPort, sock.remotePort)
        stream.respond({':status': 200}, {'endStream': True})

    def client(session, done):
        req = session.request({':path': '/'}, {'endStream': True})
        req.on('response', lambda *_: seen.setdefault(
            'client', nodelay(session.socket.localPort, session.socket.remotePort)))
        req.on('close', done)
        req.resume()
    exchange(run_loop, on_stream, client)
    assert seen == {'server': True, 'client': True}
