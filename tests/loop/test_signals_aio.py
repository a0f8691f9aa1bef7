"""Ctrl-C inside asyncio with the pyuvnet bridge behaves as asyncio's own:
``asyncio.run`` cancels the main task, then raises KeyboardInterrupt; and a
handler landing in pyuvnet's code during a turn waits for the turn's end
(issue 10, part 3)."""
import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import pyuvnet as net

from signal_support import Traffic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(net.__file__)))

CHILD = textwrap.dedent('''
    import asyncio
    import pyuvnet as net

    async def main():
        async with net.aio.attach():
            server = net.createServer(lambda sock: (sock.on('data', sock.write),
                                                    sock.on('error', lambda err: None)))
            server.listen(0, '127.0.0.1')
            await net.aio.listening(server)
            print(server.address().port, flush=True)
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                print('main task cancelled', flush=True)
                server.close()
                raise

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print('KeyboardInterrupt from asyncio.run', flush=True)
        raise
''')


@pytest.mark.parametrize('loaded', [False, True], ids=['idle', 'under-load'])
def test_ctrl_c_cancels_the_main_task_then_asyncio_run_raises(loaded):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
    proc = subprocess.Popen([sys.executable, '-c', CHILD], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    traffic = None
    try:
        port = int(proc.stdout.readline())
        if loaded:
            traffic = Traffic(port)
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - started
    finally:
        if traffic is not None:
            traffic.end()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert elapsed < 1.0, elapsed
    assert out == 'main task cancelled\nKeyboardInterrupt from asyncio.run\n', err
    assert err.rstrip().endswith('KeyboardInterrupt')


def test_a_handler_landing_in_pyuvnet_code_during_a_turn_waits_for_its_end(python_sigint_handler):
    """As the blocking run() does: the accept completes, KeyboardInterrupt
    comes out of the asyncio loop after the turn, and the server and the
    accepted socket both keep working in the next asyncio run."""
    seen = []
    loop = asyncio.new_event_loop()

    def on_connection(sock):
        sock.on('data', sock.write)
        if not seen:
            seen.append(type(signal.getsignal(signal.SIGINT)).__name__)
            signal.getsignal(signal.SIGINT)(signal.SIGINT, sys._getframe(1))
            seen.append('not raised here')

    async def connect_first():
        net.aio.install()
        state['server'] = server = net.createServer(on_connection)
        server.listen(0, '127.0.0.1')
        await net.aio.listening(server)
        state['first'] = net.connect(server.address().port, '127.0.0.1')
        await asyncio.sleep(5)
        seen.append('slept on')

    async def echo_both():
        server = state['server']
        first = state['first']
        first.write(b'one')
        got = [await first.__aiter__().__anext__()]
        second = await net.connect(server.address().port, '127.0.0.1').connected()
        second.write(b'two')
        got.append(await second.__aiter__().__anext__())
        first.destroy()
        second.destroy()
        await server.aclose()
        net.aio.uninstall()
        return got

    state = {}
    try:
        with pytest.raises(KeyboardInterrupt):
            loop.run_until_complete(connect_first())
        assert seen == ['DeferringHandler', 'not raised here']
        assert loop.run_until_complete(asyncio.wait_for(echo_both(), 5)) == [b'one', b'two']
    finally:
        net.aio.uninstall()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
