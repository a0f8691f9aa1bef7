"""HTTP/1.1 "hello world" over raw sockets: pyuvnet (default) or uvloop.

    http_hello.py [--loop pyuvnet|uvloop] [PATH]

No HTTP library: requests are cut out of the byte stream by ``HelloFramer``
and each is answered with the same fixed response, but a POST, answered
with its body's length (the upload case). Keep-alive is the
default; pipelined requests in one chunk get their responses in one write,
in order. bench/servers/node_http_hello.js is the same server on Node's net.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / 'servers'))
from common import serve_request_replies  # noqa: E402

BODY = b'Hello, world!\n'
RESPONSE = (b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'
            b'Content-Length: %d\r\n\r\n%s' % (len(BODY), BODY))
# The last response on a connection says so: a client that expects keep-alive
# (wrk) would count the end of the connection as a read error otherwise.
CLOSING_RESPONSE = RESPONSE.replace(b'\r\n\r\n', b'\r\nConnection: close\r\n\r\n', 1)
BAD_REQUEST = b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
MAX_HEAD = 16 * 1024


def posted(length, closing=False):
    """The answer to a POST: its body's length, as text."""
    body = b'%d\n' % length
    return b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s' % (
        len(body), b'Connection: close\r\n' if closing else b'', body)


def header(head, name):
    """The value of header ``name`` in the lower-cased ``head``, or None."""
    start = head.find(b'\r\n' + name + b':')
    if start < 0:
        return None
    start += len(name) + 3
    end = head.find(b'\r\n', start)
    return head[start:end if end >= 0 else len(head)].strip()


class HelloFramer:
    """Cuts HTTP/1.1 requests out of a byte stream.

    ``feed(data)`` returns ``(reply, close)``: the bytes to write for every
    request completed so far, and whether the connection should close after
    them (``Connection: close``, HTTP/1.0 without keep-alive, or a request
    this server cannot frame: chunked bodies, bad lengths, huge heads). The
    response that ends the connection carries ``Connection: close``.
    """

    __slots__ = ('pending',)

    def __init__(self):
        self.pending = b''

    def feed(self, data):
        buf = self.pending + data if self.pending else data
        count = pos = 0
        done = b''  # the replies before the last POST's (GETs are only counted)
        in_body = False  # stopped inside a body: the head limit does not apply
        while (end := buf.find(b'\r\n\r\n', pos)) >= 0:
            head = buf[pos:end].lower()
            length = header(head, b'content-length')
            if header(head, b'transfer-encoding') is not None or \
                    (length is not None and not length.isdigit()):
                return done + RESPONSE * count + BAD_REQUEST, True
            size = int(length or 0)
            stop = end + 4 + size
            if stop > len(buf):
                in_body = True
                break  # the body is still on its way
            pos = stop
            closing = wants_close(head)
            if head.startswith(b'post '):
                done += RESPONSE * count + posted(size, closing)
                count = 0
                if closing:
                    return done, True
                continue
            count += 1
            if closing:
                return done + RESPONSE * (count - 1) + CLOSING_RESPONSE, True
        self.pending = buf[pos:]
        if len(self.pending) > MAX_HEAD and not in_body:
            return done + RESPONSE * count + BAD_REQUEST, True
        return done + RESPONSE * count, False


def wants_close(head):
    connection = header(head, b'connection')
    if head.partition(b'\r\n')[0].endswith(b'http/1.0'):
        return connection != b'keep-alive'
    return connection == b'close'


def main():
    serve_request_replies(HelloFramer, __doc__)


if __name__ == '__main__':
    main()
