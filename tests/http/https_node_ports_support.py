"""What the ports of Node's https tests share (tests/http/test_https_node_ports*.py):
an https server fixture and its app."""
import pytest

import pyuvnet.https as https

from http_node_ports_support import run_server


@pytest.fixture
def serve(run_loop, tls_certs):
    """serve(app, exchange, **options): a pyuvnet https server (the CA's
    leaf for localhost and 127.0.0.1) running ``app``; ``exchange(server,
    port, done)`` is called once it listens and calls done() when
    finished.  Runs the loop; the server and the global agent's kept
    sockets are closed after."""
    def run(app, exchange, **options):
        options.setdefault('key', tls_certs.key)
        options.setdefault('cert', tls_certs.cert)
        return run_server(https, app, exchange, run_loop, options)
    return run


def hello(req, res):
    res.writeHead(200, {'content-type': 'text/plain'})
    res.end('hello world\n')
