"""Never-indexed header fields (HPACK's sensitive ones): what a peer sent
never-indexed is listed under ``http2.sensitiveHeaders`` in the headers
object, and pyuvnet sends never-indexed what Node 20 does (the names
listed, ``authorization``, a cookie under 20 bytes). Pinned with the same
script under Node 20: its server saw ['x-token', 'authorization',
'cookie'] and its client ['x-secret']."""
import json

import pytest

from pyuvnet import http2
from http2_support import listen, run_peer
from support import NODE


def sensitive_server(seen):
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        seen['server'] = headers.get(http2.sensitiveHeaders)
        seen['keys'] = [key for key in headers if isinstance(key, str)]
        stream.respond({':status': 200, 'x-secret': 's',
                        http2.sensitiveHeaders: ['x-secret']})
        stream.end()
    server.on('stream', on_stream)
    return server


REQUEST = {':path': '/', 'x-token': 'abc', 'authorization': 'Bearer x', 'cookie': 'a=1',
           'x-plain': '1', http2.sensitiveHeaders: ['x-token']}


def test_never_indexed_fields_are_listed_both_ways(run_loop):
    seen = {}
    server = sensitive_server(seen)
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    req = session.request(REQUEST)
    req.on('response', lambda headers, flags, raw: seen.setdefault(
        'client', headers.get(http2.sensitiveHeaders)))
    req.resume()
    req.on('close', lambda: (session.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen['server'] == ['x-token', 'authorization', 'cookie']
    assert seen['client'] == ['x-secret']
    assert 'x-plain' in seen['keys']


def test_a_long_cookie_is_indexed_as_node_does(run_loop):
    seen = {}
    server = sensitive_server(seen)
    port = listen(run_loop, server)
    session = http2.connect('http://127.0.0.1:%d' % port)
    req = session.request({':path': '/', 'cookie': 'session=0123456789abcdef'})
    req.resume()
    req.on('close', lambda: (session.close(), server.close()))
    req.end()
    run_loop(10)
    assert seen['server'] is None


NODE_SENDER = r"""
const http2 = require('http2');
const session = http2.connect(process.argv[1]);
const req = session.request({':path': '/', 'x-token': 'abc', 'authorization': 'Bearer x',
                             'cookie': 'a=1', 'x-plain': '1', [http2.sensitiveHeaders]: ['x-token']});
req.on('response', (headers) => {
  console.log(JSON.stringify(headers[http2.sensitiveHeaders] || null));
  session.close();
});
req.resume();
req.end();
"""


@pytest.mark.skipif(NODE is None, reason='node is not installed')
def test_node_20s_never_indexed_fields_reach_pyuvnet_listed(run_loop):
    seen = {}
    server = sensitive_server(seen)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [NODE, '-e', NODE_SENDER,
                                                 'http://127.0.0.1:%d' % port])
    assert code == 0, err
    assert seen['server'] == ['x-token', 'authorization', 'cookie']
    assert json.loads(out) == ['x-secret']
