"""The streams under asyncio: async iteration (test-stream-readable-async-iterators),
stream.promises (test-stream-promises), async generators as Readable.from
sources and pipeline stages (test-stream-pipeline-async-iterator,
test-stream3-pipeline-async-iterator), an async function as the last stage."""
import asyncio

import pytest

import pyuvnet as net
from pyuvnet import aio, errors
from pyuvnet import AbortController
from pyuvnet.stream import PassThrough, Readable, Transform, Writable, pipeline, promises
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)

pytestmark = needs_backend_fd


def idle(self, size):
    pass


def collector():
    got = []
    return Writable(objectMode=True, write=lambda self, c, e, cb: (got.append(c), cb())), got


def test_async_for_reads_every_chunk_until_end(arun):
    async def main():
        async with aio.attach():
            assert [c async for c in Readable.from_(['a', 'b', 'c'])] == ['a', 'b', 'c']
            r = Readable(read=idle)
            net.setTimeout(lambda: (r.push(b'x'), r.push(None)), 5)
            assert [c async for c in r] == [b'x']
            assert r.destroyed
    arun(main)


def test_breaking_out_destroys_the_stream(arun):
    async def main():
        async with aio.attach():
            r = Readable(read=idle)
            r.push(b'a')
            errors_seen = []
            r.on('error', lambda e: errors_seen.append(type(e).__name__))
            chunks = r.__aiter__()
            async for chunk in chunks:
                assert chunk == b'a'
                break
            await chunks.aclose()        # what leaving the loop does, at once
            assert r.destroyed
            await asyncio.sleep(0.01)
            # As Node: the unfinished stream is destroyed with an AbortError.
            assert errors_seen == ['AbortError']
    arun(main)


def test_iterator_destroy_on_return_false_keeps_the_stream(arun):
    async def main():
        async with aio.attach():
            r = Readable(read=idle)
            r.push(b'a')
            chunks = r.iterator(destroy_on_return=False)
            async for chunk in chunks:
                break
            await chunks.aclose()
            assert not r.destroyed
            r.destroy()
    arun(main)


def test_async_for_raises_the_streams_error(arun):
    async def main():
        async with aio.attach():
            r = Readable(read=idle)
            net.setTimeout(lambda: r.destroy(RuntimeError('bad')), 5)
            with pytest.raises(RuntimeError, match='bad'):
                async for chunk in r:
                    pass
    arun(main)


def test_async_for_decoded(arun):
    async def main():
        async with aio.attach():
            r = Readable(read=idle, encoding='utf8')
            euro = '€'.encode()
            r.push(euro[:2])
            r.push(euro[2:])
            r.push(None)
            assert ''.join([c async for c in r]) == '€'
    arun(main)


def test_readable_from_an_async_generator(arun):
    async def main():
        async with aio.attach():
            closed = []

            async def numbers():
                try:
                    for i in range(3):
                        await asyncio.sleep(0)
                        yield i
                finally:
                    closed.append(True)
            assert [c async for c in Readable.from_(numbers())] == [0, 1, 2]
            assert closed == [True]
    arun(main)


def test_promises_pipeline_with_async_generator_stages(arun):
    async def main():
        async with aio.attach():
            async def source():
                for word in ('p', 'q'):
                    await asyncio.sleep(0)
                    yield word

            async def upper(chunks):
                async for chunk in chunks:
                    yield chunk.upper()
            w, got = collector()
            assert await promises.pipeline(source, upper, w) is None
            assert got == ['P', 'Q']
    arun(main)


def test_promises_pipeline_async_function_last_stage_gives_the_value(arun):
    async def main():
        async with aio.attach():
            async def total(chunks):
                return sum([c async for c in chunks])
            assert await promises.pipeline(Readable.from_([1, 2, 3]), total) == 6
    arun(main)


def test_promises_pipeline_rejects_with_the_first_error(arun):
    async def main():
        async with aio.attach():
            r = Readable(read=idle)
            t = Transform(transform=lambda self, c, e, cb: cb(RuntimeError('t failed')))
            w = Writable(write=lambda self, c, e, cb: cb())
            waiting = promises.pipeline(r, t, w)
            r.push(b'x')
            with pytest.raises(RuntimeError, match='t failed'):
                await waiting
            assert r.destroyed and w.destroyed
    arun(main)


def test_promises_pipeline_signal(arun):
    async def main():
        async with aio.attach():
            ac = net.AbortController()
            r = Readable(read=idle)
            waiting = promises.pipeline(r, PassThrough(), signal=ac.signal)
            ac.abort()
            with pytest.raises(errors.AbortError):
                await waiting
            assert r.destroyed
    arun(main)


def test_promises_finished(arun):
    async def main():
        async with aio.attach():
            p = PassThrough()
            p.resume()
            p.end(b'z')
            assert await promises.finished(p) is None
            r = Readable(read=idle)
            net.setTimeout(r.destroy, 1)
            with pytest.raises(errors.ERR_STREAM_PREMATURE_CLOSE):
                await promises.finished(r)
    arun(main)


def test_callback_pipeline_with_an_async_generator_under_the_bridge(arun):
    async def main():
        async with aio.attach():
            async def source():
                yield 'x'
            w, got = collector()
            done = asyncio.get_running_loop().create_future()
            pipeline(source, w, lambda err, value=None: done.set_result(err))
            assert await done is None and got == ['x']
    arun(main)


def test_an_async_generator_yielding_none_is_an_error(arun):
    # test-stream-readable-next-no-null: None is not a chunk
    async def generate():
        yield None

    async def main():
        async with aio.attach():
            s = Readable.from_(generate())
            seen = []
            s.on('error', seen.append)
            s.on('data', lambda chunk: seen.append(('data', chunk)))
            s.on('end', lambda: seen.append('end'))
            await asyncio.sleep(0.05)
            return seen
    seen = arun(main)
    assert [type(e) for e in seen] == [errors.ERR_STREAM_NULL_VALUES]
    assert str(seen[0]) == 'May not write null values to stream'


def test_promises_pipeline_takes_its_options_last(arun):
    # Node 20's stream/promises pipeline(a, b, {end, signal}): end False
    # leaves the destination open; an aborted signal rejects with
    # ABORT_ERR and destroys every stage, the destination too.
    async def main():
        async with aio.attach():
            source, destination = PassThrough(), PassThrough()
            destination.resume()
            waiting = promises.pipeline(source, destination, {'end': False})
            source.end(b'x')
            assert await waiting is None
            assert not destination.writableEnded and not destination.destroyed

            controller = AbortController()
            controller.abort()
            source, destination = PassThrough(), PassThrough()
            with pytest.raises(errors.AbortError) as info:
                await promises.pipeline(source, destination, {'signal': controller.signal})
            assert info.value.code == 'ABORT_ERR'
            assert source.destroyed and destination.destroyed
    arun(main)
