"""The streams' asyncio layer (above the core, as pyuvnet.aio): ``async
for`` over a Readable, async iterables as Readable.from() sources and
pipeline stages, and an async function as a pipeline's last stage. Each
needs the asyncio bridge (``aio.attach()`` or ``aio.install()``).
"""
from .. import errors
from .._internal import aio_bridge as aio
from .._uv import nextTick
from ._finished import eos
from ._utils import destroyer, is_iterable

__all__ = ['iterate', 'pull_into', 'pump', 'as_async_iterable', 'settle_last', 'writes_into',
           'finish_after', 'settle_into']


async def iterate(stream, destroy_on_return=True):
    """Node's ``readable[Symbol.asyncIterator]()``: each chunk read, until
    'end' (then it stops) or an error (raised). Leaving the loop early
    (break, an exception, the generator closed) destroys the stream."""
    loop = aio._bridge().loop
    waiter = None
    error = False       # False: not done; None: ended cleanly

    def wake(*args):
        nonlocal waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        waiter = None

    def on_done(err=None):
        nonlocal error
        error = err
        wake()
    stream.on('readable', wake)
    cleanup = eos(stream, {'writable': False}, on_done)
    try:
        while True:
            chunk = None if stream.destroyed else stream.read()
            if chunk is not None:
                yield chunk
            elif error is not False and error is not None:
                raise error
            elif error is None:
                return
            else:
                waiter = loop.create_future()
                await waiter
    finally:
        failed = error is not False and error is not None
        if (failed or destroy_on_return) and (error is False or stream._readableState.autoDestroy):
            destroyer(stream, None)
        else:
            stream.removeListener('readable', wake)
            cleanup()
        if stream.closed:
            # This generator may be the last holder of a C stream that
            # closed while it waited: its own listeners (eos's closures)
            # then hold it alone, which the C stream checks on a later
            # tick, to free it without the cyclic GC.
            release = getattr(stream, '_release_if_unreachable', None)
            if release is not None:
                release()


def pull_into(readable, iterable):
    """Readable.from() of an async iterable: ``_read()`` pulls the next
    item in a task; destroy() closes the iterator."""
    loop = aio._bridge().loop
    iterator = iterable.__aiter__()
    reading = False

    async def next_items():
        nonlocal reading
        try:
            while True:
                try:
                    value = await iterator.__anext__()
                except StopAsyncIteration:
                    readable.push(None)
                    return
                if hasattr(value, '__await__'):
                    value = await value
                if value is None:
                    reading = False
                    raise errors.ERR_STREAM_NULL_VALUES()
                if not readable.push(value):
                    reading = False
                    return
        except Exception as exc:
            readable.destroy(exc)

    def read(size):
        nonlocal reading
        if not reading:
            reading = True
            loop.create_task(next_items())

    async def close(error):
        if error is not None and hasattr(iterator, 'athrow'):
            try:
                await iterator.athrow(error)
            except StopAsyncIteration:
                return None
            except BaseException as exc:
                return exc
        if hasattr(iterator, 'aclose'):
            await iterator.aclose()
        return None

    def destroy(error, callback):
        task = loop.create_task(close(error))

        def closed(task):
            exc = task.exception() if not task.cancelled() else None
            result = None if task.cancelled() or exc is not None else task.result()
            nextTick(callback, exc or result or error)
        task.add_done_callback(closed)
    readable._read = read
    readable._destroy = destroy


def as_async_iterable(source):
    """What a pipeline's async function stage gets: a stream's chunks (its
    async iterator), the async iterable itself, or a sync iterable's items
    (a str's characters) as an async iterable."""
    if getattr(source, '_readableState', None) is not None:
        return iterate(source)
    if hasattr(source, '__aiter__'):
        return source
    if isinstance(source, (str, bytes, bytearray)) or is_iterable(source, want_async=False):
        return _from_sync(source)
    if not callable(getattr(source, 'read', None)) and callable(getattr(source, 'on', None)):
        return iterate(_wrap_legacy(source))
    return _from_sync_or_events(source)


def _wrap_legacy(source):
    # Node's Readable.wrap(src): a v1 stream (its 'data' and 'end' events,
    # no read()) read through an object-mode Readable whose destroy()
    # destroys the source (a close() then, for a Stream without destroy()).
    # Made now, where Node's async stage starts reading before pipeline()
    # returns: a v1 stream keeps nothing it emitted before.
    from ._readable import Readable

    def destroy(self, err, callback):
        destroyer(source, err)
        callback(err)
    wrapped = Readable(objectMode=True, destroy=destroy).wrap(source)
    # Its error reaches the iteration through the state; a stage that
    # never iterates leaves it unread, not unhandled (as Node's, which
    # then makes no wrapper at all).
    wrapped.on('error', _ignore)
    return wrapped


def _ignore(*args):
    pass


async def _from_sync(iterable):
    for item in iterable:
        yield item


async def _from_sync_or_events(source):
    # A pyuvnet socket (no Node state): its 'data' events, with backpressure.
    async for chunk in aio.iterate(source):
        yield chunk


def pump(iterable, writable, finish, end):
    """Write an async iterable's items to ``writable`` with backpressure,
    then end() it; ``finish(err)`` once."""
    loop = aio._bridge().loop
    state = {'error': None, 'waiter': None}

    def resume(err=None):
        if err is not None:
            state['error'] = err
        waiter = state['waiter']
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait():
        if state['error'] is None:
            state['waiter'] = loop.create_future()
            await state['waiter']
        if state['error'] is not None:
            raise state['error']

    async def run():
        writable.on('drain', resume)
        cleanup = eos(writable, {'readable': False}, resume)
        try:
            if getattr(writable, 'writableNeedDrain', False):
                await wait()
            async for chunk in iterable:
                if not writable.write(chunk):
                    await wait()
            if end:
                writable.end()
                await wait()
            finish()
        except Exception as exc:
            finish(exc)
        finally:
            cleanup()
            writable.removeListener('drain', resume)
    loop.create_task(run())


def settle_last(awaitable, passthrough, end, finish, set_value):
    """A pipeline whose last stage is an async function: its result is the
    callback's value (written to the returned PassThrough, as Node)."""
    loop = aio._bridge().loop

    async def run():
        try:
            value = await awaitable
        except Exception as exc:
            passthrough.destroy(exc)
            nextTick(finish, exc)
            return
        set_value(value)
        if value is not None:
            passthrough.write(value)
        if end:
            passthrough.end()
        nextTick(finish)
    loop.create_task(run())


def writes_into(fn):
    """Duplex.from(fn) (Node's fromAsyncGen): ``fn`` is called with an
    async iterable of what the Duplex is written, one write at a time (a
    write's callback runs once ``fn`` took its chunk). Returns fn's value
    and the Duplex's write and final options, and ``abort()``: at destroy,
    the iterable raises AbortError (Node checks its signal only at the
    next write, so a loop waiting for one waits for ever)."""
    loop = aio._bridge().loop
    state = {'next': loop.create_future(), 'aborted': False}

    async def written():
        while True:
            chunk, done, callback = await state['next']
            nextTick(callback)
            if done:
                return
            if state['aborted']:
                raise errors.AbortError()
            state['next'] = loop.create_future()
            yield chunk

    def write(stream, chunk, encoding, callback):
        state['next'].set_result((chunk, False, callback))

    def final(stream, callback):
        state['next'].set_result((None, True, callback))

    def abort():
        state['aborted'] = True
        waiting = state['next']
        if not waiting.done():
            waiting.set_exception(errors.AbortError())
            waiting.exception()     # seen: a loop may never come to it
    return fn(written()), write, final, abort


def finish_after(duplex, coroutine, final, abort):
    """Duplex.from(async function): 'finish' waits for the function to
    return None (another value is ERR_INVALID_RETURN_VALUE); its exception
    destroys the Duplex."""
    loop = aio._bridge().loop
    outcome = loop.create_future()

    async def run():
        try:
            value = await coroutine
        except Exception as exc:
            destroyer(duplex, exc)
            value = None
        outcome.set_result(None if value is None else
                           errors.ERR_INVALID_RETURN_VALUE('nully', 'body', value))
    loop.create_task(run())

    def wait_then_finish(callback):
        final(duplex, lambda: outcome.add_done_callback(
            lambda done: nextTick(callback, done.result())))

    def destroy(err, callback):
        abort()
        callback(err)
    duplex._final = wait_then_finish
    duplex._destroy = destroy


def settle_into(duplex, awaitable):
    """Duplex.from(awaitable): its value, unless None, is the one chunk read."""
    async def run():
        try:
            value = await awaitable
        except Exception as exc:
            destroyer(duplex, exc)
            return
        if value is not None:
            duplex.push(value)
        duplex.push(None)
    aio._bridge().loop.create_task(run())
