"""The app tests/serve/test_serve_logs.py runs under uvicorn and under
`pyuvnet serve`: a WebSocket echo on /ws, and on /boom, /deny and /none
an app that raises, closes before accepting, and returns before
accepting; 'hi' over HTTP."""


async def websocket_app(scope, receive, send):
    if scope['type'] == 'websocket':
        await receive()
        if scope['path'] == '/boom':
            raise RuntimeError('the app fails')
        if scope['path'] == '/deny':
            await send({'type': 'websocket.close'})
            return
        if scope['path'] == '/none':
            return
        await send({'type': 'websocket.accept'})
        message = await receive()
        await send({'type': 'websocket.send', 'text': message.get('text')})
        await receive()
    elif scope['type'] == 'http':
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-length', b'2')]})
        await send({'type': 'http.response.body', 'body': b'hi'})
