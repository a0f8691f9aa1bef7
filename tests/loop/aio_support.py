"""What the tests of pyuvnet.aio share (tests/loop/test_aio_*.py, and the
awaitables' tests of test_promises.py and test_child_process_exec.py): the
``arun`` fixture, which runs a coroutine under asyncio.wait_for on each kind
of asyncio loop (the default one, one over select(), uvloop's), so that a
bridge that stops driving pyuvnet fails the test instead of hanging it; an
echo server; a byte pattern."""
import asyncio
import selectors
import sys

import pytest

import pyuvnet as net
from pyuvnet import aio

try:
    import uvloop
except ImportError:             # pragma: no cover - uvloop is optional
    uvloop = None

# libuv's Windows loop (IOCP) has no backend fd for asyncio to watch, so
# the bridge refuses to start there (NotImplementedError from install() and
# attach()); nothing of it can run.
needs_backend_fd = pytest.mark.skipif(sys.platform == 'win32',
                                      reason='pyuvnet.aio needs a backend fd; libuv has none on Windows')

TIMEOUT = 5.0


def select_loop():
    """asyncio's loop over select(): what docs/ASYNCIO.md advises on
    kqueue platforms."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())


LOOP_FACTORIES = [pytest.param(asyncio.new_event_loop, id='asyncio'),
                  pytest.param(select_loop, id='select')]
if uvloop is not None:
    LOOP_FACTORIES.append(pytest.param(uvloop.new_event_loop, id='uvloop'))


@pytest.fixture(params=LOOP_FACTORIES)
def arun(request):
    """``arun(coro_fn, timeout)``: run ``coro_fn()`` to completion on a new
    event loop of the parametrised kind, failing after ``timeout`` s."""
    factory = request.param

    def run(coro_fn, timeout=TIMEOUT):
        loop = factory()
        try:
            return loop.run_until_complete(asyncio.wait_for(coro_fn(), timeout))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
                aio.uninstall()
    return run


def echo_server(**options):
    server = net.createServer(options or None, lambda s: s.on('data', s.write))
    server.listen(0, '127.0.0.1')
    return server


def pattern(size):
    block = bytes(range(256))
    return (block * (size // 256 + 1))[:size]
