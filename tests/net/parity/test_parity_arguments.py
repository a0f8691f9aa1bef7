"""Bad and odd arguments get Node's codes, never an uncoded Python error
(issue 9, items 5, 6 and 20)."""
import pytest

import pyuvnet as net
from pyuvnet import _uv
from support import event_names, record_events


class Text(str):
    """A str subclass: accepted wherever str is."""


def test_is_ip_with_no_argument():
    """Node 20: net.isIP(), net.isIPv4(), net.isIPv6() print 0 false false."""
    assert (net.isIP(), net.isIPv4(), net.isIPv6()) == (0, False, False)
    assert (net.is_ip(), net.is_ipv4(), net.is_ipv6()) == (0, False, False)


CONNECT_FORMS = {
    'connect(port)': lambda port: net.connect(port),
    'connect(options)': lambda port: net.connect({'port': port}),
    'createConnection(port)': lambda port: net.createConnection(port, '127.0.0.1'),
    'createConnection(options)': lambda port: net.createConnection({'port': port}),
    'Socket().connect(port)': lambda port: net.Socket().connect(port),
    'Socket().connect(options)': lambda port: net.Socket().connect({'port': port}),
}


@pytest.mark.parametrize('form', sorted(CONNECT_FORMS))
@pytest.mark.parametrize('port', [True, False])
def test_a_bool_port_is_a_type_error_in_every_connect_form(form, port):
    """Node 20: net.connect(true), net.connect({port: false}),
    new net.Socket().connect(true), net.createConnection({port: true}) all
    throw ERR_INVALID_ARG_TYPE 'The "options.port" property must be one of
    type number or string. Received type boolean (true)'."""
    with pytest.raises(net.NodeError) as info:
        CONNECT_FORMS[form](port)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    assert '"options.port" property' in str(info.value)


@pytest.mark.parametrize('options, code', [
    ({'port': 10 ** 400}, 'ERR_SOCKET_BAD_PORT'),
    ({'port': -10 ** 400}, 'ERR_SOCKET_BAD_PORT'),
    ({'port': 80, 'localPort': 10 ** 400}, 'ERR_SOCKET_BAD_PORT'),
    ({'port': 80, 'timeout': -1}, 'ERR_OUT_OF_RANGE'),
    ({'port': 80, 'autoSelectFamilyAttemptTimeout': 10 ** 400}, 'ERR_OUT_OF_RANGE'),
    ({'port': 80, 'hints': 10 ** 400}, 'ERR_OUT_OF_RANGE'),
    ({'port': 80, 'family': 10 ** 400}, 'ERR_INVALID_ARG_VALUE'),
])
def test_huge_integers_get_nodes_range_codes(options, code):
    """Node 20: net.connect(1e400) (Infinity) throws ERR_SOCKET_BAD_PORT
    "Port should be >= 0 and < 65536"; a Python int too big for a float
    gets the same code, never OverflowError.  (Node 20 does not range-check
    localPort at all: {localPort: 2 ** 70} fails later, in bind;
    pyuvnet keeps checking it as a port.)"""
    with pytest.raises(net.NodeError) as info:
        net.connect(options)
    assert info.value.code == code


@pytest.mark.parametrize('call', [
    lambda: net.Socket().setTimeout(-10 ** 400),
    lambda: net.Server().listen(10 ** 400),
    lambda: net.setDefaultAutoSelectFamilyAttemptTimeout(10 ** 400),
    lambda: net.Socket({'fd': 10 ** 400}),
])
def test_huge_integers_never_overflow(call):
    """Each of these is Node's range error, never OverflowError."""
    with pytest.raises(net.NodeError) as info:
        call()
    assert info.value.code in ('ERR_OUT_OF_RANGE', 'ERR_SOCKET_BAD_PORT')


def test_a_huge_high_water_mark_is_an_invalid_value():
    """Node 20: new net.Socket({highWaterMark: 1e400}) (Infinity) throws
    ERR_INVALID_ARG_VALUE, as every stream's option (2 ** 60 is taken)."""
    with pytest.raises(net.NodeError) as info:
        net.Socket({'highWaterMark': 10 ** 400})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'
    assert net.Socket({'highWaterMark': 2 ** 60}).readableHighWaterMark > 0


def test_a_huge_backlog_listens(run_loop):
    """Node 20: server.listen({port: 0, host: '127.0.0.1', backlog:
    Infinity}) listens (the backlog reaches libuv as an int)."""
    server = net.createServer()
    got = []
    server.listen({'port': 0, 'host': '127.0.0.1', 'backlog': 10 ** 400},
                  lambda: (got.append(True), server.close()))
    run_loop()
    assert got == [True]


def test_connect_port_host_then_a_non_function(listening_server, run_loop):
    """Node 20: net.connect(port, 'localhost', 0) ignores the 0 (no
    listener), never a KeyError; a non-string host is ignored too:
    net.connect(port, 5) connects to localhost."""
    server, port = listening_server()
    clients = [net.connect(port, '127.0.0.1', 0), net.connect(port, 5)]
    connected = []
    for client in clients:
        client.on('connect', lambda c=client: (connected.append(True), c.end()))
        client.on('error', lambda err: connected.append(err))
        client.resume()
    net.setTimeout(server.close, 200)
    run_loop()
    assert connected == [True, True]


def test_str_subclasses_are_accepted_down_to_the_cython_layer(listening_server, run_loop):
    """A str subclass is a str: host, port text, localAddress and the
    libuv functions all take it, and no socket stays 'connecting'."""
    server, port = listening_server()
    client = net.connect({'port': Text(str(port)), 'host': Text('127.0.0.1'),
                          'localAddress': Text('127.0.0.1')})
    named = net.connect(port, Text('localhost'))
    seen = []
    for sock in (client, named):
        sock.on('connect', lambda s=sock: (seen.append(s.remoteAddress), s.end()))
        sock.on('error', seen.append)
        sock.resume()
    net.setTimeout(server.close, 300)
    run_loop()
    assert sorted(map(str, seen))[0] in ('127.0.0.1', '::1')
    assert len(seen) == 2 and all(isinstance(s, str) for s in seen)
    assert not client.connecting and not named.connecting
    assert net.isIP(Text('::1')) == 6


def test_str_subclass_pipe_path(sockdir, run_loop):
    path = Text(sockdir + '/sub.sock')
    got = []
    server = net.createServer(lambda sock: sock.end(b'ok'))
    server.listen(path, lambda: net.connect(path).on('data', got.append).on(
        'close', lambda _: server.close()))
    run_loop()
    assert got == [b'ok']


def test_the_cython_layer_takes_str_subclasses_and_codes_other_types():
    """_uv.getaddrinfo / tcp_connect: a str subclass works; a non-str is
    ERR_INVALID_ARG_TYPE, not Cython's uncoded TypeError."""
    sock = net.Socket()
    assert _uv.getaddrinfo(Text('localhost'), 0, 0, lambda *args: None) == 0
    with pytest.raises(net.NodeError) as info:
        _uv.tcp_connect(sock, b'127.0.0.1', 9)
    assert info.value.code == 'ERR_INVALID_ARG_TYPE'
    sock.destroy()
    net.run()


def test_an_address_libuv_refuses_is_an_error_event_not_an_exception(run_loop):
    """An error found at connect time is an 'error' event: a lookup may
    answer an IPv6 text with a zone that names no interface.  libuv 1.44
    refuses to parse it; newer libuv drops the zone and the connect to ::1
    port 9 is refused: an 'error' event either way, never an exception out
    of run() (and only loopback is ever tried)."""
    client = net.connect({'port': 9, 'host': 'odd.example', 'family': 6,
                          'lookup': lambda host, options, cb: cb(None, '::1%no-such-if0', 6)})
    log = record_events(client, [], ('error', 'close'))
    run_loop()
    assert event_names(log) == ['error', 'close']
