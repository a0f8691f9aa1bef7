"""The DATA frames a response's writes make, as Node 20 sends them: END_STREAM
rides on the last write's frame when end() follows it at once (Node's end
check after each write), and an empty DATA frame ends the stream otherwise.
The frames seen by ``nghttp -nv``, pinned against Node 20's http2 server
answering the same way."""
import re

import pytest

import pyuvnet as net
from pyuvnet import http2
from http2_support import NGHTTP, listen, run_peer


def answer(stream, headers, flags, raw):
    stream.respond({':status': 200})
    path = headers[':path']
    if path == '/one':
        stream.end(b'hello')
    elif path == '/two':
        stream.write(b'a')
        stream.end(b'b')
    elif path == '/later':
        stream.write(b'a')
        net.setImmediate(stream.end)
    else:
        stream.end()


# (length, flags) of each DATA frame, as Node 20 sends them.
NODE_20 = {
    '/one': [(5, 1)],
    '/two': [(1, 0), (1, 1)],
    '/later': [(1, 0), (0, 1)],
    '/empty': [(0, 1)],
}


@pytest.mark.skipif(NGHTTP is None, reason='nghttp (nghttp2-client) is not installed')
@pytest.mark.parametrize('path', sorted(NODE_20))
def test_end_stream_rides_on_the_last_write_as_node_20s(run_loop, path):
    server = http2.createServer()
    server.on('stream', answer)
    port = listen(run_loop, server)
    code, out, err = run_peer(run_loop, server, [NGHTTP, '-nv', 'http://127.0.0.1:%d%s' % (port, path)])
    assert code == 0, err
    frames = re.findall(rb'recv DATA frame <length=(\d+), flags=0x(\w+)', out)
    assert [(int(length), int(flags, 16)) for length, flags in frames] == NODE_20[path]
