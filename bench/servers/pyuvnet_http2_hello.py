"""The hello answer (bench/servers/node_http2_hello.js's) on pyuvnet.http2's
core API over h2c, Node's createServer() and 'stream' event as they are,
for bench/h2load_serve.py; prints its port.

    pyuvnet_http2_hello.py
"""
import pyuvnet as net
from pyuvnet import http2

from common import HOST, announce

HELLO = b'Hello, world!\n'
NOT_FOUND = b'Not found\n'


def on_stream(stream, headers, flags, raw):
    found = headers[':path'] == '/'
    body = HELLO if found else NOT_FOUND
    stream.respond({':status': 200 if found else 404, 'content-type': 'text/plain',
                    'content-length': len(body)})
    stream.end(body)


def main():
    server = http2.createServer()
    server.on('stream', on_stream)
    server.listen(0, HOST, lambda: announce(server.address().port))
    net.run()


if __name__ == '__main__':
    main()
