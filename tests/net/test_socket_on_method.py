"""Socket.on is EventEmitter.on made a method of Socket itself
(_uv.on_method), so that CPython calls ``sock.on(event, listener)``
straight from the bytecode; and a server keeps its sole 'connection'
listener rather than looking it up per connection.  Every way of calling
on() must answer as EventEmitter.on does, and a server must call the
'connection' listeners it has at each connection, as Node does."""
import inspect

import pytest

import pyuvnet as net
from pyuvnet import errors, events
from pyuvnet._internal.no_listener import NO_LISTENER


def test_the_doc_and_the_name_are_the_emitters():
    sock = net.Socket()
    assert net.Socket.on.__doc__ == events.EventEmitter.on.__doc__
    assert net.Socket.on.__name__ == 'on'
    assert str(inspect.signature(sock.on)) == '(event, listener=...)'
    assert inspect.signature(sock.on).parameters['listener'].default is NO_LISTENER
    with pytest.raises(TypeError, match='is not an EventEmitter'):
        net._uv.on_method(int)


def test_every_call_form_answers_as_the_emitters_on():
    sock = net.Socket()
    heard = []
    assert sock.on('a', heard.append) is sock
    assert sock.on(event='b', listener=heard.append) is sock
    assert sock.on('c', listener=heard.append) is sock

    @sock.on('d')
    def on_d(value):
        heard.append(('d', value))
    for event in 'abcd':
        sock.emit(event, event)
    assert heard == ['a', 'b', 'c', ('d', 'd')]
    assert sock.on('e', sock.on('e')) is sock       # a decorator is not a listener
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        sock.on('x', None)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        sock.on('x', 5)
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        sock.on([], print)
    with pytest.raises(TypeError, match=r'on\(\) takes at least 1 positional argument'):
        sock.on()
    with pytest.raises(TypeError, match=r'on\(\) takes at most 2 positional arguments'):
        sock.on('x', print, print)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        sock.on('x', bogus=print)
    with pytest.raises(TypeError, match="doesn't apply to a 'object' object"):
        net.Socket.on(object(), 'x', print)
    assert sock.listenerCount('x') == 0


def test_new_listener_and_the_leak_warning_still_come():
    sock = net.Socket()
    added = []
    sock.on('newListener', lambda event, listener: added.append(event))
    sock.setMaxListeners(1)
    sock.on('data', print)
    with pytest.warns(events.MaxListenersExceededWarning):
        sock.on('data', print)
    assert added == ['data', 'data']


def _serve_clients(listening_server, run_loop, steps):
    """One connection per step, one after another, to a server: before
    each, ``step(server, seen)`` changes its listeners (each appends to
    ``seen`` and ends the socket); each client ends at once.  ``seen`` once
    all are closed."""
    seen = []
    server, port = listening_server()
    steps = list(steps)

    def connect_next():
        steps.pop(0)(server, seen)
        client = net.connect(port, '127.0.0.1', lambda: client.end())
        client.resume()
        client.on('close', lambda _had_error: server.close() if not steps else connect_next())
    connect_next()
    run_loop()
    return seen


def _heard(name):
    def add(seen):
        return lambda sock: (seen.append(name), sock.end())
    return add


FIRST, SECOND = _heard('first'), _heard('second')


def test_a_once_connection_listener_hears_one_connection(listening_server, run_loop):
    def once_then_on(server, seen):
        server.once('connection', FIRST(seen))
        server.on('connection', SECOND(seen))
    steps = [once_then_on, lambda server, seen: None, lambda server, seen: None]
    assert _serve_clients(listening_server, run_loop, steps) == [
        'first', 'second', 'second', 'second']


def test_connection_listeners_change_between_connections(listening_server, run_loop):
    added = {}

    def add(server, seen):
        added['first'] = FIRST(seen)
        server.on('connection', added['first'])

    def replace(server, seen):
        server.removeListener('connection', added['first'])
        server.on('connection', SECOND(seen))

    def two(server, seen):
        server.removeAllListeners('connection')
        server.on('connection', FIRST(seen))
        server.prependListener('connection', SECOND(seen))

    def none_then_once(server, seen):
        server.removeAllListeners()
        server.once('connection', FIRST(seen))
    steps = [add, replace, two, none_then_once]
    assert _serve_clients(listening_server, run_loop, steps) == [
        'first', 'second', 'second', 'first', 'first']


def test_a_first_once_data_listener_flows_through_the_emitter(listening_server, run_loop):
    # The first 'data' listener is a once wrapper: the read path emits
    # (not a direct call), and the wrapper goes after its chunk.
    got = []

    def on_connection(sock):
        sock.once('data', got.append)
        sock.on('end', lambda: (got.append(sock.listenerCount('data')), sock.end()))
    server, port = listening_server(on_connection)
    client = net.connect(port, '127.0.0.1', lambda: client.end(b'hello'))
    client.on('close', lambda _had_error: server.close())
    run_loop()
    assert got == [b'hello', 0]
