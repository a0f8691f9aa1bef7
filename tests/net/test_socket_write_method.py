"""Socket.write is the C base's write() made a method of Socket itself
(_uv.write_method), so that CPython calls ``sock.write(data)`` straight from
the bytecode.  Every way of calling it must answer as StreamWrites.write
does: the same signature, keywords, answers and errors, for the socket, a
subclass and a wrong ``self``."""
import inspect

import pytest

import pyuvnet as net
from pyuvnet import errors


def test_the_signature_and_the_doc_are_the_c_bases():
    assert str(inspect.signature(net.Socket().write)) == '(data, encoding=None, callback=None)'
    assert net.Socket.write.__doc__ == net._uv.Stream.write.__doc__
    assert net.Socket.write.__name__ == 'write'


def test_wrong_calls_raise_as_the_c_bases_write():
    sock = net.Socket()
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        sock.write(1)
    with pytest.raises(TypeError, match=r'write\(\) takes at least 1 positional argument'):
        sock.write()
    with pytest.raises(TypeError, match=r'write\(\) takes at most 3 positional arguments \(9 given\)'):
        sock.write(*[b'x'] * 9)         # more arguments than the forward's stack holds
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'bogus'"):
        sock.write(b'x', bogus=1)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'k0'"):
        sock.write(b'x', **{f'k{i}': i for i in range(9)})
    with pytest.raises(TypeError, match="doesn't apply to a 'object' object"):
        net.Socket.write(object(), b'x')
    with pytest.raises(TypeError, match="doesn't apply to a 'pyuvnet._uv.Stream' object"):
        net.Socket.write(net._uv.Stream(), b'x')


def _echo_once(listening_server, run_loop, write):
    """A client's 'hello' echoed by ``write(sock, data)`` from the server's
    'data' listener; what the client read and the answers write() gave."""
    answers, received = [], []

    def on_connection(sock):
        sock.on('data', lambda data: answers.append(write(sock, data)))
        sock.on('end', sock.end)
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'hello'))
    client.on('data', received.append)
    client.on('close', lambda _had_error: server.close())
    run_loop()
    return b''.join(received), answers


@pytest.mark.parametrize('write', [
    lambda sock, data: sock.write(data),
    lambda sock, data: sock.write(data=data),
    lambda sock, data: sock.write(data, None, None),
    lambda sock, data: sock.write(bytearray(data)),
    lambda sock, data: sock.write(data.decode(), 'latin1'),
    lambda sock, data: net.Socket.write(sock, data),
    lambda sock, data: sock.write(data, lambda err: sock.write(b'!' if err is None else b'?')),
    lambda sock, data: sock.write(data, callback=lambda err: sock.write(b'!')),
], ids=['bytes', 'keyword', 'nones', 'bytearray', 'str', 'unbound', 'callback', 'callback-keyword'])
def test_every_way_of_calling_write_sends_and_answers(listening_server, run_loop, write):
    received, answers = _echo_once(listening_server, run_loop, write)
    assert received in (b'hello', b'hello!')
    assert answers == [True]


def test_a_subclass_calls_it_through_super_and_echoes_by_the_idiom(listening_server, run_loop):
    calls, received = [], []

    class Counting(net.Socket):
        def write(self, data, *args, **kwargs):
            calls.append(data)
            return super().write(data, *args, **kwargs)

    def on_connection(sock):
        sock.on('data', sock.write)         # the echo idiom, in C
        sock.on('end', sock.end)
    server, port = listening_server(on_connection)
    client = Counting()
    client.connect(port, '127.0.0.1', lambda: client.end(b'ping'))
    client.on('data', received.append)
    client.on('close', lambda _had_error: server.close())
    run_loop()
    assert b''.join(received) == b'ping' and calls == [b'ping']


def test_its_bound_method_is_the_echo_idiom_and_compares_equal():
    sock = net.Socket()
    assert sock.write == sock.write and sock.write.__self__ is sock
    sock.on('data', sock.write)
    assert sock.listeners('data') == [sock.write]
    sock.removeListener('data', sock.write)
    assert sock.listenerCount('data') == 0
