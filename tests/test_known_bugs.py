"""What the random tests found on main, replayed as strict xfails while the
bug is open (tests/known_bugs.py). When a fix merges, its replay passes and
strict turns it red: delete the bug's line in known_bugs.py and the mark
here (the replay stays, as a regression test)."""
import pytest

import pyuvnet as net

import known_bugs
from sequences import ConnectedPair, warm_up_loop
from support import linux_only, open_fd_count
from test_api_fuzz import StrSubclass, coded_or_arity


@linux_only
@known_bugs.xfail(known_bugs.ISSUE_9_17)
def test_no_end_after_close_when_resumed_after_destroy_with_input_buffered():
    """Found by tests/sequences.py: pause, the peer's FIN buffered, destroy,
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


@known_bugs.xfail(known_bugs.ISSUE_9_20)
@pytest.mark.parametrize('port', [10**400, -10**400], ids=['10**400', '-10**400'])
def test_a_huge_integer_port_is_a_coded_error(port):
    """Found by tests/test_api_fuzz.py: connect(10**400) raised OverflowError."""
    made = []
    coded_or_arity(lambda: made.append(net.connect(port)))
    for sock in made:
        sock.destroy()


@known_bugs.xfail(known_bugs.ISSUE_9_20)
def test_a_str_subclass_path_listens(sockdir):
    """Found by tests/test_api_fuzz.py: listen(StrSubclass(path)) raised
    "Argument 'path' has incorrect type" from the Cython layer."""
    server = net.createServer()
    coded_or_arity(lambda: server.listen(StrSubclass(sockdir + '/s')))
    server.close()
    net.run()


@known_bugs.xfail(known_bugs.ISSUE_9_14)
def test_a_huge_keepalive_delay_set_before_connect_fails_nothing_in_run(listening_server):
    """Found by tests/test_api_fuzz.py: setKeepAlive(True, 1e300), then
    connect: OverflowError out of run() at connect time."""
    server, port = listening_server(lambda sock: server.close())
    sock = net.Socket()
    sock.setKeepAlive(True, 1e300)
    sock.connect(port, '127.0.0.1', sock.destroy)
    net.run()


@known_bugs.xfail(known_bugs.FOUND_UNHASHABLE_EVENT)
def test_any_event_name_is_taken():
    """Found by tests/test_api_fuzz.py (in no issue): Node takes any value
    as an event name (emitter.on([], f) works there)."""
    emitter = net.EventEmitter()
    emitter.on([], lambda: None)


@linux_only
@known_bugs.xfail(known_bugs.FOUND_RACE_FD_LEAK)
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
