"""Node's Readable API on a tls.TLSSocket where it is TLS's own: its
flowing state and unshift(), and the default high-water mark. What is
alike over TCP and TLS (framing with read(n), async iteration, freed at
close) is tests/net/readable/test_readable_api_tcp_and_tls.py. Each
expectation was run under Node 20 first."""
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
