"""stream.compose() and Duplex.from(): Node 20's test-stream-compose.js
(the cases Python can express), and the order of events and errors of
Node 20 (/usr/bin/node v20.20) on the same programs. The cases with a
socket or an HTTP message at an end are in tests/net/readable/ and
tests/http/."""
import asyncio

import pytest

import pyuvnet as net
from pyuvnet import aio, errors
from pyuvnet.stream import (Duplex, PassThrough, Readable, Transform, Writable, compose, finished,
                            promises)
from aio_support import arun, needs_backend_fd  # noqa: F401 (arun: the fixture)
from stream_support import recorder


def upper():
    return Transform(transform=lambda self, chunk, encoding, cb: cb(None, bytes(chunk).upper()))


def doubled():
    return Transform(transform=lambda self, chunk, encoding, cb: cb(None, bytes(chunk) * 2))


def text(chunk):
    return chunk.decode() if isinstance(chunk, bytes) else str(chunk)


async def upper_each(source):
    async for chunk in source:
        yield text(chunk).upper()


def collector():
    """A list and an async function that appends each chunk of its source to it."""
    got = []

    async def collect(source):
        async for chunk in source:
            got.append(chunk)
    return got, collect


async def read_all(stream):
    """Every chunk ``stream`` emits as one string, once it finished."""
    got = []
    stream.on('data', lambda chunk: got.append(text(chunk)))
    await promises.finished(stream)
    return ''.join(got)


# test-stream-compose.js, the cases without an async function.

def test_two_transforms_compose_into_one_duplex():
    """test-stream-compose.js: Transform + Transform, end('asd')."""
    got = []
    d = compose(doubled(), upper())
    d.on('data', got.append)
    log = recorder(d, ('end', 'finish', 'close'))
    d.end(b'asd')
    net.run()
    assert b''.join(got) == b'ASDASD'
    assert log == ['end', 'finish', 'close']


def test_a_readable_first_gives_a_read_only_duplex():
    """test-stream-compose.js: Readable.from(['asd']) + Transform."""
    got = []
    d = compose(Readable.from_(['asd']), upper())
    assert (d.readable, d.writable) == (True, False)
    d.on('data', got.append)
    log = recorder(d, ('end', 'close'))
    net.run()
    assert got == [b'ASD'] and log == ['end', 'close']


def test_an_error_in_a_stage_is_the_duplexs_error_and_nothing_is_read():
    """test-stream-compose.js: the first Transform fails; the last one's
    transform is never called."""
    boom = RuntimeError('asd')
    last = Transform(objectMode=True, transform=lambda self, c, e, cb: pytest.fail('called'))
    d = compose(Transform(objectMode=True, transform=lambda self, c, e, cb: cb(boom)),
                PassThrough(objectMode=True), last)
    seen = []
    d.on('data', lambda chunk: pytest.fail('data'))
    d.on('end', lambda: pytest.fail('end'))
    d.on('error', seen.append)
    d.end(True)
    net.run()
    assert seen == [boom] and d.destroyed and last.destroyed


@pytest.mark.parametrize('stages, message', [
    (lambda: (Writable(), PassThrough()), r"'streams\[0\]' must be readable"),
    (lambda: (PassThrough(), Readable(read=lambda self, size: None), PassThrough()),
     r"'streams\[1\]' must be writable"),
])
def test_a_stage_that_cannot_be_joined_is_err_invalid_arg_value(stages, message):
    """test-stream-compose.js: ERR_INVALID_ARG_VALUE, a TypeError, at once."""
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE, match=message) as caught:
        compose(*stages())
    assert isinstance(caught.value, TypeError)


def test_no_stage_is_err_missing_args():
    """test-stream-compose.js: compose() with nothing."""
    with pytest.raises(errors.ERR_MISSING_ARGS, match='"streams" argument must be specified'):
        compose()


def test_one_stage_is_duplex_from_and_a_duplex_is_itself():
    """Node 20: compose(p) === p === Duplex.from(p)."""
    p = PassThrough()
    assert compose(p) is p
    assert Duplex.from_(p) is p
    assert getattr(Duplex, 'from')(p) is p


def test_duplex_from_a_value_that_is_no_body_is_err_invalid_arg_type():
    """Node 20: Duplex.from(42) and compose(42)."""
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE, match='"body" argument must be') as caught:
        compose(42)
    assert isinstance(caught.value, TypeError)


def test_duplex_from_a_list_reads_its_items_in_object_mode():
    """Node 20: compose(['a', 'b']) is readable only, in object mode."""
    d = compose(['a', 'b'])
    assert (d.readable, d.writable, d.readableObjectMode) == (True, False, True)
    got = []
    d.on('data', got.append)
    log = recorder(d, ('end', 'close'))
    net.run()
    assert got == ['a', 'b'] and log == ['end', 'close']


def test_duplex_from_a_readable_and_writable_pair_joins_them():
    """Duplex.from({readable, writable}): writes to one, reads the other."""
    sink, source = PassThrough(), PassThrough()
    d = Duplex.from_({'readable': source, 'writable': sink})
    written, got = [], []
    sink.on('data', written.append)
    d.on('data', got.append)
    d.write(b'to the sink')
    source.end(b'from the source')
    d.end()
    net.run()
    assert written == [b'to the sink'] and got == [b'from the source']
    assert d.destroyed


# Destroy and errors: the order of events under Node 20.

def test_destroying_the_duplex_aborts_every_stage_last_first():
    """Node 20: compose(p1, p2).destroy(): an AbortError, p2 then p1 then d."""
    p1, p2 = PassThrough(), PassThrough()
    d = compose(p1, p2)
    names = []
    for name, s in (('d', d), ('p1', p1), ('p2', p2)):
        s.on('error', lambda e, n=name: names.append('%s error:%s' % (n, e.code)))
        s.on('close', lambda n=name: names.append('%s close' % n))
    d.destroy()
    # Destroyed at once: the Duplex and the last stage; the first one later.
    assert (d.destroyed, p1.destroyed, p2.destroyed) == (True, False, True)
    net.run()
    assert names == ['p2 error:ABORT_ERR', 'p2 close', 'p1 error:ABORT_ERR', 'p1 close',
                     'd error:ABORT_ERR', 'd close']


@pytest.mark.parametrize('where', ['duplex', 'first stage'])
def test_an_error_reaches_every_stage_and_the_duplex(where):
    """Node 20: d.destroy(err) or p1.destroy(err): each stage and d get err."""
    p1, p2 = PassThrough(), PassThrough()
    d = compose(p1, p2)
    boom = RuntimeError('boom')
    names = []
    for name, s in (('d', d), ('p1', p1), ('p2', p2)):
        s.on('error', lambda e, n=name: names.append((n, e)))
        s.on('close', lambda n=name: names.append((n, 'close')))
    (d if where == 'duplex' else p1).destroy(boom)
    net.run()
    first, second = ('p2', 'p1') if where == 'duplex' else ('p1', 'p2')
    assert names == [(first, boom), (first, 'close'), (second, boom), (second, 'close'),
                     ('d', boom), ('d', 'close')]


def test_ending_the_duplex_ends_each_stage_in_nodes_order():
    """Node 20: compose(p1, p2).end('x') read to the end."""
    p1, p2 = PassThrough(), PassThrough()
    d = compose(p1, p2)
    log = []
    for name, s in (('d', d), ('p1', p1), ('p2', p2)):
        for event in ('end', 'finish', 'close'):
            s.on(event, lambda n=name, e=event: log.append(n + ' ' + e))
    d.end(b'x')
    d.resume()
    net.run()
    assert log == ['p1 end', 'p1 finish', 'p2 finish', 'p1 close', 'p2 end', 'd end', 'p2 close',
                   'd finish', 'd close']


# test-stream-compose.js's async generator functions and async functions.

@needs_backend_fd
def test_async_generator_functions_compose(arun):
    """test-stream-compose.js: two async generator functions, end('asd')."""
    async def twice(source):
        async for chunk in source:
            yield text(chunk) * 2

    async def main():
        async with aio.attach():
            d = compose(twice, upper_each)
            d.end(b'asd')
            assert await read_all(d) == 'ASDASD'
    arun(main)


@needs_backend_fd
def test_one_async_generator_function_is_a_transform(arun):
    """test-stream-compose.js: compose(async function*) alone; and the
    'Convert into transform duplex' case."""
    async def main():
        async with aio.attach():
            d = compose(upper_each)
            assert (d.readable, d.writable, d.readableObjectMode, d.writableObjectMode) == \
                (True, True, True, True)
            d.write(b'hello')
            d.end(b'world')
            assert await read_all(d) == 'HELLOWORLD'
    arun(main)


@needs_backend_fd
def test_an_async_generator_first_then_a_transform(arun):
    """test-stream-compose.js: an async generator object + Transform."""
    async def source():
        yield 'asd'

    async def main():
        async with aio.attach():
            assert await read_all(compose(source(), upper())) == 'ASD'
    arun(main)


@needs_backend_fd
@pytest.mark.parametrize('last', ['writable', 'async function'])
def test_a_writable_or_an_async_function_last_gives_a_write_only_duplex(arun, last):
    """test-stream-compose.js: Transform, async function*, then a Writable
    or an async function: 'finish' once the last stage has everything."""
    got = []

    async def collect(source):
        async for chunk in source:
            got.append(text(chunk))

    async def main():
        async with aio.attach():
            sink = (Writable(write=lambda self, chunk, e, cb: (got.append(text(chunk)), cb()))
                    if last == 'writable' else collect)
            d = compose(upper(), upper_each, sink)
            assert (d.readable, d.writable) == (False, True)
            log = recorder(d, ('finish', 'close', 'error'))
            d.end(b'asd')
            await promises.finished(d)
            await asyncio.sleep(0)
            assert got == ['ASD'] and log == ['finish', 'close']
    arun(main)


@needs_backend_fd
def test_object_mode_chunks_pass_through_an_async_generator(arun):
    """test-stream-compose.js: objectMode Transforms around an async
    function*, end(True): the chunk arrives wrapped twice."""
    def wrap():
        return Transform(objectMode=True, transform=lambda self, c, e, cb: cb(None, {'chunk': c}))

    async def passing(source):
        async for chunk in source:
            yield chunk

    async def main():
        async with aio.attach():
            d = compose(wrap(), passing, wrap())
            got = []
            d.on('data', got.append)
            d.end(True)
            await promises.finished(d)
            assert got == [{'chunk': {'chunk': True}}]
    arun(main)


@needs_backend_fd
def test_an_exception_in_an_async_generator_stage_is_the_duplexs_error(arun):
    """test-stream-compose.js: the middle async function* raises."""
    boom = RuntimeError('asd')

    async def failing(source):
        async for chunk in source:
            raise boom
        yield None      # an async generator function

    async def main():
        async with aio.attach():
            d = compose(PassThrough(objectMode=True), failing,
                        Transform(objectMode=True, transform=lambda self, c, e, cb: pytest.fail('t')))
            d.on('data', lambda chunk: pytest.fail('data'))
            d.on('end', lambda: pytest.fail('end'))
            seen = []
            d.on('error', seen.append)
            d.end(True)
            with pytest.raises(RuntimeError, match='asd'):
                await promises.finished(d)
            assert seen == [boom]
    arun(main)


def hello_world():
    async def words():
        yield 'Hello'
        yield 'World'
    return words()


@needs_backend_fd
def test_a_source_and_a_sink_compose_into_a_closed_duplex(arun):
    """test-stream-compose.js 'Convert into readable Duplex': neither
    readable nor writable; it finishes once the async function returned."""
    got, collect = collector()

    async def main():
        async with aio.attach():
            d = compose(hello_world(), upper_each, collect)
            assert (d.writable, d.readable) == (False, False)
            d.resume()
            await promises.finished(d)
            assert ''.join(got) == 'HELLOWORLD'
    arun(main)


@needs_backend_fd
def test_composed_duplexes_compose_again(arun):
    """test-stream-compose.js: compose(s1, s2, s3) of a readable, a
    transform and a writable compose()."""
    got, collect = collector()

    async def main():
        async with aio.attach():
            d = compose(compose(hello_world()), compose(upper_each), compose(collect))
            await promises.finished(d)
            assert ''.join(got) == 'HELLOWORLD'
    arun(main)


@needs_backend_fd
def test_an_async_function_last_that_returns_a_value_is_err_invalid_return_value(arun):
    """test-stream-compose.js: the last async function returns its text."""
    async def collect(source):
        return ''.join([text(chunk) async for chunk in source])

    async def main():
        async with aio.attach():
            d = compose(hello_world(), upper_each, collect)
            with pytest.raises(errors.ERR_INVALID_RETURN_VALUE, match='nully'):
                await promises.finished(d)
    arun(main)


@needs_backend_fd
def test_a_string_first_is_read_character_by_character(arun):
    """test-stream-compose.js: compose('HelloWorld', async function*, async function)."""
    got, collect = collector()

    async def main():
        async with aio.attach():
            d = compose('HelloWorld', upper_each, collect)
            await promises.finished(d)
            assert got == list('HELLOWORLD')
    arun(main)


@needs_backend_fd
def test_duplex_from_a_function_returning_no_iterable_is_err_invalid_return_value(arun):
    """Node 20: compose(() => 42)."""
    async def main():
        async with aio.attach():
            with pytest.raises(errors.ERR_INVALID_RETURN_VALUE,
                               match='Iterable, AsyncIterable or AsyncFunction'):
                compose(lambda source: 42)
    arun(main)


def written_once(fn):
    """compose(fn), flowing, written b'a'; and the log of its 'error' and 'close'."""
    d = compose(fn)
    log = recorder(d, ('error', 'close'))
    d.resume()
    d.write(b'a')
    return d, log


@needs_backend_fd
@pytest.mark.parametrize('kind', ['async generator function', 'async function'])
def test_an_exception_in_the_one_function_is_the_duplexs_error(arun, kind):
    """Node 20: compose(fn) whose loop raises at the first chunk."""
    async def fails(source):
        async for chunk in source:
            raise RuntimeError('fn boom')

    async def fails_gen(source):
        async for chunk in source:
            raise RuntimeError('gen boom')
        yield None      # an async generator function

    async def main():
        async with aio.attach():
            d, log = written_once(fails_gen if kind == 'async generator function' else fails)
            with pytest.raises(RuntimeError, match='boom'):
                await promises.finished(d)
            await asyncio.sleep(0.01)
            assert log[0].startswith('error:') and log[1:] == ['close']
    arun(main)


@needs_backend_fd
@pytest.mark.parametrize('kind', ['async generator function', 'async function'])
def test_destroying_a_function_duplex_ends_the_functions_loop(arun, kind):
    """compose(fn).destroy() while fn waits for a write: 'close' without an
    error, as Node 20's async function case. (Node's async generator case
    never emits 'close': its iterator's return() waits for a write that
    never comes; here the loop over the writes raises AbortError, Node's
    signal, and the generator is closed.)"""
    seen = []

    async def each(source):
        try:
            async for chunk in source:
                seen.append(text(chunk))
                yield chunk
        finally:
            seen.append('finally')

    async def consume(source):
        try:
            async for chunk in source:
                seen.append(text(chunk))
        finally:
            seen.append('finally')

    async def main():
        async with aio.attach():
            d, log = written_once(each if kind == 'async generator function' else consume)
            await asyncio.sleep(0.02)
            d.destroy()
            await asyncio.sleep(0.02)
            assert log == ['close']
            assert seen == ['a', 'finally']
    arun(main)


def test_finished_sees_a_composed_duplex_end():
    """finished() on compose(): called once, without an error."""
    d = compose(PassThrough(), PassThrough())
    done = []
    finished(d, lambda err=None: done.append(err))
    d.resume()
    d.end(b'x')
    net.run()
    assert done == [None]
