"""net.Server over TCP, listening: listen() in every form and what it
refuses, address() and 'listening', listen errors (EADDRINUSE as an
'error' event), and the listen options backlog, ipv6Only and signal (an
AbortSignal also destroys a connecting socket) -- as Node's net
documentation and its test-net-server-* tests describe them."""
import errno
import gc
import weakref

import pytest

import pyuvnet as net
from support import ipv6_loopback_available, needs_ipv6
from pyuvnet import errors


# -- listen() forms ------------------------------------------------------------

def test_listen_port_host_callback_returns_server_and_calls_back_later(run_loop):
    server = net.createServer()
    seen = []
    ret = server.listen(0, '127.0.0.1', lambda *a: seen.append(('cb', a, server.address())))
    assert ret is server
    assert seen == []          # 'listening' is never emitted from listen()
    assert server.listening is True
    server.on('listening', server.close)
    run_loop()
    assert len(seen) == 1
    name, args, addr = seen[0]
    assert args == ()
    assert addr['address'] == '127.0.0.1'


def test_listen_options_dict_form(run_loop):
    server = net.createServer()
    got = []
    server.listen({'port': 0, 'host': '127.0.0.1'}, lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    assert got[0]['family'] == 'IPv4'
    assert got[0]['address'] == '127.0.0.1'
    assert 0 < got[0]['port'] < 65536


def test_listen_keyword_arguments_form(run_loop):
    server = net.createServer()
    server.listen(port=0, host='127.0.0.1')
    addr = server.address()
    assert addr == {'port': addr.port, 'family': 'IPv4', 'address': '127.0.0.1'}
    server.close()
    run_loop()


def test_listen_with_backlog_and_callback(run_loop):
    server = net.createServer()
    got = []
    server.listen(0, '127.0.0.1', 7, lambda: got.append('listening'))
    server.on('listening', server.close)
    run_loop()
    assert got == ['listening']


def test_listen_with_only_callback_binds_random_port_on_all_interfaces(run_loop):
    server = net.createServer()
    got = []
    server.listen(lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    addr = got[0]
    # Node binds '::' when IPv6 is available, else 0.0.0.0.
    if ipv6_loopback_available():
        assert addr == {'address': '::', 'family': 'IPv6', 'port': addr.port}
    else:
        assert addr == {'address': '0.0.0.0', 'family': 'IPv4', 'port': addr.port}
    assert addr.port > 0


def test_listen_without_arguments_binds_random_port_on_all_interfaces(run_loop):
    server = net.createServer()
    server.listen()
    addr = server.address()
    assert addr.port > 0
    assert addr.address in ('::', '0.0.0.0')
    server.close()
    run_loop()


def test_listen_on_all_interfaces_accepts_ipv4_loopback_clients(run_loop):
    server = net.createServer(lambda sock: sock.end('hi'))
    server.listen()
    port = server.address().port
    got = []
    client = net.connect(port, '127.0.0.1')
    client.on('data', got.append)
    client.on('close', lambda had_error: server.close())
    run_loop()
    assert b''.join(got) == b'hi'


def test_listen_port_none_means_random_port(run_loop):
    # Node: listen(null), listen({port: null}) and listen({port: undefined})
    # all bind a random port.
    servers = [net.createServer().listen(None, '127.0.0.1'),
               net.createServer().listen({'port': None, 'host': '127.0.0.1'}),
               net.createServer().listen({'port': 0, 'host': '127.0.0.1'})]
    for server in servers:
        assert server.address().port > 0
        server.close()
    run_loop()


@pytest.mark.parametrize('port', ['0', ' 0 ', '00000', '0x0', '0e1'])
def test_listen_accepts_every_port_string_node_accepts(run_loop, port):
    # Node's validatePort takes any string that is a whole number 0..65535
    # once converted with Number() (surrounding blanks, hex and exponent
    # forms included).
    server = net.createServer()
    server.listen({'port': port, 'host': '127.0.0.1'})
    assert server.address().port > 0
    server.close()
    run_loop()


@needs_ipv6
def test_listen_on_ipv6_loopback_reports_ipv6_family(run_loop):
    server = net.createServer()
    server.listen(0, '::1')
    addr = server.address()
    assert addr == {'port': addr.port, 'family': 'IPv6', 'address': '::1'}
    server.close()
    run_loop()


def test_listen_on_localhost_resolves_the_name(run_loop):
    server = net.createServer()
    got = []
    server.listen(0, 'localhost', lambda: got.append(server.address()))
    server.on('listening', server.close)
    run_loop()
    assert got[0]['address'] in ('127.0.0.1', '::1')


# -- listen() argument validation ------------------------------------------------

BAD_PORTS = [-1, 65536, 1.5, float('nan'), float('inf'), 1e100]


@pytest.mark.parametrize('port', BAD_PORTS)
def test_listen_bad_port_number_raises_err_socket_bad_port(port):
    server = net.createServer()
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT) as info:
        server.listen(port, '127.0.0.1')
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, net.NodeError)
    assert server.listening is False


@pytest.mark.parametrize('port', BAD_PORTS + ['abc', '', ' ', '-1', '8080x', '65536'])
def test_listen_options_bad_port_raises_err_socket_bad_port(port):
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({'port': port, 'host': '127.0.0.1'})
    assert info.value.code == 'ERR_SOCKET_BAD_PORT'
    assert server.listening is False


@pytest.mark.parametrize('port', [True, False])
def test_listen_bool_port_is_rejected_as_invalid_options(port):
    # Node: a boolean port is neither number nor string, so listen() rejects
    # its options with ERR_INVALID_ARG_VALUE (a TypeError), never port 1/0.
    server = net.createServer()
    for call in (lambda: server.listen(port), lambda: server.listen({'port': port})):
        with pytest.raises(net.NodeError) as info:
            call()
        assert info.value.code == 'ERR_INVALID_ARG_VALUE'
        assert isinstance(info.value, TypeError)
    assert server.listening is False


def test_listen_options_without_port_or_path_is_invalid():
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_listen_with_unknown_option_is_invalid():
    server = net.createServer()
    with pytest.raises(net.NodeError) as info:
        server.listen({'port': 0, 'host': '127.0.0.1', 'no_such_option': 1})
    assert info.value.code == 'ERR_INVALID_ARG_VALUE'


def test_bad_port_leaves_the_loop_with_nothing_to_do(run_loop):
    server = net.createServer()
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT):
        server.listen(-1)
    run_loop()                 # nothing was opened, so run() returns
    assert server.listening is False


def test_second_listen_raises_err_server_already_listen(run_loop):
    server = net.createServer()
    server.listen(0, '127.0.0.1')
    with pytest.raises(errors.ERR_SERVER_ALREADY_LISTEN) as info:
        server.listen(0, '127.0.0.1')
    assert info.value.code == 'ERR_SERVER_ALREADY_LISTEN'
    assert isinstance(info.value, RuntimeError)
    assert server.listening is True
    server.close()
    run_loop()


# -- address() and listening -----------------------------------------------------

def test_address_is_a_read_only_record_equal_to_nodes_object(listening_server, run_loop):
    server, port = listening_server()
    addr = server.address()
    assert addr == {'port': port, 'family': 'IPv4', 'address': '127.0.0.1'}
    assert (addr.port, addr.family, addr.address) == (port, 'IPv4', '127.0.0.1')
    with pytest.raises(TypeError):
        addr['port'] = 1
    with pytest.raises((TypeError, AttributeError)):
        addr.port = 1
    server.close()
    run_loop()


def test_address_is_none_before_listen_and_after_close(run_loop):
    server = net.createServer()
    assert server.address() is None
    assert server.listening is False
    server.listen(0, '127.0.0.1')
    assert server.listening is True
    server.close()
    assert server.listening is False
    assert server.address() is None
    run_loop()


def test_listening_event_fires_once_and_after_listen_returns(run_loop):
    events = []
    server = net.createServer()
    server.on('listening', lambda: events.append('listening'))
    server.listen(0, '127.0.0.1')
    events.append('returned')
    server.on('listening', server.close)
    run_loop()
    assert events == ['returned', 'listening']


def test_listening_is_emitted_before_the_first_connection(listening_server, run_loop):
    events = []
    server = net.createServer(lambda sock: (events.append('connection'), sock.end()))
    server.on('listening', lambda: events.append('listening'))
    server.listen(0, '127.0.0.1')
    client = net.connect(server.address().port, '127.0.0.1')
    client.resume()
    client.on('close', lambda _: server.close())
    run_loop()
    assert events == ['listening', 'connection']


# -- listen errors --------------------------------------------------------------------

def test_eaddrinuse_is_an_error_event_not_an_exception(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    errs = []
    listening = []
    second.on('error', lambda err: (errs.append(err), first.close()))
    second.on('listening', lambda: listening.append(True))
    ret = second.listen(port, '127.0.0.1')     # must not raise
    assert ret is second
    assert errs == []                          # and not emitted synchronously
    run_loop()
    assert listening == []
    assert len(errs) == 1
    err = errs[0]
    assert isinstance(err, OSError)
    assert err.code == 'EADDRINUSE'
    assert err.errno == errno.EADDRINUSE
    assert err.syscall == 'listen'
    assert err.address == '127.0.0.1'
    assert err.port == port
    assert str(err) == 'listen EADDRINUSE: address already in use 127.0.0.1:%d' % port
    assert second.listening is False


def test_server_can_listen_elsewhere_after_eaddrinuse(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    got = []

    def retry(err):
        second.listen(0, '127.0.0.1', lambda: (got.append(second.address().port),
                                               second.close(), first.close()))
    second.once('error', retry)
    second.listen(port, '127.0.0.1')
    run_loop()
    assert len(got) == 1 and got[0] != port


def test_server_error_without_listener_is_raised_from_run(listening_server, run_loop):
    first, port = listening_server()
    second = net.createServer()
    second.listen(port, '127.0.0.1')
    with pytest.raises(OSError) as info:
        run_loop()
    assert info.value.code == 'EADDRINUSE'
    first.close()
    run_loop()


# -- more listen options ------------------------------------------------------------

def test_backlog_in_listen_options(run_loop):
    server = net.createServer()
    got = []
    server.listen({'port': 0, 'host': '127.0.0.1', 'backlog': 5}, lambda: got.append(True))
    server.on('listening', server.close)
    run_loop()
    assert got == [True]


@needs_ipv6
def test_ipv6_only_refuses_ipv4_clients(run_loop):
    server = net.createServer(lambda sock: sock.end())
    server.listen({'port': 0, 'host': '::', 'ipv6Only': True})
    port = server.address().port
    log = []
    v4 = net.connect(port, '127.0.0.1')
    v4.on('error', lambda err: log.append(('v4', err.code)))

    def try_v6(_):
        v6 = net.connect(port, '::1')
        v6.on('connect', lambda: log.append(('v6', 'connect')))
        v6.resume()
        v6.on('close', lambda _: server.close())
    v4.on('close', try_v6)
    run_loop()
    assert log == [('v4', 'ECONNREFUSED'), ('v6', 'connect')]


def test_abort_signal_closes_a_listening_server(run_loop):
    ac = net.AbortController()
    server = net.createServer()
    log = []
    server.on('close', lambda: log.append(('close', server.listening)))

    def on_listening():
        ac.abort()
        log.append(('after abort', server.listening))
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': ac.signal}, on_listening)
    run_loop()
    assert log == [('after abort', False), ('close', False)]


def test_already_aborted_signal_leaves_the_server_closed(run_loop):
    server = net.createServer()
    closes = []
    server.on('close', lambda: closes.append(True))
    server.listen({'port': 0, 'host': '127.0.0.1', 'signal': net.AbortSignal.abort()})
    run_loop()
    assert server.listening is False
    assert closes == [True]


def test_abort_signal_destroys_a_socket_with_abort_error(listening_server, run_loop):
    server, port = listening_server(lambda sock: sock.resume())
    ac = net.AbortController()
    log = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'signal': ac.signal}, ac.abort)
    client.on('error', lambda err: log.append(('error', type(err).__name__, err.code)))
    client.on('close', lambda had_error: (log.append(('close', had_error)), server.close()))
    run_loop()
    assert log == [('error', 'AbortError', 'ABORT_ERR'), ('close', True)]


def test_a_closed_socket_is_freed_though_its_signal_lives_on(listening_server, run_loop):
    # Node 20 holds a socket's 'abort' listener weakly (its count stays 1
    # after 'close', pinned first): a signal that outlives its sockets (one
    # per program, say) keeps none of them alive. pyuvnet's goes with the
    # socket's end, as stream.addAbortSignal()'s.
    server, port = listening_server(lambda sock: sock.end())
    ac = net.AbortController()
    refs = []
    client = net.connect({'port': port, 'host': '127.0.0.1', 'signal': ac.signal})
    refs.append(weakref.ref(client))
    client.resume()
    client.on('close', lambda _: server.close())
    del client
    gc.collect()
    gc.disable()
    try:
        run_loop()
        assert refs[0]() is None
    finally:
        gc.enable()
