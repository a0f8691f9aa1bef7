"""Node 20's test/parallel/test-stream-pipeline.js, its blocks with async
generators, async functions, promises and AbortSignals, under the asyncio
bridge (each test names its block by its first lines or its intent; run
under /usr/bin/node v20.20.2 first). The blocks without asyncio are in
test_stream_pipeline_node_blocks.py, with the list of those ported
elsewhere or not applicable."""
import asyncio

import pytest

import pyuvnet as net
from pyuvnet import AbortController, AbortSignal, aio, errors
from pyuvnet.stream import (
    Duplex, PassThrough, Readable, Stream, Transform, Writable, addAbortSignal, pipeline, promises,
)
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)

pytestmark = needs_backend_fd


def text_sink(got):
    return Writable(write=lambda self, chunk, enc, cb: (got.append(chunk.decode()), cb()))


def bridged(arun, main):
    """arun() of ``main`` with the asyncio bridge attached around it."""
    async def attached():
        async with aio.attach():
            return await main()
    return arun(attached)


def called_back(*stages):
    """pipeline(*stages, callback) -> (the last stage, a future of the
    callback's (err, value))."""
    future = asyncio.get_running_loop().create_future()

    def callback(err, value=None):
        if not future.done():
            future.set_result((err, value))
    return pipeline(*stages, callback), future


async def hello_world():
    await asyncio.sleep(0)
    yield 'hello'
    yield 'world'


def test_an_abort_before_the_first_value_rejects(arun):
    # "Check aborted signal without values"
    async def main():
        controller = AbortController()

        async def producer():
            controller.abort()
            await asyncio.sleep(0)
            yield '8'
        got = []
        with pytest.raises(errors.AbortError):
            await promises.pipeline(producer, text_sink(got), signal=controller.signal)
        assert got == []
    bridged(arun, main)


def test_an_abort_after_a_value_rejects(arun):
    # "Check aborted signal after init."
    async def main():
        controller = AbortController()

        async def producer():
            yield '5'
            await asyncio.sleep(0)
            controller.abort()
            await asyncio.sleep(0)
            yield '8'
        got = []
        with pytest.raises(errors.AbortError):
            await promises.pipeline(producer, text_sink(got), signal=controller.signal)
        assert got == ['5']
    bridged(arun, main)


def test_a_signal_aborted_already_rejects_before_any_write(arun):
    # "Check pre-aborted signal"
    async def main():
        async def producer():
            yield '5'
            await asyncio.sleep(0)
            yield '8'
        got = []
        with pytest.raises(errors.AbortError):
            await promises.pipeline(producer, text_sink(got), signal=AbortSignal.abort())
        assert got == []
    bridged(arun, main)


def test_an_async_generator_last_stage_is_returned_as_a_stream(arun):
    # "AsyncIterable destination is returned and finalizes."
    async def main():
        async def source():
            await asyncio.sleep(0)
            yield 'hello'

        async def drain(chunks):
            async for _ in chunks:
                pass
            return
            yield
        ret, done = called_back(source, drain)
        ret.resume()
        assert callable(ret.pipe)
        assert await done == (None, None)
    bridged(arun, main)


def test_an_async_source_error_reaches_the_returned_stream_s_callback(arun):
    # "AsyncFunction destination is not returned and error is propagated."
    async def main():
        async def source():
            await asyncio.sleep(0)
            raise ValueError('kaboom')
            yield

        async def drain(chunks):
            async for _ in chunks:
                pass
            return
            yield
        ret, done = called_back(source, drain)
        ret.resume()
        err, _ = await done
        assert str(err) == 'kaboom'
    bridged(arun, main)


def failing_generator():
    raise ValueError('kaboom')
    yield


async def failing_async_source():
    raise ValueError('kaboom')
    yield


@pytest.mark.parametrize('make', [
    lambda: failing_async_source, lambda: failing_async_source(),
    lambda: failing_generator, lambda: failing_generator()],
    ids=['async-function', 'async-object', 'function', 'object'])
def test_a_source_that_throws_destroys_the_passthrough(arun, make):
    # "pipeline(async function*() { throw new Error('kaboom') }, s, ...)",
    # with the generator called, and the sync generator both ways
    async def main():
        s = PassThrough()
        _, done = called_back(make(), s)
        err, _ = await done
        assert (str(err), s.destroyed) == ('kaboom', True)
    bridged(arun, main)


def test_an_async_function_that_throws_destroys_the_stream_before_it(arun):
    # "s, async function(source) { for await (...) throw new Error('kaboom') }"
    async def main():
        async def consume(chunks):
            async for _ in chunks:
                raise ValueError('kaboom')
        s = PassThrough()
        _, done = called_back(hello_world, s, consume)
        err, value = await done
        assert (str(err), value, s.destroyed) == ('kaboom', None, True)
    bridged(arun, main)


def test_a_list_source_into_an_async_generator_that_throws(arun):
    # "pipeline(function() { return ['hello', 'world'] }, s, async
    # function*(source) { ... throw ... })", ret.resume()
    async def main():
        async def consume(chunks):
            async for _ in chunks:
                raise ValueError('kaboom')
            yield
        s = PassThrough()
        ret, done = called_back(lambda: ['hello', 'world'], s, consume)
        ret.resume()
        assert callable(ret.pipe)
        err, _ = await done
        assert (str(err), s.destroyed) == ('kaboom', True)
    bridged(arun, main)


def test_a_v1_stream_without_read_is_iterated_then_closed(arun):
    # "v1 streams without read()": its 'data' and 'end' on the next
    # tick are read by the async function; close() is called.
    async def main():
        s = Stream()
        net.nextTick(lambda: (s.emit('data', 'asd'), s.emit('end')))
        closes = []
        s.close = lambda *args: closes.append(True)
        got = []

        async def consume(chunks):
            async for chunk in chunks:
                got.append(chunk)
        _, done = called_back(s, consume)
        assert await done == (None, None)
        assert got == ['asd'] and len(closes) >= 1
    bridged(arun, main)


def test_a_v1_stream_error_fails_the_pipeline_and_destroys_it(arun):
    # "v1 error streams without read()": destroy() called once.
    async def main():
        s = Stream()
        net.nextTick(lambda: s.emit('error', ValueError('kaboom')))
        destroys = []
        s.destroy = lambda *args: destroys.append(True)

        async def ignore(chunks):
            pass
        _, done = called_back(s, ignore)
        err, _ = await done
        await asyncio.sleep(0.01)
        assert (str(err), destroys) == ('kaboom', [True])
    bridged(arun, main)


@pytest.mark.parametrize('later', [False, True], ids=['at-once', 'next-tick'])
def test_a_failing_transform_before_an_async_function_reads_nothing(arun, later):
    # "new Transform({ transform(chunk, encoding, cb) { cb(new
    # Error('kaboom')) } })", and with process.nextTick(cb, ...)
    async def main():
        def transform(self, chunk, enc, cb):
            if later:
                net.nextTick(cb, ValueError('kaboom'))
            else:
                cb(ValueError('kaboom'))
        got = []

        async def consume(chunks):
            async for chunk in chunks:
                got.append(chunk)
        _, done = called_back(hello_world, Transform(transform=transform), consume)
        err, _ = await done
        assert (str(err), got) == ('kaboom', [])
    bridged(arun, main)


def test_a_transform_given_strings_into_an_async_function(arun):
    # "decodeStrings: false, transform(...) { cb(null, chunk.toUpperCase()) }"
    async def main():
        got = []

        async def consume(chunks):
            async for chunk in chunks:
                got.append(chunk)
        transform = Transform(decodeStrings=False,
                              transform=lambda self, chunk, enc, cb: cb(None, chunk.upper()))
        _, done = called_back(hello_world, transform, consume)
        assert await done == (None, None)
        assert b''.join(got) == b'HELLOWORLD'
    bridged(arun, main)


def test_an_async_function_that_raises_is_no_unhandled_error(arun):
    # "Ensure no unhandled rejection from async function."
    async def main():
        async def source():
            yield 'hello'

        async def fail(chunks):
            raise ValueError('kaboom')
        _, done = called_back(source, fail)
        err, _ = await done
        assert str(err) == 'kaboom'
    bridged(arun, main)


def test_an_async_generator_that_raises_stops_the_stages_after_it(arun):
    # "rs ... setImmediate(() => rs.push('hello'))", an async generator
    # throwing at its first chunk, another collecting, a sink that must
    # not be written.
    async def main():
        rs = Readable(read=lambda self, size: net.setImmediate(lambda: self.push('hello')))

        async def fail(chunks):
            async for _ in chunks:
                raise ValueError('kaboom')
            yield
        got = []

        async def collect(chunks):
            async for chunk in chunks:
                got.append(chunk)
            return
            yield
        sink = Writable(write=lambda *args: pytest.fail('written'))
        _, done = called_back(rs, fail, collect, sink)
        err, _ = await done
        assert (str(err), got) == ('kaboom', [])
    bridged(arun, main)


def test_destroying_the_returned_stream_is_a_premature_close(arun):
    # "const dst = pipeline(src, async function * (source) {...})",
    # "dst.destroy()"
    async def main():
        async def same(chunks):
            async for chunk in chunks:
                yield chunk
        src = PassThrough()
        dst, done = called_back(src, same)
        src.push('asd')
        dst.destroy()
        err, _ = await done
        assert err.code == 'ERR_STREAM_PREMATURE_CLOSE'
    bridged(arun, main)


def test_an_async_generator_may_yield_objects(arun):
    # "yield { chunk }"
    async def main():
        async def source():
            yield 'asd'

        async def wrap(chunks):
            async for chunk in chunks:
                yield {'chunk': chunk}
        _, done = called_back(source, wrap)
        assert await done == (None, None)
    bridged(arun, main)


def test_add_abort_signal_on_a_pipeline_aborts_every_stage(arun):
    # "addAbortSignal(ac.signal, pipeline([r, w], cb))", aborted with a
    # reason after the sixth value
    async def main():
        controller = AbortController()
        reason = ValueError('Reason')

        async def numbers():
            for i in range(10):
                await asyncio.sleep(0)
                yield str(i)
                if i == 5:
                    controller.abort(reason)
        r = Readable.from_(numbers())
        got = []
        w = text_sink(got)
        pipelined, done = called_back([r, w])
        assert addAbortSignal(controller.signal, pipelined) is pipelined
        err, _ = await done
        assert isinstance(err, errors.AbortError) and err.cause is reason
        assert (''.join(got), w.destroyed, r.destroyed, pipelined.destroyed) == (
            '012345', True, True, True)
    bridged(arun, main)


def test_bytes_into_an_async_generator_give_their_byte_values(arun):
    # "pipeline(Buffer.from(content), async function*(previous) {...})"
    async def main():
        got = []

        async def chars(values):
            async for value in values:
                got.append(chr(value))
                yield value
        _, done = called_back(b'abc', chars)
        assert await done == (None, None)
        assert ''.join(got) == 'abc'
    bridged(arun, main)


def test_readable_from_a_string_into_a_writable(arun):
    # "pipelinep([Readable.from('Hello World!'), write])" and the same
    # with a callback
    async def main():
        for promised in (True, False):
            got = []
            finished = []
            write = text_sink(got)
            write.on('finish', lambda: finished.append(True))
            if promised:
                assert await promises.pipeline([Readable.from_('Hello World!'), write]) is None
            else:
                _, done = called_back([Readable.from_('Hello World!'), write])
                assert await done == (None, None)
            assert (finished, ''.join(got)) == ([True], 'Hello World!')
    bridged(arun, main)


def test_a_promised_pipeline_leaves_a_duplex_destination_open(arun):
    # "await pipelinePromise(read, duplex)": not destroyed; with {end:
    # false} and a transform between, the transform is destroyed and
    # ended, the destination neither.
    async def main():
        read = Readable(read=lambda self, size: None)
        duplex = PassThrough()
        read.push(None)
        await promises.pipeline(read, duplex)
        assert duplex.destroyed is False
        read = Readable(read=lambda self, size: None)
        duplex, transform = PassThrough(), PassThrough()
        read.push(None)
        await promises.pipeline(read, transform, duplex, {'end': False})
        assert (transform.destroyed, transform.writableEnded) == (True, True)
        assert (duplex.destroyed, duplex.writableEnded) == (False, False)
    bridged(arun, main)


def test_breaking_out_of_the_last_stage_gives_its_value(arun):
    # "if (n++ > 1) { break; }": the value so far, the object-mode
    # PassThrough destroyed; an async function returning null gives null.
    async def main():
        async def words():
            await asyncio.sleep(0)
            yield 'hello'
            yield 'world'
            yield 'world'

        async def two(chunks):
            ret, n = '', 0
            async for chunk in chunks:
                n += 1
                if n > 2:
                    break
                ret += chunk
            return ret
        s = PassThrough(objectMode=True)
        _, done = called_back(words, s, two)
        assert await done == (None, 'helloworld') and s.destroyed

        async def nothing(chunks):
            return None
        _, done = called_back(words, PassThrough(objectMode=True), nothing)
        assert await done == (None, None)
    bridged(arun, main)


def test_a_legacy_writable_without_destroy_gets_the_error(arun):
    # "Mimics a legacy stream without the .destroy method": Node's
    # destroyer emits 'error' on it; the callback gets the same error.
    async def main():
        class LegacyWritable(Stream):
            def write(self, chunk, encoding=None, callback=None):
                callback()

        class Rejects:
            def __aiter__(self):
                return self

            async def __anext__(self):
                raise ValueError('stop')
        writable = LegacyWritable()
        seen = []
        writable.on('error', lambda err: seen.append(str(err)))
        _, done = called_back(Readable.from_(Rejects()), writable)
        err, _ = await done
        await asyncio.sleep(0.01)
        assert (str(err), seen) == ('stop', ['stop'])
    bridged(arun, main)


def test_a_promised_pipeline_with_end_false_leaves_the_writable_open(arun):
    # "pipelinep(async function*() {...}, writable, { end: false })"
    async def main():
        async def source():
            yield 'hello'
            await asyncio.sleep(0)
            yield 'world'
        got = []
        writable = text_sink(got)
        assert await promises.pipeline(source, writable, {'end': False}) is None
        assert (''.join(got), writable.closed) == ('helloworld', False)
    bridged(arun, main)


def test_a_source_whose_read_raises_fails_through_a_duplex_from(arun):
    # "Duplex.from(myAsyncGenerator)" between a Readable whose read()
    # throws 'booom' and a Writable
    async def main():
        async def same(chunks):
            async for chunk in chunks:
                yield chunk

        def read(self, size):
            self.push('data1\n')
            raise ValueError('booom')
        _, done = called_back(Readable(read=read), Duplex.from_(same),
                              Writable(write=lambda self, chunk, enc, cb: cb()))
        err, _ = await done
        assert str(err) == 'booom'
    bridged(arun, main)
