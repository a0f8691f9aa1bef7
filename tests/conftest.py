"""Shared fixtures: a fresh loop per test and a runner that fails, never
hangs, when the loop does not finish."""
import gc
import os
import shutil
import signal
import sys
import tempfile

import pytest

import pyuvnet as net
import pyuvnet.tls as tls
from pyuvnet import http, https
from pyuvnet import _uv
from support import SLOWDOWN

# The helper modules live beside their family's tests (tests/<family>/
# *_support.py), and some serve other families too (tls_certs_support's
# certificates, aio_support's bridge): every folder holding one is on the
# path, as tests/ itself is for support.py.
_TESTS = os.path.dirname(os.path.abspath(__file__))
for _folder, _dirs, _files in sorted(os.walk(_TESTS)):
    _dirs[:] = [d for d in _dirs if not d.startswith(('.', '__'))]
    if any(f.endswith('_support.py') for f in _files) and _folder not in sys.path:
        sys.path.append(_folder)

# pytest rewrites the asserts of test modules and conftest only: the helper
# modules that assert for their tests are named here, so that a failing
# assert in one shows its values too.
pytest.register_assert_rewrite('ipc_pipe_support')

# A test run started as a shell's background job (CI) ignores SIGINT, and
# children would inherit that: the tests that send Ctrl-C to a child need it
# at its default action.  A handler here becomes the default action in every
# child at exec, with no preexec_fn: a preexec_fn runs Python in the forked
# child, which deadlocks when another thread held a lock at fork time (seen
# under ASan, whose allocator lock a libuv worker thread may hold).
# The handler ignores the signal in the test process, as its caller asked:
# execnet sends an xdist worker still shutting down 5 s after the run's end
# a SIGINT of its own, and a KeyboardInterrupt there surfaced in CI as an
# unraisable one in a gc callback.  The tests that want Python's Ctrl-C
# take the python_sigint_handler fixture.
def _ignore_sigint(signum, frame):
    pass


if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, _ignore_sigint)

@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    """What collection made (pytest, hypothesis, every test module: some
    220,000 objects) is frozen: every full collection, the tests' own
    gc.collect() calls included, walked it again, which took a third of
    a worker's time late in a run under load (a fixture's collect 10 s).
    Frozen objects stay alive; what they reference is kept, as it was."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """What the run left alive is collected once and frozen, after the
    session's fixtures are torn down: pytest's unraisable-exception plugin
    then collects twice more at unconfigure (its hook still installed,
    so a finalizer's exception found here is still reported), and the
    interpreter once at exit, and each walked every object the tests left
    (an xdist worker's millions, seconds a walk under load) while the
    controller waited for the worker to end."""
    gc.collect()
    gc.freeze()


# tests/stress runs only under `make stress` (PYUVNET_STRESS=short or long):
# its tests take minutes, not the suite's seconds.
collect_ignore = [] if os.environ.get('PYUVNET_STRESS') else ['stress']

# Tests marked load_sensitive assert timing or CPU shares (the benchmark
# harness's self-checks): on a loaded machine they fail for the load, not
# for a bug. `make test` leaves them out (deselected, and counted so in
# pytest's summary); `make bench-check` runs them alone, as CI's own lane
# does, with a retry.
def pytest_addoption(parser):
    parser.addoption('--load-sensitive', action='store_true',
                     help='run only the tests marked load_sensitive (make bench-check)')


def pytest_collection_modifyitems(config, items):
    wanted = config.getoption('--load-sensitive')
    kept, dropped = [], []
    for item in items:
        (kept if (item.get_closest_marker('load_sensitive') is not None) == wanted
         else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class LoopDidNotFinish(AssertionError):
    pass


@pytest.fixture(autouse=True)
def fresh_loop():
    """Each test gets its own libuv loop, so one test's leftovers (an open
    server after a failure) cannot keep another's run() going.  The loop is
    closed after the test: a handle the test left open (a server still
    listening, an unref'd timer) would otherwise keep it, and its epoll,
    eventfd and /dev/null fds, alive for the rest of the run.  The global
    agents forget the connections they keep: those are the closed loop's,
    and a later test's server may get the same port (seen: a request
    handed such a socket waited forever, late in a whole-suite run)."""
    loop = _uv._thread_state.loop = net.Loop()
    yield loop
    http.globalAgent.destroy()
    https.globalAgent.destroy()
    # Closed while still the thread's loop: what its close callbacks ask
    # of "the current loop" goes to it (and is dropped), where with no
    # loop set get_loop() would make one and keep it as the main thread's
    # for good, and every later test's handles would land on it (seen
    # under ASan: one failed test, then a worker's every test failing).
    loop.close()
    del _uv._thread_state.loop


@pytest.fixture
def run_loop():
    """``run_loop(timeout=5)``: net.run() that raises LoopDidNotFinish if
    anything ref'd is still alive after ``timeout`` seconds.  The bound is
    a hang guard, not a speed check: PYUVNET_TEST_SLOWDOWN (the sanitizer
    lane sets 4) stretches it for builds that run several times slower."""
    def run(timeout=5.0):
        timeout *= SLOWDOWN
        def expired():
            raise LoopDidNotFinish('the loop did not finish within %.1f s' % timeout)
        watchdog = net.setTimeout(expired, timeout * 1000)
        watchdog.unref()
        try:
            net.run()
        finally:
            watchdog.close()
    return run


@pytest.fixture
def listening_server(run_loop):
    """``listening_server(on_connection, **options)`` -> (server, port):
    a TCP server on 127.0.0.1, port from the OS, already listening."""
    def make(on_connection=None, host='127.0.0.1', **options):
        server = net.createServer(options or None, on_connection)
        server.listen(0, host)
        # listen() binds synchronously; only 'listening' is deferred.
        return server, server.address().port
    return make


@pytest.fixture
def two_connections(listening_server, run_loop):
    """``two_connections(scenario, wait_ms=100)``: two clients c1, c2 of
    one server; once both are connected, ``scenario(s1, s2, c1, c2)`` runs
    (s1, s2 the server's ends), and ``wait_ms`` later everything is
    closed."""
    def make(scenario, wait_ms=100):
        accepted = []
        clients = []

        def on_connection(sock):
            accepted.append(sock)
            if len(accepted) == 2:
                net.setTimeout(begin, 10)

        def begin():
            c1, c2 = clients
            s1, s2 = (next(s for s in accepted if s.remotePort == c.localPort) for c in clients)
            scenario(s1, s2, c1, c2)
            net.setTimeout(finish, wait_ms)

        def finish():
            for sock in accepted + clients:
                sock.destroy()
            server.close()

        server, port = listening_server(on_connection)
        for _ in range(2):
            client = net.connect(port, '127.0.0.1')
            client.on('error', lambda err: None)
            clients.append(client)
        run_loop()
    return make


@pytest.fixture
def sockdir():
    """A short private directory for socket files (sun_path is 108 bytes;
    pytest's tmp_path can be longer than that)."""
    path = tempfile.mkdtemp(prefix='pyuv', dir='/tmp')
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope='session')
def tls_certs(tmp_path_factory):
    """Certificates for the TLS tests (tests/tls/tls_certs_support.py), made once per run."""
    from tls_certs_support import OPENSSL, Certs
    if OPENSSL is None:
        pytest.skip('the openssl CLI is not installed')
    return Certs(tmp_path_factory.mktemp('tls'))


@pytest.fixture
def tls_server(tls_certs):
    """``tls_server(on_secure, **options)`` -> (server, port), listening on
    127.0.0.1 with the CA-signed ECDSA certificate unless told otherwise."""
    def make(on_secure=None, **options):
        options.setdefault('key', tls_certs.key)
        options.setdefault('cert', tls_certs.cert)
        server = tls.createServer(options, on_secure)
        server.listen(0, '127.0.0.1')
        return server, server.address().port
    return make


@pytest.fixture
def gc_off():
    """The cyclic GC collected once, then off for the test: what is still
    alive after it was freed by reference counting alone."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def python_sigint_handler():
    """SIGINT has Python's own handler (KeyboardInterrupt) for the test, as
    in a program started in the foreground; restored afterwards."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class Recorder:
    """Listeners that log (name, args) into one shared list."""

    def __init__(self):
        self.calls = []

    def listener(self, name):
        def record(*args):
            self.calls.append((name,) + args)
        record.__name__ = name
        return record


@pytest.fixture
def rec():
    """A Recorder, for the EventEmitter tests (tests/loop/test_events_*.py)."""
    return Recorder()
