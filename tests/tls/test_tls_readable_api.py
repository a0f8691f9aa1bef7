"""Node's Readable API on a tls.TLSSocket where it is TLS's own: its
flowing state and unshift(), and the default high-water mark. What is
alike over TCP and TLS (framing with read(n), async iteration, freed at
close) is tests/net/readable/test_readable_api_tcp_and_tls.py. Each
expectation was run under Node 20 first."""
import gc

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import stream


def test_tls_socket_flowing_state_and_unshift(tls_server, tls_certs, run_loop):
    # Node 20: a new TLSSocket's readableFlowing is null, false once a
    # 'readable' listener is added; unshift() puts bytes back before what
    # is buffered.
    server, port = tls_server(lambda s: s.end(b'world'))
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    seen = [client.readableFlowing]

    def on_readable():
        data = client.read()
        if data is not None:
            client.unshift(data)
            client.unshift(b'hello ')
            seen.append(client.read())
    client.on('readable', on_readable)
    seen.append(client.readableFlowing)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen[:2] == [None, False]
    assert seen[2] == b'hello world'


def test_set_default_high_water_mark_reaches_new_tls_sockets():
    # Node 20: a TLSSocket made after setDefaultHighWaterMark(false, 1000)
    # has 1000 both ways (its raw socket's).
    before = stream.getDefaultHighWaterMark(False)
    try:
        stream.setDefaultHighWaterMark(False, 1000)
        sock = tls.TLSSocket(net.Socket())
        assert (sock.readableHighWaterMark, sock.writableHighWaterMark) == (1000, 1000)
        sock.destroy()
    finally:
        stream.setDefaultHighWaterMark(False, before)


def zero_mark_client(tls_certs, run_loop, answer):
    """A client with highWaterMark 0 that ends at once, against a server
    that counts what it reads and ends with ``answer``; returns the log."""
    log = []

    def on_secure(sock):
        server.close()
        got = []
        sock.on('data', got.append)
        sock.on('end', lambda: (log.append(('server end', len(b''.join(got)))),
                                sock.end(answer)))
    server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, on_secure)
    server.listen(0, '127.0.0.1')
    client = tls.connect({'port': server.address().port, 'host': '127.0.0.1',
                          'ca': tls_certs.ca, 'servername': 'localhost', 'highWaterMark': 0})
    log.append(('marks', client.readableHighWaterMark, client.writableHighWaterMark))
    client.on('secureConnect', lambda: (log.append('secure'), client.end('hello')))
    client.on('finish', lambda: log.append('finish'))
    client.on('close', lambda had_error: log.append(('close', had_error)))
    return client, log


def test_tls_socket_with_zero_mark_reads_the_peers_end(tls_certs, run_loop):
    # Node 20 (as test-net-connect-buffer.js over TCP): a mark of 0 still
    # reads while nothing is buffered, so close_notify and the FIN come in:
    # marks 0 and 0, secure, finish, server end 5, end, close false.
    client, log = zero_mark_client(tls_certs, run_loop, None)
    client.on('end', lambda: log.append('end'))
    run_loop()
    assert log == [('marks', 0, 0), 'secure', 'finish', ('server end', 5), 'end',
                   ('close', False)]


def test_tls_socket_with_zero_mark_reads_every_byte_to_the_end(tls_certs, run_loop):
    # Node 20: the server's 100,000 bytes all reach a 'data' listener added
    # 100 ms after the server ended, then 'end' and 'close' false.
    client, log = zero_mark_client(tls_certs, run_loop, b'x' * 100000)
    got = []
    net.setTimeout(lambda: client.on('data', got.append), 100)
    client.on('end', lambda: log.append(('end', len(b''.join(got)))))
    run_loop()
    assert log == [('marks', 0, 0), 'secure', 'finish', ('server end', 5), ('end', 100000),
                   ('close', False)]


def test_tls_socket_with_zero_mark_is_freed_at_close_without_gc(tls_certs, run_loop):
    # Both ends go at 'close', the client's end read at a mark of 0 with
    # no reader.
    def alive():
        return sum(1 for obj in gc.get_objects() if isinstance(obj, (net.Socket, tls.TLSSocket)))
    gc.collect()
    before = alive()
    gc.disable()
    try:
        client, log = zero_mark_client(tls_certs, run_loop, None)
        del client
        run_loop()
        assert log[-1] == ('close', False)
        assert alive() == before
    finally:
        gc.enable()
