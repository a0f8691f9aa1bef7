"""Flow control over TLS (issue 39): the same 'drain' and backpressure as
over TCP, the TLSSocket's own write queue and 'drain' beneath."""
import hashlib

import pyuvnet as net
import pyuvnet.https as https

MIB = 1 << 20


def blob(size):
    seed = hashlib.sha256(b'https-flow').digest()
    return seed * (size // len(seed))


def stream_out(message, data, chunk=64 << 10):
    pos = [0]

    def more():
        while pos[0] < len(data):
            pos[0] += chunk
            if not message.write(data[pos[0] - chunk:pos[0]]):
                message.once('drain', more)
                return
        message.end()
    more()


def test_an_https_upload_with_drain_echoed_by_pipe_arrives_whole(tls_certs, run_loop):
    """A ClientRequest uploads 8 MiB with write()/'drain' over TLS; the
    server echoes it with req.pipe(res); the answer is read slowly at
    first (the response waits 200 ms for a 'data' listener)."""
    data = blob(8 * MIB)
    received = []
    server = https.createServer({'key': tls_certs.key, 'cert': tls_certs.cert},
                                lambda req, res: req.pipe(res))

    def on_response(res):
        def read():
            res.on('data', received.append)
            res.on('end', server.close)
        net.setTimeout(read, 200)

    def start():
        req = https.request({'host': '127.0.0.1', 'port': server.address().port,
                             'method': 'POST', 'ca': tls_certs.ca, 'servername': 'localhost'},
                            on_response)
        stream_out(req, data)
    server.listen(0, '127.0.0.1', start)
    run_loop(30)
    assert hashlib.sha256(b''.join(received)).digest() == hashlib.sha256(data).digest()

