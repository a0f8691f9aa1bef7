"""Flow control: receive() reads the socket only as the app asks, send()
waits while the client is not reading, and a client that leaves is an
http.disconnect (uvicorn's behaviour: flow_control.py, httptools_impl.py)."""
import asyncio
import logging

import pytest

from asgi_support import LateEvent, connect, read_response, serve, text_app

pytestmark = pytest.mark.timeout(30)

MiB = 1024 * 1024


def test_unread_body_stays_in_the_client():
    """An app that has not called receive() yet: the server reads none of
    a 32 MiB body (the client's buffer keeps all but what the kernel's
    buffers hold), and reads it all once the app asks."""
    size = 32 * MiB
    go = LateEvent()
    got = []

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        await go.wait()
        total = 0
        more = True
        while more:
            message = await receive()
            total += len(message['body'])
            more = message['more_body']
        got.append(total)
        await text_app(b'%d' % total)(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' % size)
        writer.write(b'x' * size)
        await asyncio.sleep(0.5)
        waiting = writer.transport.get_write_buffer_size()
        go.set()
        status, headers, body, raw = await read_response(reader)
        writer.close()
        return waiting, body
    waiting, body = serve(app, client)
    assert waiting > size - 12 * MiB
    assert body == b'%d' % size
    assert got == [size]


def test_send_waits_while_the_client_does_not_read():
    chunk = b'y' * (256 * 1024)
    count = 64
    sent = []

    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'%d' % (len(chunk) * count))]})
        for i in range(count):
            await send({'type': 'http.response.body', 'body': chunk, 'more_body': i < count - 1})
            sent.append(i)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        await asyncio.sleep(0.5)
        progress = len(sent)
        status, headers, body, raw = await read_response(reader)
        writer.close()
        return progress, len(body)
    progress, length = serve(app, client)
    # 16 MiB could not all be handed to the kernel's buffers: send() waited.
    assert progress < count - 8
    assert length == len(chunk) * count
    assert len(sent) == count


def test_client_leaving_mid_response_is_a_disconnect(caplog):
    caplog.set_level(logging.ERROR, logger='uvicorn.error')
    done = []

    async def app(scope, receive, send):
        await send({'type': 'http.response.start', 'status': 200})
        for _ in range(200):
            await send({'type': 'http.response.body', 'body': b'tick\n', 'more_body': True})
            await asyncio.sleep(0.01)
        done.append(await receive())
        done.append(await receive())

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        await reader.readuntil(b'tick\n')
        writer.close()
        for _ in range(400):
            if len(done) == 2:
                break
            await asyncio.sleep(0.02)
    serve(app, client)
    # uvicorn: once the client left, receive() gives the disconnect, even
    # before the (here empty) body; send() raised nothing.
    assert done == [{'type': 'http.disconnect'}] * 2
    assert caplog.text == ''


def test_disconnect_wakes_a_waiting_receive():
    """Starlette's StreamingResponse listens for the disconnect with a
    receive() that waits while the response streams."""
    events = []

    async def app(scope, receive, send):
        assert (await receive())['more_body'] is False

        async def listen():
            events.append((await receive())['type'])
        task = asyncio.ensure_future(listen())
        await send({'type': 'http.response.start', 'status': 200})
        await send({'type': 'http.response.body', 'body': b'x', 'more_body': True})
        await task

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        await reader.readexactly(1)
        writer.close()
        for _ in range(200):
            if events:
                break
            await asyncio.sleep(0.02)
    serve(app, client)
    assert events == ['http.disconnect']


def test_body_in_pieces_with_more_body():
    pieces = []

    async def app(scope, receive, send):
        more = True
        while more:
            message = await receive()
            pieces.append(message['body'])
            more = message['more_body']
        await text_app(b''.join(pieces))(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')
        for part in (b'abc', b'defg', b'h'):
            writer.write(b'%x\r\n%s\r\n' % (len(part), part))
            await writer.drain()
            await asyncio.sleep(0.05)
        writer.write(b'0\r\n\r\n')
        response = await read_response(reader)
        writer.close()
        return response
    status, headers, body, raw = serve(app, client)
    assert body == b'abcdefgh'
    assert pieces[-1] == b'' or b''.join(pieces) == b'abcdefgh'
    assert len([p for p in pieces if p]) >= 2     # it came in more than one message


def test_unread_rest_of_body_is_dropped_and_the_connection_goes_on():
    async def app(scope, receive, send):
        if scope['method'] == 'POST':
            first = await receive()
            assert first['more_body']
        await text_app(b'early')(scope, receive, send)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n')
        writer.write(b'z' * 1000)
        first = await read_response(reader)
        writer.write(b'z' * 299000)
        writer.write(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        second = await read_response(reader)
        writer.close()
        return first[2], second[2]
    assert serve(app, client) == (b'early', b'early')


def test_a_pipelined_answer_waits_for_its_turn_within_bounds():
    """The second of two pipelined requests streams 8 MiB while the first
    is still being answered: its send() waits once 64 KiB are held for it
    (the response's write() said False), and every byte arrives in order."""
    release = LateEvent()
    progress = []
    chunk = b'p' * 65536

    async def app(scope, receive, send):
        if scope['type'] != 'http':
            return
        if scope['path'] == '/first':
            await release.wait()
            await text_app(b'first')(scope, receive, send)
            return
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'%d' % (128 * len(chunk)))]})
        for i in range(128):
            await send({'type': 'http.response.body', 'body': chunk, 'more_body': i < 127})
            progress.append(i)

    async def client(server):
        reader, writer = await connect(server)
        writer.write(b'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n')
        await asyncio.sleep(0.3)
        held = len(progress)
        release.set()
        first = await read_response(reader)
        second = await read_response(reader)
        writer.close()
        return held, first[2], len(second[2])
    held, first, length = serve(app, client)
    assert held <= 2
    assert first == b'first'
    assert length == 128 * len(chunk)
