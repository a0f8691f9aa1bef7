"""What the random-sequence, fuzz and stress tests found (issue 13), each
replayed as a regression test of its fix (issue 9's items, and two bugs
in no issue: an unhashable event name, and an fd leaked by a race
abandoned in 'connectionAttempt')."""
import pytest

import pyuvnet as net

from sequences_support import ConnectedPair, warm_up_loop
from support import linux_only, open_fd_count
from fuzz_support import StrSubclass, coded_or_arity


@linux_only
def test_no_end_after_close_when_resumed_after_destroy_with_input_buffered():
    """Found by tests/net/sequences_support.py: pause, the peer's FIN buffered, destroy,
    resume -> 'end' emitted after 'close'."""
    warm_up_loop()
    machine = ConnectedPair()
    try:
        machine.connect_pair('tcp', False)
        machine.pause(0)
        machine.destroy(1)
        machine.destroy(0)
        machine.ends[0].sock.resume()
        machine.turns()
        machine.received_a_prefix_and_nothing_after_close()
    finally:
        for end in machine.ends:
            end.sock.destroy()
        machine.turns()


@pytest.mark.parametrize('port', [10**400, -10**400], ids=['10**400', '-10**400'])
def test_a_huge_integer_port_is_a_coded_error(port):
    """Found by tests/net/test_api_fuzz.py: connect(10**400) raised OverflowError."""
    made = []
    coded_or_arity(lambda: made.append(net.connect(port)))
    for sock in made:
        sock.destroy()


def test_a_str_subclass_path_listens(sockdir):
    """Found by tests/net/test_api_fuzz.py: listen(StrSubclass(path)) raised
    "Argument 'path' has incorrect type" from the Cython layer."""
    server = net.createServer()
    coded_or_arity(lambda: server.listen(StrSubclass(sockdir + '/s')))
    server.close()
    net.run()


def test_a_huge_keepalive_delay_set_before_connect_fails_nothing_in_run(listening_server):
    """Found by tests/net/test_api_fuzz.py: setKeepAlive(True, 1e300), then
    connect: OverflowError out of run() at connect time."""
    server, port = listening_server(lambda sock: server.close())
    sock = net.Socket()
    sock.setKeepAlive(True, 1e300)
    sock.connect(port, '127.0.0.1', sock.destroy)
    net.run()


def test_an_unhashable_event_name_is_a_coded_error():
    """Found by tests/net/test_api_fuzz.py (in no issue): emitter.on([], f) raised
    an uncoded TypeError (unhashable type).  Node takes any value as an
    event name by turning it into a property key; pyuvnet's listeners are
    kept in a dict, so it refuses the name with Node's type error."""
    emitter = net.EventEmitter()
    with pytest.raises(net.errors.ERR_INVALID_ARG_TYPE):
        emitter.on([], lambda: None)


@linux_only
def test_a_race_abandoned_in_connection_attempt_leaves_no_fd(listening_server, run_loop):
    """Found by tests/stress/test_faults.py (in no issue): destroy() inside
    'connectionAttempt' of a race over 127.0.0.2 (refused), ::1, 127.0.0.1."""
    warm_up_loop()
    before = open_fd_count()
    server, port = listening_server(lambda sock: sock.destroy())

    def lookup(host, options, callback):
        net.setImmediate(callback, None, [{'address': '127.0.0.2', 'family': 4},
                                          {'address': '::1', 'family': 6},
                                          {'address': '127.0.0.1', 'family': 4}])
    client = net.connect({'port': port, 'host': 'race.test', 'lookup': lookup,
                          'autoSelectFamily': True, 'autoSelectFamilyAttemptTimeout': 10})
    client.on('error', lambda err: None)
    client.once('connectionAttempt', lambda *args: client.destroy())
    client.on('close', lambda had_error: net.setTimeout(server.close, 50))
    run_loop()
    assert open_fd_count() == before
