"""Hostile peers and hostile arguments for child_process, process and
cluster (issue 22): a raw IPC peer flooding stray fds and malformed lines,
a Node 20 parent and child doing the same through their channel's pipe, a
cluster worker sending malformed internal messages, and a bad-argument
fuzz over fork/spawn/send/kill and setupPrimary/cluster.fork.

What must hold: every handle reaches the message it was sent with, every
stray fd closes, the primary keeps serving, every call ends with Node's
code or success, no call that raised keeps an fd, nothing escapes a later
run(), and the fds are back to where they were."""
import os
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyuvnet as net
from pyuvnet import child_process, cluster, errors
from child_scripts_support import script
from cluster_support import serve_after_hostile_worker
from ipc_peer_support import (
    RawPeer, handle_line, node_child_flood, node_parent_flood, open_fds, tcp_pair, udp_socket,
)
from sequences_support import warm_up_loop
from stress_support import scaled
from support import NODE

node_only = pytest.mark.skipif(NODE is None, reason='node is not installed')


def run_briefly(milliseconds=20):
    """Turns of the loop for a while; returns what escaped run().  Each
    run() has its own timer: the one that raised may have used up its
    timer's stop()."""
    raised = []
    while True:
        timer = net.setTimeout(net.stop, milliseconds)
        try:
            net.run()
            return raised
        except ValueError as exc:       # a malformed line's JSONDecodeError
            raised.append(exc)
        finally:
            timer.close()


# -- a raw peer flooding the channel -----------------------------------------

def test_a_raw_peer_flooding_stray_fds_and_malformed_lines_keeps_handles_paired(figures):
    rounds, batch = scaled(500, 5000), 25
    warm_up_loop()
    before = open_fds()
    peer = RawPeer()
    delivered = strays_closed = malformed = refused = 0
    for start in range(0, rounds, batch):
        pending = []
        for index in range(start, start + batch):
            stray_near, stray_far = tcp_pair()
            real_near, real_far = tcp_pair()
            fds = [stray_far.fileno()]
            if index % 7 == 0:
                fds.append(stray_far.fileno())      # the same fd twice: two fds
            peer.send(b'{"plain":%d}\n' % index, fds)
            stray_far.close()
            if index % 11 == 0:
                udp = udp_socket()
                peer.send(handle_line('udp %d' % index, 'dgram.Socket'), [udp.fileno()])
                udp.close()
                refused += 1
            peer.send(handle_line('real %d' % index), [real_far.fileno()])
            real_far.close()
            if index % 5 == 0:
                peer.send(b'[%d],%d\n' % (index, index))
            pending.append((index, stray_near, real_near))
        with pytest.warns(UserWarning):
            # Until this batch's handles are in (the machine may be loaded).
            deadline = time.monotonic() + 60
            while sum(entry[2] == 'Socket' for entry in peer.seen) < start + batch:
                assert time.monotonic() < deadline, 'the handles did not arrive'
                malformed += len(run_briefly(20))
        malformed += len(run_briefly(20))
        for index, stray_near, real_near in pending:
            real_near.settimeout(10)
            stray_near.settimeout(10)
            assert real_near.recv(64) == b'real %d' % index
            assert stray_near.recv(64) == b''
            delivered += 1
            strays_closed += 1
            real_near.close()
            stray_near.close()
    peer.close()
    malformed += len(run_briefly(50))
    assert malformed == len(range(0, rounds, 5))
    assert [entry[1] for entry in peer.seen if entry[2] == 'Socket'] == [
        'real %d' % index for index in range(rounds)]
    assert open_fds() - before == set()
    figures(rounds=rounds, handles_delivered=delivered, stray_fds_closed=strays_closed,
            malformed_lines=malformed, udp_refused=refused, fds_before=len(before),
            fds_after=len(open_fds()))


# -- Node 20 on the other end ------------------------------------------------

@node_only
def test_a_node_parent_flooding_stray_fds_pairs_every_handle(tmp_path, figures):
    count = scaled(200, 2000)
    result = node_parent_flood(NODE, tmp_path, count, timeout=scaled(300, 3000))
    assert result == {'results': {'real': count, 'decoyClosed': count, 'wrong': 0}, 'code': 0}
    figures(handles=count, stray_fds=count, wrong=0)


@node_only
def test_a_node_child_flooding_stray_fds_pairs_every_handle(tmp_path, run_loop, figures):
    count = scaled(200, 2000)
    warm_up_loop()
    before = open_fds()
    assert node_child_flood(NODE, tmp_path, count, run_loop, timeout=scaled(300, 3000)) == (
        [{'real': count, 'decoyClosed': count, 'wrong': 0}], 0)
    assert open_fds() - before == set()
    figures(handles=count, stray_fds=count, wrong=0, fds_before=len(before), fds_after=len(open_fds()))


# -- a hostile cluster worker --------------------------------------------------

def test_the_primary_serves_after_a_worker_sends_malformed_internal_messages(tmp_path, figures):
    malformed, connections = scaled(200, 1000), scaled(50, 500)
    replies, exits = serve_after_hostile_worker(tmp_path, malformed, connections, seed=22,
                                                guard_seconds=scaled(120, 600))
    assert replies == ['1'] * connections
    assert exits == [(1, 0, None)]
    figures(malformed_messages=malformed, connections_served=connections)


# -- bad arguments -------------------------------------------------------------

FUZZ = settings(max_examples=int(os.environ.get('PYUVNET_FUZZ_EXAMPLES', 100)), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TEXT = st.one_of(st.text(max_size=8), st.sampled_from(
    ['', 'a\0b', '\0', '\ud800', 'a\udcffb', 'SIGTERM', 'sigkill', 'SIGFOO', 'TERM', 'json',
     'advanced', 'pipe', 'ipc', 'inherit', 'ignore', 'x' * 300]))
# (An int too long to print is built, not sampled: hypothesis prints its strategies.)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT,
                   st.builds(pow, st.just(10), st.just(5000)),
                   st.sampled_from([2 ** 63, -1, 0, 3, 99999, b'x', object()]))
GARBAGE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=10)
STDIO_ENTRY = st.one_of(st.sampled_from(['pipe', 'ipc', 'ignore', 'inherit', 'bogus', None, -1, 99999]),
                        SCALAR)
ARGS = st.one_of(st.lists(TEXT, max_size=4), st.lists(st.one_of(TEXT, SCALAR), max_size=4), SCALAR)
# Each option's value: mostly of the right type (so that the checks after
# the type's are reached), sometimes anything.
OPTION_VALUES = {
    'cwd': st.one_of(st.sampled_from(['/tmp', '/nonexistent', '/tmp\0x', '\ud800']), SCALAR),
    'env': st.one_of(st.dictionaries(TEXT, TEXT, max_size=3),
                     st.dictionaries(TEXT, SCALAR, max_size=3), SCALAR),
    'stdio': st.one_of(st.lists(STDIO_ENTRY, max_size=6), SCALAR),
    'detached': st.one_of(st.booleans(), SCALAR),
    'serialization': st.one_of(st.sampled_from(['json', 'advanced', 'xml']), SCALAR),
    'argv0': st.one_of(TEXT, SCALAR), 'silent': st.one_of(st.booleans(), SCALAR),
    'execArgv': st.one_of(st.lists(st.sampled_from(['-S', '-E', 'a\0', '\ud800']), max_size=3),
                          st.lists(SCALAR, max_size=2), SCALAR),
    'bogus': SCALAR,
}
OPTIONS = st.one_of(SCALAR, st.fixed_dictionaries({}, optional=OPTION_VALUES))
SAFE_FILES = ['/bin/true', '/bin/true\0junk', '/nonexistent/x', '', '\ud800', 5, None, b'/bin/true']


@pytest.fixture(scope='module')
def scripts(tmp_path_factory):
    folder = tmp_path_factory.mktemp('hostile')
    return {'exit': script(folder, 'exit.py'), 'idle': script(folder, 'idle.py')}


class Calls:
    """Every call's outcome; the children made, to reap.  ``begin()``
    marks the fds open at an example's start; ``reap()`` ends its children
    and runs the loop to its end, after which no fd is new."""

    def __init__(self):
        self.outcomes = {}
        self.children = []
        self.loop = None
        self.mark = set()

    def begin(self):
        if self.loop is not net.get_loop():
            # What a loop opens once (libuv's SIGCHLD pipe at the first spawn).
            self.loop = net.get_loop()
            warm_up_loop()
            self.watch(child_process.spawn('/bin/true'))
            self.reap(check=False)
        self.mark = open_fds()

    def call(self, name, function, *args, **kwargs):
        before = open_fds()
        try:
            result = function(*args, **kwargs)
        except (errors.NodeError, OSError) as exc:
            code = getattr(exc, 'code', None)
            assert isinstance(code, str) and code, (name, args, kwargs, exc)
            assert open_fds() - before == set(), (name, args, kwargs, 'kept an fd')
            self.outcomes[code] = self.outcomes.get(code, 0) + 1
            return None
        self.outcomes['success'] = self.outcomes.get('success', 0) + 1
        return result

    def watch(self, child):
        if isinstance(child, child_process.ChildProcess):
            child.on('error', lambda err: None)
            self.children.append(child)
        return child

    def reap(self, check=True):
        for child in self.children:
            if child.exitCode is None and child.signalCode is None and child.pid:
                child.kill('SIGKILL')
            if child.connected:
                child.disconnect()
        self.children = []
        timer = net.setTimeout(_no_hang, 20000)
        timer.unref()
        net.run()          # must end, and raise nothing
        timer.close()
        if check:
            assert open_fds() - self.mark == set()


def _no_hang():
    raise AssertionError('the loop did not end after the bad-argument calls')


@pytest.fixture(scope='module')
def calls():
    return Calls()


@FUZZ
@given(file=st.one_of(st.sampled_from(SAFE_FILES), SCALAR), args=ARGS, options=OPTIONS)
def test_spawn_with_bad_arguments(calls, file, args, options):
    if isinstance(file, str) and file not in SAFE_FILES:
        file = '/nonexistent/' + file.replace('/', '')     # never runs a drawn name
    calls.begin()
    calls.watch(calls.call('spawn', child_process.spawn, file, args, options))
    calls.reap()


@FUZZ
@given(module=st.one_of(st.sampled_from(['exit', 'x\0', '\ud800', 5, None]), SCALAR),
       args=ARGS, options=OPTIONS, exec_path=st.sampled_from([None, sys.executable, '/bin/true', '\0', 5, '']))
def test_fork_with_bad_arguments(calls, scripts, module, args, options, exec_path):
    module = scripts['exit'] if module == 'exit' else module
    if isinstance(options, dict) and exec_path is not None:
        options = dict(options, execPath=exec_path)
    calls.begin()
    calls.watch(calls.call('fork', child_process.fork, module, args, options))
    calls.reap()


@FUZZ
@given(message=GARBAGE, handle=st.one_of(st.none(), SCALAR), options=st.one_of(st.none(), GARBAGE),
       signal=st.one_of(SCALAR, st.sampled_from(['SIGKILL', 'sigterm', 0, 9, 64, 65, 'SIGRTMIN'])))
def test_send_and_kill_with_bad_arguments(calls, scripts, message, handle, options, signal):
    calls.begin()
    child = calls.watch(child_process.fork(scripts['idle']))
    calls.call('send', child.send, message, handle, options)
    calls.call('send', child.send, message, None, None, lambda err: None)
    calls.call('kill', child.kill, signal)
    calls.reap()


@FUZZ
@given(settings_=st.one_of(SCALAR, st.dictionaries(
    st.sampled_from(['args', 'execArgv', 'silent', 'cwd', 'serialization', 'stdio', 'exec_argv',
                     'inspectPort', 'bogus']), GARBAGE, max_size=3)),
    env=st.one_of(st.none(), SCALAR, st.dictionaries(TEXT, TEXT, max_size=3)))
def test_setup_primary_and_cluster_fork_with_bad_arguments(calls, scripts, settings_, env):
    calls.begin()
    calls.call('setupPrimary', cluster.setupPrimary, {'exec': scripts['exit'], 'args': [],
                                                      'execArgv': [], 'silent': True})
    calls.call('setupPrimary', cluster.setupPrimary, settings_)
    calls.call('setupPrimary', cluster.setupPrimary, {'exec': scripts['exit']})
    worker = calls.call('cluster.fork', cluster.fork, env)
    if worker is not None:
        worker.on('error', lambda err: None)
        calls.watch(worker.process)
    calls.reap()


def test_zz_the_bad_argument_fuzz_ended_with_codes_or_success(calls, figures):
    """Runs after the fuzz (module order): the outcomes it saw."""
    figures(calls=sum(calls.outcomes.values()), outcomes=calls.outcomes)
    assert 'success' in calls.outcomes and len(calls.outcomes) > 1
