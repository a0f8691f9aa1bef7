"""A FastAPI app served by pyuvnet.asgi (docs/ASGI.md).

    pip install fastapi
    python examples/fastapi_app.py --port 8000        # serve until Ctrl-C
    pyuvnet serve fastapi_app:app --app-dir examples   # the same, from the command line
    python examples/fastapi_app.py --self-test        # a client's round, then exit

The app: items by id (a path parameter, validated: /items/x is a 422),
created from a JSON body (a pydantic model), with the caller's name from a
dependency; its lifespan opens a "database" (a dict) that every request
sees in request.state; a StreamingResponse; a background task that runs
after its response went out.  (No ``from __future__ import annotations``:
FastAPI reads the annotations of the routes, local to make_app, at once.)
"""

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any, AsyncIterator, Dict, List, Tuple

from pyuvnet import aio, asgi


def make_app() -> Any:
    """The FastAPI app (fastapi imported here, so that --help needs none)."""
    from fastapi import BackgroundTasks, Depends, FastAPI, Header, Request
    from fastapi.responses import StreamingResponse
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str
        price: float

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Dict[str, Any]]:
        db: Dict[int, Dict[str, Any]] = {1: {'name': 'pen', 'price': 1.5}}
        log: List[str] = []
        yield {'db': db, 'log': log}
        db.clear()

    app = FastAPI(lifespan=lifespan)

    def caller(x_user: str = Header('anonymous')) -> str:
        return x_user

    @app.get('/items/{item_id}')
    async def read_item(item_id: int, request: Request) -> Dict[str, Any]:
        item = request.state.db.get(item_id)
        return {'id': item_id, 'item': item}

    @app.post('/items/{item_id}')
    async def create_item(item_id: int, item: Item, request: Request, tasks: BackgroundTasks,
                          user: str = Depends(caller)) -> Dict[str, Any]:
        request.state.db[item_id] = item.model_dump()
        tasks.add_task(request.state.log.append, 'created %d by %s' % (item_id, user))
        return {'id': item_id, 'by': user}

    @app.get('/log')
    async def read_log(request: Request) -> List[str]:
        return list(request.state.log)

    @app.get('/count/{upto}')
    async def count(upto: int) -> StreamingResponse:
        async def numbers() -> AsyncIterator[bytes]:
            for i in range(upto):
                yield b'%d\n' % i
                await asyncio.sleep(0)
        return StreamingResponse(numbers(), media_type='text/plain')

    return app


def __getattr__(name: str) -> Any:
    # `pyuvnet serve fastapi_app:app` reads the attribute: made on demand.
    if name == 'app':
        app = globals()['app'] = make_app()
        return app
    raise AttributeError(name)


async def serve(port: int, host: str) -> None:
    async with aio.attach():
        server = asgi.createServer(make_app())
        await aio.listening(server.listen(port, host))
        print('serving http://%s:%d (Ctrl-C stops)' % (host, server.address().port), flush=True)
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()
        await aio.aclose(server)        # drains, then the lifespan's shutdown


async def request(port: int, method: str, path: str, body: Any = None,
                  headers: Tuple[Tuple[str, str], ...] = ()) -> Tuple[int, bytes]:
    """(status, body) of one request on its own connection."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    data = json.dumps(body).encode() if body is not None else b''
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: localhost', 'Connection: close']
    lines += ['%s: %s' % pair for pair in headers]
    if body is not None:
        lines += ['Content-Type: application/json', 'Content-Length: %d' % len(data)]
    writer.write(('\r\n'.join(lines) + '\r\n\r\n').encode() + data)
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b'\r\n\r\n')
    if b'chunked' in head.lower():
        chunks = b''
        while payload:
            size_line, _, payload = payload.partition(b'\r\n')
            size = int(size_line, 16)
            chunks += payload[:size]
            payload = payload[size + 2:]
        payload = chunks
    return int(head.split(b' ')[1]), payload


async def self_test_round() -> List[str]:
    failures: List[str] = []
    async with aio.attach():
        server = asgi.createServer(make_app())
        await aio.listening(server.listen(0, '127.0.0.1'))
        port = server.address().port
        checks = [
            (await request(port, 'GET', '/items/1'), (200, {'id': 1, 'item': {'name': 'pen', 'price': 1.5}})),
            (await request(port, 'GET', '/items/x'), (422, None)),
            (await request(port, 'POST', '/items/2', {'name': 'ink', 'price': 3},
                           (('X-User', 'ada'),)), (200, {'id': 2, 'by': 'ada'})),
            (await request(port, 'POST', '/items/3', {'name': 'ink'}), (422, None)),
            (await request(port, 'GET', '/log'), (200, ['created 2 by ada'])),
        ]
        for (status, body), (want_status, want_body) in checks:
            if status != want_status or (want_body is not None and json.loads(body) != want_body):
                failures.append('%d %r, not %d %r' % (status, body, want_status, want_body))
        status, body = await request(port, 'GET', '/count/3')
        if (status, body) != (200, b'0\n1\n2\n'):
            failures.append('stream: %d %r' % (status, body))
        await aio.aclose(server)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description='A FastAPI app served by pyuvnet.asgi.')
    parser.add_argument('--port', type=int, default=8000, help='0 picks a free port')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--self-test', action='store_true',
                        help="serve on a free port, check a client's round, exit")
    args = parser.parse_args()
    if args.self_test:
        failures = asyncio.run(self_test_round())
        if failures:
            print('self-test FAILED: ' + '; '.join(failures))
            return 1
        print('self-test passed: 6 requests (path parameter, validation, body model, '
              'dependency, background task, lifespan state, stream)')
        return 0
    asyncio.run(serve(args.port, args.host))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
