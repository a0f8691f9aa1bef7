"""Node's Writable API on a tls.TLSSocket: the writable* fields, cork(),
setDefaultEncoding(), end(callback) as Node's Writable.end() calls it,
write after end() or destroy(), and destroy(err) ordering. Each
expectation was run under Node 20 first (v20.20.2, a TLS echo of the
net.Socket cases in tests/net/write/test_socket_writable_api.py)."""
import pytest

import pyuvnet as net
import pyuvnet.tls as tls


def code(value):
    return getattr(value, 'code', value)


def secure_client(tls_server, tls_certs, scenario):
    """A server that reads and drops everything, and a client that runs
    ``scenario(client)`` once secure; returns (server, client)."""
    def on_secure(sock):
        sock.resume()
        sock.on('error', lambda err: None)
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.once('secureConnect', lambda: scenario(client))
    return server, client


def test_writable_fields_and_cork_of_a_tls_socket(tls_server, tls_certs, run_loop):
    # Node 20: objectMode false, not corked, ended or finished, closed
    # false, errored null; cork() twice counts 2; setDefaultEncoding()
    # returns the socket; after end(): writableEnded true, writable false.
    seen = []

    def scenario(client):
        seen.append((client.writableObjectMode, client.writableCorked, client.writableEnded,
                     client.writableFinished, client.closed, client.errored,
                     client.writableBuffer))
        client.cork()
        client.cork()
        client.write('ab')
        seen.append((client.writableCorked, [e['chunk'] for e in client.writableBuffer]))
        client.uncork()
        client.uncork()
        seen.append((client.writableCorked, client.writableBuffer))
        seen.append(client.setDefaultEncoding('hex') is client)
        client.write('6869')
        client.end(lambda *a: seen.append(('end cb', a, client.writableFinished)))
        seen.append((client.writableEnded, client.writableFinished, client.writable))
        client.on('finish', lambda: seen.append('finish'))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen == [(False, 0, False, False, False, None, []), (2, [b'ab']), (0, []), True,
                    (True, False, False), ('end cb', (None,), True), 'finish']


def test_tls_write_after_end_fails_callback_then_error_then_close(tls_server, tls_certs,
                                                                  run_loop):
    # Node 20: cb(ERR_STREAM_WRITE_AFTER_END), 'error' with it, 'close'(true).
    log = []

    def scenario(client):
        client.end()
        client.on('error', lambda err: log.append(('error', code(err))))
        client.write('x', lambda err=None: log.append(('cb', code(err))))
        client.on('close', lambda had: log.append(('close', had, code(client.errored))))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == [('cb', 'ERR_STREAM_WRITE_AFTER_END'), ('error', 'ERR_STREAM_WRITE_AFTER_END'),
                   ('close', True, 'ERR_STREAM_WRITE_AFTER_END')]


@pytest.mark.parametrize('when', ['secure', 'handshaking'])
def test_tls_write_after_end_destroys_the_socket_before_write_returns(tls_server, tls_certs,
                                                                      run_loop, when):
    # Node 20 (Writable's _write(): errorOrDestroy(stream, err, sync)),
    # once secure and while the handshake runs alike: end(), a tick
    # queued, write('x', cb): false with the socket destroyed already;
    # the queued tick, the callback, 'error', a tick queued after, 'close'.
    log = []

    def scenario(client):
        client.end()
        client.on('error', lambda err: log.append(('error', code(err), client.destroyed)))
        net.nextTick(lambda: log.append('tick before'))
        answer = client.write('x', lambda err=None: log.append(('cb', code(err))))
        log.append(('answer', answer, client.destroyed))
        net.nextTick(lambda: log.append(('tick after', client.destroyed)))
        client.on('close', lambda *_: (log.append('close'), server.close()))
    if when == 'secure':
        server, client = secure_client(tls_server, tls_certs, scenario)
    else:
        server, port = tls_server(lambda sock: (sock.resume(), sock.on('error', lambda err: None)))
        scenario(tls.connect(port, 'localhost', ca=tls_certs.ca))
    run_loop()
    # (While handshaking, Node's 'close' waits for the TCP handle's close;
    # here a TLSSocket destroyed before 'secure' closes on the next tick,
    # so 'close' may come before the tick queued after write().)
    assert sorted(log, key=lambda e: e == 'close') == [
        ('answer', False, True), 'tick before', ('cb', 'ERR_STREAM_WRITE_AFTER_END'),
        ('error', 'ERR_STREAM_WRITE_AFTER_END', True), ('tick after', True), 'close']
    assert log.index('close') > log.index(('error', 'ERR_STREAM_WRITE_AFTER_END', True))


def test_tls_write_after_destroy_fails_its_callback_only(tls_server, tls_certs, run_loop):
    # Node 20: False, cb(ERR_STREAM_DESTROYED), no 'error', 'close'(false).
    log = []

    def scenario(client):
        client.destroy()
        client.on('error', lambda err: log.append(('error', err)))
        log.append(client.write('x', lambda err=None: log.append(('cb', code(err)))))
        client.on('close', lambda had: log.append(('close', had, client.errored)))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: net.setTimeout(server.close, 10))
    run_loop()
    assert log == [False, ('cb', 'ERR_STREAM_DESTROYED'), ('close', False, None)]


def test_tls_destroy_with_an_error_emits_error_then_close(tls_server, tls_certs, run_loop):
    # Node 20: closed, destroyed and errored at once; 'error'(err) and
    # 'close'(true) follow, with the written data's callback null between.
    log = []
    boom = Exception('boom')

    def scenario(client):
        client.on('error', lambda err: log.append(('error', err is boom)))
        client.on('close', lambda had: log.append(('close', had, client.errored is boom)))
        client.write('hello', lambda err=None: log.append(('write', err)))
        client.destroy(boom)
        log.append(('now', client.closed, client.destroyed, client.writable))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log[0] == ('now', True, True, False)
    assert ('error', True) in log and log[-1] == ('close', True, True)
    assert ('write', None) in log


@pytest.mark.parametrize('variant, expected', [
    ('error', [('now', 5), ('error', 5), 'tick', ('write', None, 0), 'immediate',
               ('close', True)]),
    ('no error', [('now', 5), 'tick', ('write', None, 0), 'immediate', ('close', False)]),
    ('two writes', [('now', 11), ('error', 11), 'tick', ('write', None, 6),
                    ('second', 'boom'), 'immediate', ('close', True)]),
    ('4 MiB', [('now', 4 << 20), ('error', 4 << 20), 'tick', 'immediate', ('write', None, 0),
               ('close', True)]),
])
def test_tls_write_in_flight_is_called_back_after_error_and_the_ticks(tls_server, tls_certs,
                                                                      run_loop, variant, expected):
    # Node 20 (v20.20.2): a TLS socket's write in flight at destroy() is
    # called back (null) by its TLSWrap after 'error' and the ticks
    # queued by then, with its bytes still counted in writableLength
    # until then; a write buffered behind it fails after it; a write the
    # kernel has not taken (4 MiB) is called back as the socket closes.
    # (A net.Socket calls the first back before 'error':
    # tests/net/write/test_socket_writable_api.py.)
    log = []

    def scenario(client):
        boom = None if variant == 'no error' else Exception('boom')
        client.on('error', lambda err: log.append(('error', client.writableLength)))
        client.on('close', lambda had: log.append(('close', had)))
        data = bytes(4 << 20) if variant == '4 MiB' else 'hello'
        client.write(data, lambda err=None: log.append(('write', err, client.writableLength)))
        if variant == 'two writes':
            client.write('second', lambda err=None: log.append(('second', str(err))))
        client.destroy(boom)
        log.append(('now', client.writableLength))
        net.nextTick(lambda: log.append('tick'))
        net.setImmediate(lambda: log.append('immediate'))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert log == expected


def test_tls_end_callback_twice_and_after_finish(tls_server, tls_certs, run_loop):
    # Node 20: a second end(cb) before 'finish' gets null; one after it
    # ERR_STREAM_ALREADY_FINISHED.
    log = []

    def scenario(client):
        client.on('error', lambda err: log.append(('error', err)))
        client.end()
        client.end(lambda err=None: log.append(('second', code(err))))
        client.on('finish', lambda: (log.append('finish'), client.end(
            lambda err=None: log.append(('third', code(err))))))
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: net.setTimeout(server.close, 10))
    run_loop()
    assert log == [('second', None), 'finish', ('third', 'ERR_STREAM_ALREADY_FINISHED')]


def test_tls_end_callback_of_a_socket_destroyed_before_finish(tls_server, tls_certs, run_loop):
    # Node 20 (net.Socket's case over TLS): end(cb) then destroy(): the
    # callback gets ERR_STREAM_DESTROYED.
    log = []

    def scenario(client):
        client.write(bytes(1 << 20))
        client.end(lambda err=None: log.append(code(err)))
        client.destroy()
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: net.setTimeout(server.close, 10))
    run_loop()
    assert log == ['ERR_STREAM_DESTROYED']


def test_tls_write_arguments(tls_server, tls_certs, run_loop):
    # Node 20: null is ERR_STREAM_NULL_VALUES, a number ERR_INVALID_ARG_TYPE
    # (TypeErrors); a callback that is no function is ignored.
    seen = []

    def scenario(client):
        for value in (None, 123):
            with pytest.raises(TypeError) as info:
                client.write(value)
            seen.append(info.value.code)
        seen.append(client.write('x', 'utf8', 5))
        client.end()
    server, client = secure_client(tls_server, tls_certs, scenario)
    client.on('close', lambda *_: server.close())
    run_loop()
    assert seen == ['ERR_STREAM_NULL_VALUES', 'ERR_INVALID_ARG_TYPE', True]
