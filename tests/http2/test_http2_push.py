"""Server push: ServerHttp2Stream.pushStream() and pushAllowed, a client's
'stream' and 'push' for a pushed stream, SETTINGS_ENABLE_PUSH. Each case
was run first with Node 20 on both ends (the same handlers): the events,
their arguments and the errors below are Node's."""
import json

import pytest

from pyuvnet import http2
from http2_support import NGHTTP, listen, run_exchange, run_node_client, run_peer
from support import NODE, node  # noqa: F401 (the fixture)

REFUSED_STREAM = http2.constants.NGHTTP2_REFUSED_STREAM
CANCEL = http2.constants.NGHTTP2_CANCEL


def pushing_server(seen, push_headers=None):
    """A server whose every request pushes /pushed (body 'pushed body'),
    then answers 'main'."""
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        seen['pushAllowed'] = stream.pushAllowed
        seen['port'] = stream.session.socket.localPort
        if not stream.pushAllowed:
            with pytest.raises(http2.ERR_HTTP2_PUSH_DISABLED) as info:
                stream.pushStream({':path': '/pushed'}, lambda *a: None)
            seen['refused'] = str(info.value)
            stream.respond()
            stream.end('no push')
            return

        def pushed(err, push, sent, *rest):
            seen['callback'] = (err, push.id, sent, rest)
            seen['push_readable'] = (push.readable, push.readableEnded, push.pushAllowed)
            with pytest.raises(http2.ERR_HTTP2_NESTED_PUSH) as info:
                push.pushStream({':path': '/x'}, lambda *a: None)
            seen['nested'] = str(info.value)
            push.on('close', lambda: seen.setdefault('server_push_close', push.rstCode))
            push.respond({':status': 200, 'x-pushed': 'yes'})
            push.end('pushed body')
            stream.respond()
            stream.end('main')
        stream.pushStream(push_headers or {':path': '/pushed', 'x-a': 'b'}, pushed)
    server.on('stream', on_stream)
    return server


def pushed_client(seen):
    def client(session, done):
        def on_stream(pushed, headers, flags, raw):
            seen['client_stream'] = (pushed.id, headers, flags, raw, pushed.writable)
            body = []
            pushed.on('push', lambda h, f, r: seen.setdefault('push', (h, f)))
            pushed.on('response', lambda *a: seen.setdefault('response_on_pushed', a))
            pushed.on('data', body.append)
            pushed.on('end', lambda: seen.setdefault('pushed_body', b''.join(body)))
            pushed.on('close', lambda: seen.setdefault('pushed_close', pushed.rstCode))
        session.on('stream', on_stream)
        req = session.request({':path': '/'})
        body = []
        req.on('data', body.append)
        req.on('end', lambda: (seen.setdefault('main', b''.join(body)), done()))
    return client


def test_a_pushed_stream_reaches_the_clients_stream_and_push_events(run_loop):
    seen = {}
    server = pushing_server(seen)
    run_exchange(run_loop, server, pushed_client(seen))
    port = seen['port']
    err, push_id, sent, rest = seen['callback']
    assert err is None and push_id == 2 and rest == (0,)
    assert sent == {':path': '/pushed', 'x-a': 'b', ':method': 'GET',
                    ':authority': '127.0.0.1:%d' % port, ':scheme': 'http'}
    # As Node's: the pushed stream's readable side is ended but not read.
    assert seen['push_readable'] == (True, False, True)
    assert seen['nested'] == 'A push stream cannot initiate another push stream.'
    stream_id, headers, flags, raw, writable = seen['client_stream']
    assert stream_id == 2 and flags == 4 and writable is False
    assert headers == {':path': '/pushed', ':method': 'GET', ':authority': '127.0.0.1:%d' % port,
                       ':scheme': 'http', 'x-a': 'b'}
    assert raw == [':path', '/pushed', ':method', 'GET', ':authority', '127.0.0.1:%d' % port,
                   ':scheme', 'http', 'x-a', 'b']
    head, flags = seen['push']
    assert head[':status'] == 200 and head['x-pushed'] == 'yes' and flags == 4
    assert 'response_on_pushed' not in seen
    assert seen['pushed_body'] == b'pushed body' and seen['main'] == b'main'
    assert seen['pushed_close'] == 0 and seen['server_push_close'] == 0


def test_a_client_that_disables_push_makes_push_stream_raise(run_loop):
    seen = {}
    server = pushing_server(seen)
    session = http2.connect('http://127.0.0.1:%d' % listen(run_loop, server),
                            {'settings': {'enablePush': False}})
    req = session.request()
    req.resume()
    req.on('end', lambda: (session.close(), server.close()))
    run_loop(10)
    assert seen['pushAllowed'] is False
    assert seen['refused'] == 'HTTP/2 client has disabled push streams'


def test_push_stream_checks_its_arguments_as_node_20(run_loop):
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        for name, call in (
                ('no callback', lambda: stream.pushStream({':path': '/a'})),
                ('options', lambda: stream.pushStream({':path': '/a'}, 5, lambda *a: None)),
                ('headers', lambda: stream.pushStream(5, lambda *a: None)),
                ('connection', lambda: stream.pushStream({':path': '/a', 'connection': 'x'},
                                                         lambda *a: None))):
            with pytest.raises(Exception) as info:
                call()
            seen[name] = (info.value.code, str(info.value))

        def head_pushed(err, push, sent, *_):
            seen['head'] = (err, sent[':method'])
            push.on('close', lambda: seen.setdefault('head_ended', push.writableEnded))
            push.respond()
            stream.respond()
            stream.end()
        stream.pushStream({':path': '/h', ':method': 'HEAD'}, head_pushed)
        stream.on('close', lambda: seen.setdefault('closed', closed_push(stream)))
    server.on('stream', on_stream)

    def closed_push(stream):
        with pytest.raises(http2.ERR_HTTP2_PUSH_DISABLED):
            stream.pushStream({':path': '/late'}, lambda *a: None)
        return stream.pushAllowed

    def client(session, done):
        session.on('stream', lambda pushed, *_: pushed.resume())
        req = session.request()
        req.resume()
        req.on('end', done)
    run_exchange(run_loop, server, client)
    assert seen['no callback'] == ('ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of '
                                   'type function. Received None')
    assert seen['options'] == ('ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type '
                               'object. Received type int (5)')
    assert seen['headers'] == ('ERR_INVALID_ARG_TYPE', 'The "headers" argument must be of type '
                               'object. Received type int (5)')
    assert seen['connection'] == ('ERR_HTTP2_INVALID_CONNECTION_HEADERS',
                                  'HTTP/1 Connection specific headers are forbidden: "connection"')
    assert seen['head'] == (None, 'HEAD') and seen['head_ended'] is True
    assert seen['closed'] is False


def test_a_refused_push_is_aborted_and_gives_its_resources_back(run_loop):
    seen = {}
    finished = []
    server = http2.createServer()

    def finish():
        finished.append(1)
        if len(finished) == 2:
            seen['done']()

    def on_stream(stream, headers, flags, raw):
        def pushed(err, push, *_):
            push.on('aborted', lambda: seen.setdefault('aborted', True))
            push.on('error', lambda e: seen.setdefault('error', (e.code, str(e))))

            def on_close():
                core = push.session._core
                seen.update(close=push.rstCode, queued=core.queued(push.id) if core else 0,
                            known=push.id in push.session._streams)
                finish()
            push.on('close', on_close)
            push.respond()
            push.write(b'x' * 100000)
            stream.respond()
            stream.end('main')
        stream.pushStream({':path': '/refused'}, pushed)
    server.on('stream', on_stream)

    def client(session, done):
        seen['done'] = done

        def on_stream(pushed, headers, *_):
            pushed.on('error', lambda e: seen.setdefault('client_error', e.code))
            pushed.on('close', lambda: seen.setdefault('client_close', pushed.rstCode))
            pushed.close(REFUSED_STREAM)
        session.on('stream', on_stream)
        req = session.request()
        req.resume()
        req.on('end', finish)
    run_exchange(run_loop, server, client)
    assert seen['aborted'] is True
    assert seen['error'] == ('ERR_HTTP2_STREAM_ERROR',
                             'Stream closed with error code NGHTTP2_REFUSED_STREAM')
    assert seen['close'] == REFUSED_STREAM
    assert seen['queued'] == 0 and seen['known'] is False
    assert seen['client_error'] == 'ERR_HTTP2_STREAM_ERROR'
    assert seen['client_close'] == REFUSED_STREAM


def test_a_client_with_no_stream_listener_cancels_pushes(run_loop):
    # Node 20 keeps such a pushed stream open, and its session with it (it
    # never closes); pyuvnet cancels it.
    seen = {}
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        def pushed(err, push, *_):
            push.on('close', lambda: seen.setdefault('push_close', push.rstCode))
            push.on('error', lambda e: seen.setdefault('push_error', e))
            push.respond()
            push.end('unwanted')
            stream.respond()
            stream.end('main')
        stream.pushStream({':path': '/p'}, pushed)
    server.on('stream', on_stream)

    def client(session, done):
        req = session.request()
        req.resume()
        req.on('end', done)
    session = run_exchange(run_loop, server, client)
    assert session.destroyed
    assert seen.get('push_close') in (CANCEL, 0) and 'push_error' not in seen


NODE_PUSH_CLIENT = r"""
const http2 = require('http2');
const session = http2.connect(process.argv[1]);
const seen = {};
session.on('stream', (pushed, headers, flags) => {
  seen.promise = {id: pushed.id, path: headers[':path'], method: headers[':method'], flags};
  let body = '';
  pushed.on('push', (h) => { seen.push = {status: h[':status'], x: h['x-pushed']}; });
  pushed.on('data', (d) => { body += d; });
  pushed.on('end', () => { seen.pushedBody = body; });
});
const req = session.request({':path': '/'});
let body = '';
req.on('data', (d) => { body += d; });
req.on('end', () => { seen.main = body; setTimeout(() => {
  console.log(JSON.stringify(seen)); session.close(); }, 100); });
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_client_receives_pyuvnets_push(run_loop):
    seen = {}
    server = pushing_server(seen)
    code, out, err = run_node_client(run_loop, server, NODE_PUSH_CLIENT)
    assert code == 0, err
    assert json.loads(out) == {'promise': {'id': 2, 'path': '/pushed', 'method': 'GET', 'flags': 4},
                               'push': {'status': 200, 'x': 'yes'},
                               'pushedBody': 'pushed body', 'main': 'main'}


NODE_PUSH_SERVER = r"""
const http2 = require('http2');
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.pushStream({':path': '/from-node', 'x-a': 'b'}, (err, push) => {
    push.respond({':status': 200, 'x-pushed': 'node'});
    push.end('node pushed');
    stream.respond();
    stream.end('main');
  });
});
server.listen(0, () => console.log(server.address().port));
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_pyuvnets_client_receives_node_20s_push(run_loop, node):
    peer = node(NODE_PUSH_SERVER)
    port = int(peer.readline())
    seen = {}
    session = http2.connect('http://127.0.0.1:%d' % port)
    pushed_client(seen)(session, session.close)
    run_loop(10)
    stream_id, headers, flags, raw, writable = seen['client_stream']
    assert stream_id == 2 and headers[':path'] == '/from-node' and headers['x-a'] == 'b'
    assert seen['push'][0]['x-pushed'] == 'node'
    assert seen['pushed_body'] == b'node pushed' and seen['main'] == b'main'


@pytest.mark.skipif(NGHTTP is None, reason='nghttp (nghttp2-client) is not installed')
def test_nghttp_receives_the_push_promise_and_the_pushed_response(run_loop):
    seen = {}
    server = pushing_server(seen)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [NGHTTP, '-v', 'http://127.0.0.1:%d/' % port])
    assert code == 0, err
    text = out.decode()
    assert 'recv PUSH_PROMISE frame <length=' in text
    assert ':path: /pushed' in text and 'x-pushed: yes' in text


def test_pushed_streams_are_freed_once_closed(run_loop):
    # The client's pushed streams (refused or read) go without a cyclic
    # collection; the server's wrote, so, as any server stream that wrote
    # (docs/HTTP2.md, "Not built yet"), they wait for one.
    import gc
    import weakref
    client_refs, server_refs = [], []
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        def pushed(err, push, *_):
            server_refs.append(weakref.ref(push))
            push.on('error', lambda e: None)
            push.respond()
            push.end(b'x' * 1000)
        for path in ('/read', '/refused'):
            stream.pushStream({':path': path}, pushed)
        stream.respond()
        stream.end('main')
    server.on('stream', on_stream)

    def client(session, done):
        def on_stream(pushed, headers, *_):
            client_refs.append(weakref.ref(pushed))
            pushed.on('error', lambda e: None)
            if headers[':path'] == '/refused':
                pushed.close(REFUSED_STREAM)
            else:
                pushed.resume()
        session.on('stream', on_stream)
        req = session.request({':path': '/'}, {'endStream': True})
        req.resume()
        req.on('close', done)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        run_exchange(run_loop, server, client)
        client_alive = [ref for ref in client_refs if ref() is not None]
    finally:
        if enabled:
            gc.enable()
    gc.collect()
    assert len(client_refs) == 2 and client_alive == []
    assert len(server_refs) == 2 and [ref for ref in server_refs if ref() is not None] == []
