"""The download cell's ASGI app (bench/h2load_serve.py): every request gets
64 MiB in 1 MiB body messages, the same bytes over HTTP/1.1 and HTTP/2,
so the two protocols' cost per byte can be compared on one server.

    pyuvnet serve download_app:app
"""
SIZE = 64 * 1024 * 1024
CHUNK = b'x' * (1024 * 1024)
HEADERS = [(b'content-type', b'application/octet-stream'), (b'content-length', b'%d' % SIZE)]


async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    await send({'type': 'http.response.start', 'status': 200, 'headers': HEADERS})
    left = SIZE
    while left:
        left -= len(CHUNK)
        await send({'type': 'http.response.body', 'body': CHUNK, 'more_body': left > 0})
