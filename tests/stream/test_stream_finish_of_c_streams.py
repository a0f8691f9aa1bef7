"""'finish' of a socket whose reads its C base keeps: Node's 'finish'
destroys a stream (autoDestroy) only once its read side ended, and a
net.Socket or TLSSocket that reads in C has no ReadableState for the
stream core to ask, so the stream answers.  Each expectation was run under
Node 20 first (v20.20): a client ends its write side against a server that
keeps its own open (allowHalfOpen) and ends it 20 ms after reading the
client's end."""
import gc

import pytest

import pyuvnet as net
import pyuvnet.tls as tls


def fields(sock):
    return (sock.destroyed, sock.writableFinished, sock.readableEnded, sock.readable,
            sock.writable)


def half_closed_client(kind, tls_certs, log, **client_options):
    """A server that answers the client's end 20 ms later with 'bye' and
    its own end, and a client that ends at once."""
    # (The server sees the client through a list emptied at its 'close',
    # so that neither holds the other after it.)
    clients = []

    def answer(sock):
        log.append(('client at server end',) + fields(clients[0]))
        sock.end('bye')

    def on_connection(sock):
        sock.resume()
        sock.on('end', lambda: net.setTimeout(answer, 20, sock))
    if kind == 'tls':
        server = tls.createServer({'key': tls_certs.key, 'cert': tls_certs.cert,
                                   'allowHalfOpen': True}, on_connection)
    else:
        server = net.createServer({'allowHalfOpen': True}, on_connection)
    server.listen(0, '127.0.0.1')
    port = server.address().port
    if kind == 'tls':
        client = tls.connect(dict(client_options, port=port, host='127.0.0.1',
                                  ca=tls_certs.ca, servername='localhost'))
        client.on('secureConnect', lambda: client.end('hi'))
    else:
        client = net.connect(dict(client_options, port=port, host='127.0.0.1'))
        client.on('connect', lambda: client.end('hi'))
    client.on('finish', lambda: log.append(('finish',) + fields(client)))
    client.on('data', lambda data: log.append(('data', bytes(data))))
    client.on('end', lambda: log.append(('end',) + fields(client)))
    client.on('close', lambda had_error: (log.append(('close', had_error) + fields(client)),
                                          server.close(), clients.clear()))
    clients.append(client)


@pytest.mark.parametrize('kind', ['net', 'tls'])
@pytest.mark.parametrize('allow_half_open', [False, True])
def test_an_ended_socket_stays_open_until_the_peer_ends(kind, allow_half_open, tls_certs,
                                                        run_loop):
    # Node 20, net and tls alike, with or without allowHalfOpen on the
    # client: 'finish' leaves the socket open (not destroyed, readable);
    # 20 ms later it still is; 'bye', 'end', then 'close'(false).
    log = []
    half_closed_client(kind, tls_certs, log, allowHalfOpen=allow_half_open)
    run_loop()
    assert log == [
        ('finish', False, True, False, True, False),
        ('client at server end', False, True, False, True, False),
        ('data', b'bye'),
        ('end', False, True, True, False, False),
        ('close', False, True, True, True, False, False)]


def alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, (net.Socket, tls.TLSSocket)))


@pytest.mark.parametrize('kind', ['net', 'tls'])
def test_a_socket_ended_before_its_peer_is_freed_at_close_without_gc(kind, tls_certs,
                                                                    run_loop):
    # Both ends, with their listeners' closures over them, go at 'close'.
    log = []
    gc.collect()
    before = alive()
    gc.disable()
    try:
        half_closed_client(kind, tls_certs, log)
        run_loop()
        assert log[-1][0] == 'close'
        assert alive() == before
    finally:
        gc.enable()
