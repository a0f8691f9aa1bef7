"""A TLS socket's write() answer and 'drain', as Node 20's: a write of the
high-water mark answers False even when the kernel takes it at once
(Node's TLSWrap calls its writes back later), before the handshake, corked
or not, and 'drain' follows each time.

The oracle, under /usr/bin/node (v20.20), the client of a server that
reads everything:

    const c = tls.connect({port, host: '127.0.0.1', ca, servername: 'localhost',
                           highWaterMark: 65536});
    c.write(Buffer.alloc(100000))                       // false (before 'secure')
    // 'secureConnect', 'drain'; 50 ms later:
    c.cork(); c.write(Buffer.alloc(100000)); c.uncork() // false, then 'drain'
    // 50 ms later: c.write(Buffer.alloc(100000))       // false, then 'drain'
"""
import pyuvnet as net
import pyuvnet.tls as tls


def test_tls_writes_of_the_mark_answer_false_and_drain(tls_server, tls_certs, run_loop):
    server, port = tls_server(lambda s: (s.resume(), s.on('end', s.end)))
    log = []
    client = tls.connect({'port': port, 'host': '127.0.0.1', 'ca': tls_certs.ca,
                          'servername': 'localhost'})
    log.append(('before secure', client.write(bytes(100000))))
    client.on('drain', lambda: log.append('drain'))

    def plain():
        log.append(('plain', client.write(bytes(100000))))
        net.setTimeout(client.end, 50)

    def corked():
        client.cork()
        log.append(('corked', client.write(bytes(100000))))
        client.uncork()
        net.setTimeout(plain, 50)
    client.on('secureConnect', lambda: (log.append('secure'), net.setTimeout(corked, 50)))
    client.on('close', lambda _: server.close())
    run_loop()
    assert log == [('before secure', False), 'secure', 'drain', ('corked', False), 'drain',
                   ('plain', False), 'drain']
