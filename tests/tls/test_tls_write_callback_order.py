"""When a TLS write's callback runs outside destroy(), against the turn's
ticks, microtasks and immediates, as Node 20 (v20.20) orders them: its
TLSWrap calls back a write the raw socket took at once from a native
immediate (env->SetImmediate), which runs in the check phase before the
program's immediates, all of them before the ticks they queue. Each
expectation was run under Node 20 first with the same program (two
clients of a TLS server that reads, each writing at 'secureConnect' with
a callback; the setImmediate, nextTick and Promise queued after the
writes; a write again from the immediate)."""
import pyuvnet as net
import pyuvnet.tls as tls


def test_a_tls_write_is_called_back_after_the_ticks_and_before_the_immediates(
        tls_server, tls_certs, run_loop):
    log, socks = [], []
    server, port = tls_server(lambda sock: sock.resume())

    def both_secure():
        first, second = socks
        first.write(b'hello', lambda err: (log.append(('cb first', err)),
                                           net.nextTick(lambda: log.append('cb tick'))))
        second.write(b'world', lambda err: log.append(('cb second', err)))

        def immediate():
            log.append('immediate')
            first.write(b'again', lambda err: log.append('cb from immediate'))
            net.setImmediate(lambda: log.append('immediate 2'))
            net.nextTick(lambda: log.append('tick 2'))
        net.setImmediate(immediate)
        net.nextTick(lambda: log.append('tick'))
        net.queueMicrotask(lambda: log.append('micro'))

        def done():
            for sock in socks:
                sock.destroy()
            server.close()
        net.setTimeout(done, 100)

    def secure(sock):
        socks.append(sock)
        if len(socks) == 2:
            both_secure()
    for _ in range(2):
        sock = tls.connect({'port': port, 'host': '127.0.0.1', 'ca': tls_certs.ca,
                            'servername': 'localhost'})
        sock.on('secureConnect', lambda sock=sock: secure(sock))
    run_loop()
    assert log == ['tick', 'micro', ('cb first', None), ('cb second', None), 'cb tick',
                   'immediate', 'tick 2', 'cb from immediate', 'immediate 2']
