"""TLS sockets held only by their own listeners (Node's echo,
``sock.on('data', sock.write)``, and a client's closure over itself) are
freed at 'close' with the cyclic GC off, weak references to them or not:
the references die then, as at a collection (TLSPump.on_tick,
held_by_own_listeners_alone in uv/handles/handle.pyx)."""
import weakref

import pyuvnet.tls as tls


def test_an_echoing_tls_socket_watched_by_a_weak_reference_is_freed_at_close(
        tls_server, tls_certs, gc_off, run_loop):
    refs, died = [], []

    def on_secure(sock):
        sock.on('data', sock.write)
        sock.on('end', sock.end)
        refs.append(weakref.ref(sock, died.append))
    server, port = tls_server(on_secure)

    def start():
        client = tls.connect({'port': port, 'host': '127.0.0.1', 'ca': tls_certs.ca,
                              'servername': 'localhost'})
        client.on('secureConnect', lambda: client.write(b'hello'))
        client.on('data', lambda data: client.end())
        client.on('close', lambda had_error: server.close())
        refs.append(weakref.ref(client, died.append))
    start()
    run_loop()
    assert [ref() for ref in refs] == [None, None]
    assert sorted(map(id, died)) == sorted(map(id, refs))
