"""The lifespan scope around listen() and close() (uvicorn's modes and
messages: uvicorn/lifespan/on.py, tests/test_lifespan.py)."""
import asyncio
import logging

import pytest

from pyuvnet import aio, asgi
from asgi_support import GET, exchange, text_app

pytestmark = pytest.mark.timeout(30)


def lifespan_app(events, fail=None, state=None):
    """An app that records the lifespan's steps in ``events``; ``fail``:
    'startup' or 'shutdown' answers .failed there, 'raise' raises at
    startup."""
    async def app(scope, receive, send):
        if scope['type'] == 'lifespan':
            message = await receive()
            events.append(message['type'])
            if fail == 'raise':
                raise RuntimeError('no database')
            if fail == 'startup':
                await send({'type': 'lifespan.startup.failed', 'message': 'no database'})
                return
            scope['state'].update(state or {})
            await send({'type': 'lifespan.startup.complete'})
            message = await receive()
            events.append(message['type'])
            if fail == 'shutdown':
                await send({'type': 'lifespan.shutdown.failed', 'message': 'cannot flush'})
                return
            await send({'type': 'lifespan.shutdown.complete'})
            return
        events.append('request')
        await text_app()(scope, receive, send)
    return app


def run(app, client=None, **options):
    async def main():
        async with aio.attach():
            server = asgi.createServer(app, options)
            server.on('listening', lambda: events.append('listening'))
            server.on('close', lambda: events.append('close'))
            server.listen(0, '127.0.0.1')
            try:
                await aio.listening(server)
            except Exception as exc:
                return exc
            if client is not None:
                await client(server)
            await aio.aclose(server)
    events = app.events
    return asyncio.run(asyncio.wait_for(main(), 20))


def make(fail=None, state=None):
    events = []
    app = lifespan_app(events, fail, state)
    app.events = events
    return app


def test_startup_before_listening_and_shutdown_before_close():
    app = make()

    async def client(server):
        assert app.events == ['lifespan.startup', 'listening']
        await exchange(server, GET)
    assert run(app, client) is None
    assert app.events == ['lifespan.startup', 'listening', 'request', 'lifespan.shutdown',
                          'close']


def test_state_is_copied_into_each_request():
    seen = []
    app = make(state={'db': 'connected'})
    inner = app

    async def outer(scope, receive, send):
        if scope['type'] == 'http':
            seen.append(dict(scope['state']))
        await inner(scope, receive, send)
    outer.events = app.events

    async def client(server):
        await exchange(server, GET)
        assert server.state == {'db': 'connected'}
    run(outer, client)
    assert seen == [{'db': 'connected'}]


def test_failed_startup_never_listens(caplog):
    app = make(fail='startup')
    error = run(app)
    assert isinstance(error, asgi.LifespanFailure)
    assert error.message == 'no database'
    assert 'listening' not in app.events
    assert 'no database' in caplog.text
    assert 'Application startup failed. Exiting.' in caplog.text


def test_exception_in_startup_with_lifespan_on_fails(caplog):
    app = make(fail='raise')
    error = run(app, lifespan='on')
    assert isinstance(error, asgi.LifespanFailure)
    assert 'listening' not in app.events
    assert "Exception in 'lifespan' protocol" in caplog.text


def test_exception_in_startup_with_lifespan_auto_is_unsupported(caplog):
    caplog.set_level(logging.INFO, logger='uvicorn.error')
    app = make(fail='raise')

    async def client(server):
        responses, closed = await exchange(server, GET)
        assert responses[0][0] == 200
    assert run(app, client) is None
    assert app.events == ['lifespan.startup', 'listening', 'request', 'close']
    assert "ASGI 'lifespan' protocol appears unsupported." in caplog.text


def test_app_without_lifespan_support():
    """An http-only app (asserting its scope type) under 'auto'."""
    async def app(scope, receive, send):
        assert scope['type'] == 'http'
        await text_app()(scope, receive, send)
    app.events = []
    assert run(app) is None


def test_lifespan_off_never_calls_the_app():
    app = make()
    async def client(server):
        await exchange(server, GET)
    assert run(app, client, lifespan='off') is None
    assert app.events == ['listening', 'request', 'close']


def test_failed_shutdown_still_closes(caplog):
    app = make(fail='shutdown')
    assert run(app) is None
    assert app.events[-2:] == ['lifespan.shutdown', 'close']
    assert 'cannot flush' in caplog.text
    assert 'Application shutdown failed. Exiting.' in caplog.text


def test_close_waits_for_running_requests_then_shuts_down():
    app_events = []

    async def app(scope, receive, send):
        if scope['type'] == 'lifespan':
            await lifespan_app(app_events)(scope, receive, send)
            return
        await text_app()(scope, receive, send)
        await asyncio.sleep(0.2)            # a background task after the response
        app_events.append('background done')
    app.events = app_events

    async def client(server):
        await exchange(server, GET)
    run(app, client)
    assert app_events.index('background done') < app_events.index('lifespan.shutdown')
    assert app_events[-1] == 'close'
