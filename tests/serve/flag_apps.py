"""The app of the flag tests (tests/serve/test_serve_flag_meanings.py): it
answers with the scope's type, a context variable's value and its
process id; it accepts a WebSocket and closes it."""
import contextvars
import os
import time

from pyuvnet import cluster

# Set at import, in the server's own context: a request run in a copy of
# it sees 'import', one in an empty context the default.
seen = contextvars.ContextVar('seen', default='fresh')
seen.set('import')

# A worker forked while this file exists never finishes its import (the
# supervisor's healthcheck test makes it exist before a reload).
STALL = os.environ.get('FLAG_APPS_STALL')
if STALL and cluster.isWorker and os.path.exists(STALL):
    time.sleep(60)


async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        return      # (no lifespan: as uvicorn, the server goes on without)
    if scope['type'] == 'websocket':
        await send({'type': 'websocket.accept'})
        await send({'type': 'websocket.close'})
        return
    body = ('%s %s %d' % (scope['type'], seen.get(), os.getpid())).encode()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})
