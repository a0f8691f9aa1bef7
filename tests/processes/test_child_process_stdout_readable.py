"""A child's stdout as Node's Readable: 'readable' and read() until None
(test-child-process-flush-stdio), a read() nobody follows up still lets
the child close, async iteration of its output, and the default
high-water mark, unshift(), closed and errored on its pipes."""
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


def test_child_pipes_take_the_default_mark_and_unshift_and_closed(run_loop):
    """Node 20.20, the same program: stream.setDefaultHighWaterMark(False,
    1000) reaches a new child's pipes; read(3), unshift(b'X'), then the
    rest; closed False at 'end', True with errored None at 'close'."""
    from pyuvnet import stream
    before = stream.getDefaultHighWaterMark(False)
    stream.setDefaultHighWaterMark(False, 1000)
    try:
        child = child_process.spawn('sh', ['-c', 'printf abcdefgh'])
    finally:
        stream.setDefaultHighWaterMark(False, before)
    out = child.stdout
    log = [out.readableHighWaterMark, out.writableHighWaterMark,
           child.stdin.writableHighWaterMark, out.closed, out.errored, out.readableFlowing]

    def first():
        log.append(out.read(3))
        out.unshift(b'X')
        rest = []
        while (chunk := out.read()) is not None:
            rest.append(chunk)
        log.append(b''.join(rest))
        out.on('readable', lambda: log.extend(iter(out.read, None)))
    out.once('readable', first)
    out.on('end', lambda: log.append(('end', out.readableEnded, out.closed)))
    out.on('close', lambda *args: log.append(('close', out.closed, out.errored, out.destroyed)))
    # The child's 'close' and its stdout's race (the exit or the pipe's
    # close may come first), in Node as here: it is checked apart.
    codes = []
    child.on('close', lambda code, signal: codes.append(code))
    run_loop()
    assert log == [1000, 1000, 1000, False, None, None, b'abc', b'Xdefgh',
                   ('end', True, False), ('close', True, None, True)]
    assert codes == [0]
