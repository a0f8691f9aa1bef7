"""pyuvnet's own streams as stream classes: net.Socket and tls.TLSSocket are
Duplex (their C base first, so its byte paths stay C), a child's stdio
pipes are streams, and pipeline()/finished() join and watch them with
backpressure."""
import hashlib
import os
import sys

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import child_process, stream
from pyuvnet.stream import Duplex, PassThrough, Readable, Transform, Writable, finished, pipeline


def test_sockets_are_duplex_with_the_c_base_first():
    sock = net.Socket()
    assert isinstance(sock, Duplex) and isinstance(sock, Readable) and isinstance(sock, Writable)
    mro = net.Socket.__mro__
    assert mro.index(net._uv.Stream) < mro.index(Duplex)
    # The C methods win; listeners are the emitter's own (the C base
    # watches them), with no per-chunk Python.  Socket's write() is the C
    # base's as a method of Socket itself (a C method CPython calls straight
    # from the bytecode), not Writable's.
    assert type(net.Socket.__dict__['write']) is type(str.split)
    assert net.Socket.write.__objclass__ is net.Socket
    assert net.Socket.write.__doc__ == net._uv.Stream.write.__doc__
    # on() likewise (a C method of Socket itself), the emitter's own.
    assert type(net.Socket.__dict__['on']) is type(str.split)
    assert net.Socket.on.__objclass__ is net.Socket
    assert net.Socket.addListener is net.Socket.on
    assert net.Socket.on.__doc__ == net.EventEmitter.__mro__[1].on.__doc__
    assert issubclass(tls.TLSSocket, Duplex)
    assert tls.TLSSocket.write is net._uv.TLSPump.write
    assert stream.isReadable(sock) is True          # as Node: a new Socket is readable
    assert sock.readableAborted is False


@pytest.mark.parametrize('name', ['read', 'push', 'unshift', 'wrap', 'iterator',
                                  'setDefaultEncoding', 'set_default_encoding',
                                  'closed', 'errored', 'readableAborted'])
def test_a_c_stream_has_the_whole_readable_api(name):
    # Node's net.Socket is a Duplex: every one of these is there, on a
    # socket and a TLSSocket, without taking the Readable API (a new
    # socket's read side stays C until one of the methods is called).
    sock = net.Socket()
    assert hasattr(sock, name)
    assert hasattr(tls.TLSSocket(net.Socket()), name)
    assert sock._readableState is None
    sock.destroy()


def test_http_messages_have_node_readable_api():
    from pyuvnet.http import IncomingMessage, OutgoingMessage
    message = IncomingMessage(net.Socket())
    assert all(callable(getattr(message, name))
               for name in ('read', 'push', 'unshift', 'wrap', 'iterator'))
    assert message.closed is False and message.errored is None
    assert message._readableState is None


def echo_server(listening_server, through=None):
    """A server that pipelines each connection back into itself
    (through ``through()``'s stages); the callbacks' errors are collected."""
    results = []

    def on_connection(sock):
        stages = [sock] + ([through()] if through else []) + [sock]
        pipeline(*stages, lambda err, value=None: results.append(err))
    server, port = listening_server(on_connection)
    return server, port, results


def test_pipeline_socket_to_itself_echoes(listening_server, run_loop):
    server, port, results = echo_server(listening_server)
    got = []
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    client.end(b'hello stream')
    client.on('close', lambda *a: server.close())
    run_loop()
    assert b''.join(got) == b'hello stream'
    assert results == [None]


def test_pipeline_socket_to_itself_calls_back_after_finish_over_net(listening_server, run_loop):
    # Node's own echo server (the stream docs' pipeline(socket, socket)):
    # Node 20 echoes, emits 'finish', then calls back with no error.  The
    # socket ends itself at 'end' (allowHalfOpen False), its echo still to
    # leave: that is not the write side finished.
    events = []

    def on_connection(sock):
        sock.on('finish', lambda: events.append('finish'))
        pipeline(sock, sock, lambda err, value=None: (events.append(('callback', err)),
                                                      server.close()))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    client.on('data', lambda data: events.append(('echo', data)))
    client.write(b'hello')
    client.once('data', lambda data: client.end())
    run_loop()
    assert events == [('echo', b'hello'), 'finish', ('callback', None)]


def test_pipeline_socket_through_a_transform(listening_server, run_loop):
    def upper():
        return Transform(transform=lambda self, c, e, cb: cb(None, c.upper()))
    server, port, results = echo_server(listening_server, upper)
    got = []
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    client.write(b'abc')
    client.end(b'def')
    client.on('close', lambda *a: server.close())
    run_loop()
    assert b''.join(got) == b'ABCDEF' and results == [None]


def test_pipeline_into_a_socket_keeps_backpressure_and_every_byte(listening_server, run_loop):
    payload = os.urandom(3 << 20)
    digest = hashlib.sha256()
    received = []

    def on_connection(sock):
        sock.on('data', lambda chunk: (digest.update(chunk), received.append(len(chunk))))
        sock.on('end', server.close)
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    high = []

    def chunks():
        for i in range(0, len(payload), 64 * 1024):
            high.append(client.writableLength)
            yield payload[i:i + 64 * 1024]
    results = []
    pipeline(chunks, client, lambda err, value=None: results.append(err))
    run_loop(timeout=20)
    assert results == [None]
    assert sum(received) == len(payload)
    assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()
    # The generator waited for 'drain': the socket's buffer stayed bounded.
    assert max(high) <= client.writableHighWaterMark + 64 * 1024


def test_pipeline_socket_into_a_writable(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end(b'from the server'))
    got = []
    sink = Writable(write=lambda self, c, e, cb: (got.append(c), cb()))
    results = []
    client = net.connect(port, '127.0.0.1')
    pipeline(client, PassThrough(), sink, lambda err, value=None: (results.append(err),
                                                                  server.close()))
    run_loop()
    assert b''.join(got) == b'from the server' and results == [None]


def test_pipeline_fails_and_destroys_every_stage_when_the_peer_resets(listening_server,
                                                                     run_loop):
    server, port = listening_server(lambda sock: net.setTimeout(sock.resetAndDestroy, 10))
    results = []
    client = net.connect(port, '127.0.0.1')
    middle = PassThrough()
    sink = Writable(write=lambda self, c, e, cb: cb())
    pipeline(client, middle, sink, lambda err, value=None: (results.append(err), server.close()))
    run_loop()
    assert len(results) == 1 and results[0] is not None
    assert getattr(results[0], 'code', None) in ('ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE')
    assert client.destroyed and middle.destroyed and sink.destroyed


def test_finished_on_a_socket(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.end(b'bye'))
    results = []
    client = net.connect(port, '127.0.0.1')
    client.resume()
    finished(client, lambda err: (results.append(err), server.close()))
    run_loop()
    assert results == [None]


def test_tls_sockets_in_a_pipeline(tls_server, tls_certs, run_loop):
    def on_secure(sock):
        pipeline(sock, Transform(transform=lambda self, c, e, cb: cb(None, c[::-1])), sock,
                 lambda err, value=None: None)
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    assert isinstance(client, Duplex)
    got = []
    client.on('data', got.append)
    client.end(b'abc')
    client.on('close', lambda *a: server.close())
    run_loop()
    assert b''.join(got) == b'cba'


def test_pipeline_tls_socket_to_itself_calls_back_after_finish(tls_server, tls_certs, run_loop):
    events = []

    def on_secure(sock):
        sock.on('finish', lambda: events.append('finish'))
        pipeline(sock, sock, lambda err, value=None: (events.append(('callback', err)),
                                                      server.close()))
    server, port = tls_server(on_secure)
    client = tls.connect(port, 'localhost', ca=tls_certs.ca)
    client.on('data', lambda data: (events.append(('echo', data)), client.end()))
    client.write(b'hello')
    run_loop()
    assert events == [('echo', b'hello'), 'finish', ('callback', None)]


def test_a_childs_stdio_pipes_are_streams(run_loop):
    child = child_process.spawn(sys.executable, ['-c', 'import sys; sys.stdout.write(sys.stdin.read().upper())'])
    assert isinstance(child.stdin, Writable) and isinstance(child.stdout, Readable)
    got = []
    sink = Writable(write=lambda self, c, e, cb: (got.append(c), cb()))
    results = []
    pipeline(Readable.from_([b'abc', b'def']), child.stdin, lambda err, value=None: results.append(err))
    pipeline(child.stdout, sink, lambda err, value=None: results.append(err))
    run_loop(timeout=20)
    assert b''.join(got) == b'ABCDEF' and results == [None, None]


def test_readable_from_pipes_into_a_socket_and_ends_it(listening_server, run_loop):
    # Node 20: Readable.from([...]).pipe(socket) writes each chunk, then
    # ends the socket (writableFinished at its 'close').
    got = []

    def on_connection(sock):
        sock.on('data', got.append)
        sock.on('end', lambda: (sock.end(), server.close()))
    server, port = listening_server(on_connection)
    seen = []
    client = net.connect(port, '127.0.0.1',
                         lambda: Readable.from_([b'ab', b'cd']).pipe(client))
    client.resume()
    client.on('close', lambda *_: seen.append(client.writableFinished))
    run_loop()
    assert b''.join(got) == b'abcd'
    assert seen == [True]


def test_a_failing_transform_destroys_both_sockets_of_a_pipeline(listening_server, run_loop):
    # Node 20: pipeline(socket, transform, socket) whose transform fails
    # at the second chunk calls back with that error, every stage destroyed.
    seen = []

    def on_connection(sock):
        count = []

        def transform(self, chunk, encoding, callback):
            count.append(chunk)
            if len(count) == 2:
                return callback(ValueError('bad'))
            callback(None, chunk.upper())
        upper = Transform(transform=transform)

        def done(err, value=None):
            seen.append((str(err), sock.destroyed, upper.destroyed))
            server.close()
        pipeline(sock, upper, sock, done)
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1')
    got = []

    def on_data(chunk):
        got.append(chunk)
        if b''.join(got) == b'ABC':
            client.write(b'x')
    client.on('data', on_data)
    client.on('error', lambda err: None)
    client.write(b'abc')
    run_loop()
    assert seen == [('bad', True, True)]
    assert b''.join(got) == b'ABC'


def test_add_abort_signal_destroys_a_socket_with_an_abort_error(listening_server, run_loop):
    # Node 20: the signal's abort destroys the socket: 'error' AbortError
    # (code ABORT_ERR), and finished() calls back with it.
    server, port = listening_server(lambda sock: (sock.resume(), sock.on('error', lambda e: None)))
    controller = net.AbortController()
    seen = []
    client = net.connect(port, '127.0.0.1', controller.abort)
    stream.addAbortSignal(controller.signal, client)
    client.on('error', lambda err: seen.append(('error', type(err).__name__, err.code)))
    finished(client, lambda err=None: (seen.append(('finished', type(err).__name__,
                                                    client.destroyed)), server.close()))
    run_loop()
    assert seen == [('error', 'AbortError', 'ABORT_ERR'), ('finished', 'AbortError', True)]
