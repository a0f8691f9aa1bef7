"""A child's stdout as Node's Readable: 'readable' and read() until None
(test-child-process-flush-stdio), a read() nobody follows up still lets
the child close, and async iteration of its output."""
from pyuvnet import aio, child_process
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)


def test_stdout_read_in_readable_until_none(run_loop):
    # test-child-process-flush-stdio, second case: 'close' (0, None) and
    # the output read whole.
    chunks = []
    closed = []
    child = child_process.spawn('echo', ['123'])

    def on_readable():
        while (chunk := child.stdout.read()) is not None:
            chunks.append(chunk)
    child.stdout.on('readable', on_readable)
    child.on('close', lambda code, signal: closed.append((code, signal)))
    run_loop()
    assert closed == [(0, None)]
    assert b''.join(chunks).strip() == b'123'


def test_a_lone_read_lets_the_child_close(run_loop):
    # test-child-process-flush-stdio, first case: stdout.read() once, then
    # nothing: the output is pulled through after 'exit', 'close' comes.
    closed = []
    child = child_process.spawn('echo', [])
    assert child.stdout.read() is None
    child.on('close', lambda code, signal: closed.append((code, signal)))
    run_loop()
    assert closed == [(0, None)]


def test_async_for_over_a_childs_stdout(arun):
    async def main():
        async with aio.attach():
            child = child_process.spawn('printf', ['a\\nb\\n'])
            got = [chunk async for chunk in child.stdout]
            assert b''.join(got) == b'a\nb\n'
            assert child.stdout.readableEnded
    arun(main)
