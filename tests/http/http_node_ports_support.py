"""What the ports of Node's http tests share (tests/http/test_http_node_ports*.py):
a server fixture, the client helpers, and the answers of a raw request."""
import re

import pytest

import pyuvnet as net
import pyuvnet.http as http


@pytest.fixture
def serve(run_loop):
    """serve(app, exchange): a pyuvnet http server running ``app``;
    ``exchange(port, done)`` is called once it listens and calls done()
    when finished.  Runs the loop; the server and the global agent's
    kept sockets are closed after."""
    return lambda app, exchange, **options: run_server(http, app, exchange, run_loop, options)


def run_server(module, app, exchange, run_loop, options):
    """The serve fixtures' body, for http and https: ``module``'s server
    running ``app`` until ``exchange`` calls done()."""
    server = module.createServer(options, app)

    def done():
        server.closeAllConnections()
        server.close()
        module.globalAgent.destroy()
    server.listen(0, '127.0.0.1', lambda: exchange(server, server.address().port, done))
    run_loop()
    return server


def body_of(res, then):
    chunks = []
    res.on('data', chunks.append)
    res.on('end', lambda: then(b''.join(chunks).decode()))


_DATE = re.compile(rb'Date: [^\r]*\r\n')


def answers(run_loop, app, requests, **options):
    """Serves ``app`` and sends each raw request on its own connection, one
    after the other; returns the answers' bytes (Date masked as 'X')."""
    server = http.createServer(options, app)
    out = []

    def send(index=0):
        if index == len(requests):
            server.close()
            return
        chunks = []
        sock = net.connect(server.address().port, '127.0.0.1')
        sock.on('data', chunks.append)
        sock.on('error', lambda err: None)
        sock.on('close', lambda had_error: (
            out.append(_DATE.sub(b'Date: X\r\n', b''.join(chunks))), send(index + 1)))
        sock.end(requests[index])
    server.listen(0, '127.0.0.1', send)
    run_loop()
    return out


def get(path, method='GET'):
    return ('%s %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' % (method, path)).encode()


def outcome(call):
    """The call's result, or its error's code."""
    try:
        return call()
    except Exception as error:      # noqa: BLE001 - the code is what is compared
        return getattr(error, 'code', type(error).__name__)
