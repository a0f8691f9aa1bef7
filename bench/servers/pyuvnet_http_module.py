"""The realistic HTTP/1.1 "hello" server on pyuvnet.http: the same
application as bench/servers/node_http.js on Node's http module ("/" says
hello, a POST to "/" gets its body's length, anything else is a 404), with
llhttp, keep-alive and pipelining as pyuvnet.http does them.

    pyuvnet_http_module.py [PATH]
"""
import sys

import pyuvnet as net
from pyuvnet import http

from common import HOST, announce

HELLO = b'Hello, world!\n'
NOT_FOUND = b'Not found\n'
HELLO_HEADERS = {'Content-Type': 'text/plain', 'Content-Length': len(HELLO)}
NOT_FOUND_HEADERS = {'Content-Type': 'text/plain', 'Content-Length': len(NOT_FOUND)}


def count_body(req, res):
    """A POST's answer: the length of its body."""
    length = 0

    def on_data(chunk):
        nonlocal length
        length += len(chunk)

    def on_end():
        body = b'%d\n' % length
        res.writeHead(200, {'Content-Type': 'text/plain', 'Content-Length': len(body)})
        res.end(body)
    req.on('data', on_data)
    req.on('end', on_end)


def app(req, res):
    if req.method == 'POST' and req.url == '/':
        count_body(req, res)
    elif req.url == '/' and (req.method == 'GET' or req.method == 'HEAD'):
        res.writeHead(200, HELLO_HEADERS)
        res.end(HELLO)
    else:
        res.writeHead(404, NOT_FOUND_HEADERS)
        res.end(NOT_FOUND)


def main():
    server = http.createServer({'noDelay': True}, app)
    path = sys.argv[1] if len(sys.argv) > 1 else None
    if path:
        server.listen(path, lambda: announce())
    else:
        server.listen(0, HOST, 511, lambda: announce(server.address().port))
    net.run()


if __name__ == '__main__':
    main()
