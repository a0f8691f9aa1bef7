"""Apps whose workers run with few file descriptors left (tests/serve/
test_serve_fd_limit.py): RLIMIT_NOFILE is lowered, in a worker only, to
what it holds once imported plus FREE_FDS."""
import os
import resource

from pyuvnet import cluster

FREE_FDS = 12

if cluster.isWorker:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # New fds take the lowest numbers free, and the limit bounds the number
    # (an fd above it, as the channel's may be, stays usable).
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (len(os.listdir('/proc/self/fd')) + FREE_FDS, hard))


def wsgi_app(environ, start_response):
    body = b'%d' % os.getpid()
    start_response('200 OK', [('Content-Length', str(len(body)))])
    return [body]


async def asgi_app(scope, receive, send):
    if scope['type'] != 'http':
        return
    body = b'%d' % os.getpid()
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})
