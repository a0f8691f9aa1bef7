"""What an ASGI WebSocket connection may cost, as uvicorn's flags bound
it (uvicorn 0.54 over websockets, pinned with it): ``wsMaxSize`` (16 MiB)
a message, counted as it inflates (uvicorn closes with 1009 a message
inflating past it, and takes one of exactly 16 MiB); ``wsMaxQueue`` (32)
the messages waiting for an app that does not receive; keepalive pings
(``wsPingInterval`` / ``wsPingTimeout``) close with 1011 a peer that
does not answer them (websockets' keepalive_ping)."""
import asyncio
import base64
import os
import struct

import pytest

from asgi_support import connect, serve

websockets = pytest.importorskip('websockets')
try:
    from websockets.asyncio.client import connect as ws_connect
except ImportError:     # websockets < 13
    ws_connect = websockets.connect
from websockets.exceptions import ConnectionClosed  # noqa: E402

pytestmark = pytest.mark.timeout(60)
MIB = 1 << 20


def url(server):
    return 'ws://127.0.0.1:%d/' % server.address().port


async def never_receives(scope, receive, send):
    # Accepts, then neither receives nor sends for 3 s, and returns (the
    # server then closes with 1000).
    if scope['type'] != 'websocket':
        return
    await receive()
    await send({'type': 'websocket.accept'})
    await asyncio.sleep(3)


def _close_after_one_message(size, **options):
    async def client(server):
        async with ws_connect(url(server), max_size=None, compression='deflate') as ws:
            await ws.send(bytes(size))
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd is not None else None
    return serve(never_receives, client, lifespan='off', **options)


@pytest.mark.parametrize('size, options, answer', [
    (17 * MIB, {}, 1009),
    (16 * MIB, {}, 1000),
    (17 * MIB, {'wsMaxSize': 32 * MIB}, 1000),
    (17 * MIB, {'ws_max_size': 0}, 1000),
], ids=['past-16-MiB', 'at-16-MiB', 'ws_max_size-32-MiB', 'no-limit'])
def test_a_message_inflating_past_ws_max_size_closes_1009(size, options, answer):
    # Sent compressed (a few KiB of zeros): the limit counts what it
    # inflates to, and zlib stops one byte past it.  A message within it
    # waits, and the connection stays until the app returns (1000).
    assert _close_after_one_message(size, **options) == answer


def test_an_app_that_never_receives_holds_at_most_ws_max_queue_messages():
    seen = {}

    async def app(scope, receive, send):
        if scope['type'] != 'websocket':
            return
        await receive()
        await send({'type': 'websocket.accept'})
        await asyncio.sleep(0.5)
        seen['queued'] = [len(cycle.queue) for cycle in seen['server']._websockets]
        seen['messages'] = [(await receive())['bytes'] for _ in range(40)]
        await send({'type': 'websocket.close'})

    async def client(server):
        seen['server'] = server
        async with ws_connect(url(server)) as ws:
            for i in range(40):
                await ws.send(struct.pack('!I', i) * 1024)
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as exc:
                return exc.rcvd.code
    assert serve(app, client, lifespan='off', wsMaxQueue=4) == 1000
    assert seen['queued'] == [4]
    assert seen['messages'] == [struct.pack('!I', i) * 1024 for i in range(40)]


def test_a_peer_that_does_not_answer_pings_is_closed_1011():
    async def client(server):
        reader, writer = await connect(server)
        key = base64.b64encode(os.urandom(16))
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                     b'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ' + key + b'\r\n\r\n')
        await reader.readuntil(b'\r\n\r\n')
        opcodes = []
        while True:
            head = await asyncio.wait_for(reader.readexactly(2), 10)
            payload = await reader.readexactly(head[1] & 0x7F)
            opcodes.append(head[0] & 0x0F)
            if opcodes[-1] == 8:
                writer.close()
                return opcodes, struct.unpack('!H', payload[:2])[0], payload[2:]
    opcodes, code, reason = serve(never_receives, client, lifespan='off',
                                  wsPingInterval=0.05, wsPingTimeout=0.1)
    assert opcodes == [9, 8] and code == 1011 and reason == b'keepalive ping timeout'


def test_pings_answered_keep_the_connection():
    # websockets answers every ping: the connection lasts until the app
    # returns, 3 s and some 60 pings later.
    async def client(server):
        async with ws_connect(url(server), ping_interval=None) as ws:
            try:
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as exc:
                return exc.rcvd.code
    assert serve(never_receives, client, lifespan='off', wsPingInterval=0.05,
                 wsPingTimeout=0.1) == 1000
