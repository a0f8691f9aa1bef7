"""The realistic HTTP/1.1 "hello" server: requests parsed by ``httptools``
(the parser uvicorn uses), one handler, on pyuvnet (default) or on uvloop
through an ``asyncio.Protocol``.

    httptools_hello.py [--loop pyuvnet|uvloop] [PATH]

Unlike bench/http_hello.py (which only cuts requests out of the stream),
every request is parsed in full: method, URL and the list of headers are
collected as a framework would, the handler picks the response by path
(``/`` says hello, a POST to ``/`` gets its body's length, anything else
is a 404), and each response carries a
``Date`` header. Keep-alive follows the parser (``should_keep_alive``):
``Connection: close`` or HTTP/1.0 without keep-alive gets its response and
then the connection is ended. Pipelined requests that arrive in one chunk
get their responses in one write, in order. bench/servers/node_http.js is
the same server on Node's ``http`` module.
"""
import time
from email.utils import formatdate

import httptools

from common import serve_request_replies

HELLO = b'Hello, world!\n'
NOT_FOUND = b'Not found\n'
BAD_REQUEST = b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'


class DateHeader:
    """The ``Date`` header line, formatted once per second."""

    __slots__ = ('second', 'line')

    def __init__(self):
        self.second = None
        self.line = b''

    def __call__(self):
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.line = b'Date: %s\r\n' % formatdate(now, usegmt=True).encode()
        return self.line


date_header = DateHeader()


def handle(method, url, headers, length):
    """The application: (status line, body) for one parsed request whose
    body was ``length`` bytes."""
    if method == b'POST' and url == b'/':
        return b'200 OK', b'%d\n' % length
    if url == b'/' and method in (b'GET', b'HEAD'):
        return b'200 OK', HELLO
    return b'404 Not Found', NOT_FOUND


def response(status, body, keep_alive, version):
    head = b'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s' % (
        status, len(body), date_header())
    if not keep_alive:
        head += b'Connection: close\r\n'
    elif version == '1.0':
        head += b'Connection: keep-alive\r\n'
    return head + b'\r\n' + body


class HelloConnection:
    """One connection's requests, parsed by httptools.

    ``feed(data)`` returns ``(reply, close)``: the responses to every request
    completed so far, joined, and whether the connection should end after
    them. After a request that closes the connection, or a parse error
    (answered with 400), further bytes are ignored.
    """

    __slots__ = ('parser', 'url', 'headers', 'length', 'replies', 'closing')

    def __init__(self):
        self.parser = httptools.HttpRequestParser(self)
        self.url = b''
        self.headers = []
        self.length = 0
        self.replies = []
        self.closing = False

    # httptools callbacks
    def on_message_begin(self):
        self.url = b''
        self.headers = []
        self.length = 0

    def on_url(self, url):
        self.url += url

    def on_header(self, name, value):
        self.headers.append((name, value))

    def on_body(self, body):
        self.length += len(body)

    def on_message_complete(self):
        if self.closing:
            return
        parser = self.parser
        method = parser.get_method()
        status, body = handle(method, self.url, self.headers, self.length)
        keep_alive = parser.should_keep_alive()
        self.replies.append(response(status, b'' if method == b'HEAD' else body,
                                     keep_alive, parser.get_http_version()))
        self.closing = not keep_alive

    def feed(self, data):
        if not self.closing:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                if not self.closing:  # data after a closing request is no error
                    self.replies.append(BAD_REQUEST)
                    self.closing = True
        replies, self.replies = self.replies, []
        reply = replies[0] if len(replies) == 1 else b''.join(replies)
        return reply, self.closing


def main():
    serve_request_replies(HelloConnection, __doc__)


if __name__ == '__main__':
    main()
