"""The compatibility API's writeEarlyHints() and createPushResponse(),
pinned under Node 20 with the same handler: the 103 heads the client sees,
the return values and the errors."""
import pytest

from pyuvnet import http2
from http2_support import run_exchange


def test_write_early_hints_sends_103_heads_as_node_20(run_loop):
    seen = {}

    def handler(req, res):
        def attempt(name, call):
            try:
                seen[name] = call()
            except Exception as error:
                seen[name] = (error.code, str(error))
        attempt('hints', lambda: res.writeEarlyHints({'link': '</a.css>; rel=preload; as=style',
                                                      'x-hint': 'h'}))
        attempt('list', lambda: res.writeEarlyHints(
            {'link': ['</b.js>; rel=preload', '</c.js>; rel=preload']}))
        attempt('no link', lambda: res.writeEarlyHints({'x-hint': 'h'}))
        attempt('bad link', lambda: res.writeEarlyHints({'link': 'bad'}))
        attempt('empty list', lambda: res.writeEarlyHints({'link': []}))
        attempt('not a dict', lambda: res.writeEarlyHints(5))
        res.end('main', callback=lambda *_: attempt(
            'after', lambda: res.writeEarlyHints({'link': '</a.css>; rel=preload'})))
    server = http2.createServer(handler)

    def client(session, done):
        req = session.request()
        req.on('headers', lambda headers, flags, raw: seen.setdefault('info', []).append(
            (headers, flags)))
        req.resume()
        req.end()
        req.on('end', done)
    run_exchange(run_loop, server, client)
    assert seen['hints'] is True and seen['list'] is True
    link_format = ("The argument 'hints' must be an array or string of format "
                   '"</styles.css>; rel=preload; as=style". Received ')
    assert seen['no link'] == ('ERR_INVALID_ARG_VALUE', link_format + 'None')
    assert seen['bad link'] == ('ERR_INVALID_ARG_VALUE', link_format + "'bad'")
    assert seen['empty list'] is False
    assert seen['not a dict'] == ('ERR_INVALID_ARG_TYPE', 'The "hints" argument must be of type '
                                  'object. Received type int (5)')
    assert seen['after'] is False
    assert seen['info'] == [
        ({':status': 103, 'x-hint': 'h', 'link': '</a.css>; rel=preload; as=style'}, 4),
        ({':status': 103, 'link': '</b.js>; rel=preload, </c.js>; rel=preload'}, 4)]


def test_create_push_response_pushes_an_http2_server_response(run_loop):
    seen = {}

    def handler(req, res):
        with pytest.raises(Exception) as info:
            res.createPushResponse({':path': '/p'})
        seen['no callback'] = (info.value.code, str(info.value))

        def pushed(err, push_res=None):
            seen['push'] = (err, type(push_res).__name__, push_res.stream.id)
            push_res.setHeader('x-p', '1')
            push_res.end('pushed')
            res.end('main')
        res.createPushResponse({':path': '/p'}, pushed)
        res.on('close', lambda: res.createPushResponse(
            {':path': '/q'}, lambda err, *rest: seen.setdefault('closed', (err.code, rest))))
    server = http2.createServer(handler)

    def client(session, done):
        def on_stream(pushed, headers, *_):
            body = []
            pushed.on('push', lambda head, *_: seen.setdefault('head', head))
            pushed.on('data', body.append)
            pushed.on('end', lambda: seen.setdefault('body', (headers[':path'], b''.join(body))))
        session.on('stream', on_stream)
        req = session.request()
        req.resume()
        req.end()
        req.on('end', done)
    run_exchange(run_loop, server, client)
    assert seen['no callback'] == ('ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of '
                                   'type function. Received None')
    assert seen['push'] == (None, 'Http2ServerResponse', 2)
    assert seen['head'][':status'] == 200 and seen['head']['x-p'] == '1'
    assert seen['body'] == ('/p', b'pushed')
    assert seen['closed'] == ('ERR_HTTP2_INVALID_STREAM', ())
