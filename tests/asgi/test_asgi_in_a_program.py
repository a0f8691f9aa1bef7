"""pyuvnet.asgi and pyuvnet.wsgi servers in a program, as http.createServer:
``createServer(app).listen(...)`` then a plain ``net.run()`` serves (ASGI
on an asyncio loop pyuvnet starts and runs for it), the lifespan runs
around it, and ``net.run()`` returns once the server closed.  Each case
runs in a child interpreter, so that the asyncio loop it leaves behind is
not this process's."""
import inspect
import subprocess
import sys
import textwrap

import pytest

from support import recv_all

pytestmark = pytest.mark.timeout(60)

CLIENT = inspect.getsource(recv_all) + '''
import socket, sys, threading

def fetch(port, path):
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(b'GET %s HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' % path)
        return recv_all(sock).split(b'\\r\\n\\r\\n', 1)[1]

def talk(port, paths):
    for path in paths:
        sys.stdout.write(fetch(port, path).decode() + '\\n')     # one write per line
        sys.stdout.flush()


class Client:
    """The client's thread."""

    def start(self, port, paths):
        self.thread = threading.Thread(target=talk, args=(port, paths))
        self.thread.start()

    def join(self):
        self.thread.join(20)


client = Client()


def close_after(server, last):
    """The server closes once its request for ``last`` came (on the loop's
    thread: pyuvnet's calls are not thread-safe)."""
    server.on('request', lambda req, res: req.url == last and server.close())
'''


def run_child(code, words=True):
    """The child's output, as words (else as lines)."""
    out = subprocess.run([sys.executable, '-c', CLIENT + textwrap.dedent(code)],
                         capture_output=True, text=True, timeout=50)
    assert out.returncode == 0, out.stderr
    return out.stdout.split() if words else out.stdout.splitlines()


def test_an_asgi_server_serves_under_net_run_with_its_lifespan():
    got = run_child('''
        import asyncio
        import pyuvnet as net
        from pyuvnet import asgi

        async def app(scope, receive, send):
            if scope['type'] == 'lifespan':
                while True:
                    message = await receive()
                    sys.stdout.write(message['type'] + '\\n')
                    sys.stdout.flush()
                    await send({'type': message['type'] + '.complete'})
                    if message['type'] == 'lifespan.shutdown':
                        return
            await asyncio.sleep(0.01)       # the app really waits on asyncio
            body = scope['path'].encode()
            await send({'type': 'http.response.start', 'status': 200,
                        'headers': [(b'content-length', b'%d' % len(body))]})
            await send({'type': 'http.response.body', 'body': body})

        server = asgi.createServer(app)

        close_after(server, '/b')

        def listening():
            port = server.address().port
            client.start(port, [b'/a', b'/b'])
        server.listen(0, '127.0.0.1', listening)
        net.run()
        client.join()
        print('ran', flush=True)
    ''')
    # (The client thread's last line and the shutdown's may come either way.)
    assert (got[0], sorted(got[1:-1]), got[-1]) == (
        'lifespan.startup', ['/a', '/b', 'lifespan.shutdown'], 'ran')


def test_a_wsgi_server_serves_under_net_run():
    assert run_child('''
        import pyuvnet as net
        from pyuvnet import wsgi

        def app(environ, start_response):
            body = environ['PATH_INFO'].encode()
            start_response('200 OK', [('Content-Length', str(len(body)))])
            return [body]

        server = wsgi.createServer(app, threads=2)

        close_after(server, '/w')

        def listening():
            port = server.address().port
            client.start(port, [b'/w'])
        server.listen(0, '127.0.0.1', listening)
        net.run()
        client.join()
        print('ran', flush=True)
    ''') == ['/w', 'ran']


def test_a_wsgi_server_under_net_run_makes_no_asyncio_loop():
    # A streamed body read through wsgi.input on a worker thread, an app
    # that fails (500), and the close waiting for the slow request still
    # running on its thread: all without an asyncio loop being made.
    got = run_child('''
        import asyncio, time
        import pyuvnet as net
        from pyuvnet import aio, wsgi

        made = []
        base_init = asyncio.BaseEventLoop.__init__
        def counting_init(self, *args, **kwargs):
            made.append(self)
            base_init(self, *args, **kwargs)
        asyncio.BaseEventLoop.__init__ = counting_init
        main_thread = threading.get_ident()

        def app(environ, start_response):
            assert threading.get_ident() != main_thread
            path = environ['PATH_INFO']
            if path == '/fail':
                raise ValueError('the app fails')
            if path == '/slow':
                time.sleep(0.2)    # the server closes meanwhile: 'close' waits
                print('slept', flush=True)
            body = b'%s:%s' % (path.encode(), b'|'.join(environ['wsgi.input'].readlines()))
            start_response('200 OK', [('Content-Length', str(len(body)))])
            return [body]

        def streamed(port):
            with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
                sock.sendall(b'POST /up HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n'
                             b'Connection: close\\r\\n\\r\\n')
                for part in (b'a\\nb', b'c\\n', b'd'):
                    time.sleep(0.05)
                    sock.sendall(b'%x\\r\\n%s\\r\\n' % (len(part), part))
                sock.sendall(b'0\\r\\n\\r\\n')
                data = recv_all(sock)
            head, body = data.split(b'\\r\\n\\r\\n', 1)
            print(head.split()[1].decode(), body.decode().replace('\\n', '/'), flush=True)

        def talk(port):
            streamed(port)
            print('fail', fetch(port, b'/fail').decode() or '-', flush=True)
            sys.stdout.write(fetch(port, b'/slow').decode() + '\\n')
            sys.stdout.flush()

        server = wsgi.createServer(app, threads=2)
        # One write each (print() writes its end apart): the client's line
        # for /slow comes from another thread at about the same time.
        server.on('close', lambda: (sys.stdout.write('closed\\n'), sys.stdout.flush()))
        close_after(server, '/slow')
        thread = threading.Thread(target=lambda: talk(server.address().port))
        server.listen(0, '127.0.0.1', thread.start)
        net.run()
        thread.join(20)
        print('ran', len(made), aio.installed(), flush=True)
    ''')
    assert got[:2] == ['200', '/up:a/|bc/|d']
    # (The client's line for /slow and 'close' may come either way.)
    assert sorted(got[-5:-3]) == ['/slow:', 'closed'] and got[-3:] == ['ran', '0', 'None']
    assert got[2:7] == ['fail', 'Internal', 'Server', 'Error', 'slept']


def test_close_after_the_asyncio_loop_ended_calls_back_server_not_running():
    assert run_child('''
        import asyncio
        import pyuvnet as net
        from pyuvnet import aio, asgi

        async def app(scope, receive, send):
            pass

        server = asgi.createServer(app, lifespan='off')

        async def main():
            async with aio.attach():
                server.listen(0, '127.0.0.1')
                await aio.listening(server)
                await aio.aclose(server)
        asyncio.run(main())
        server.close(lambda error=None: print(getattr(error, 'code', None), flush=True))
        net.run()
        print('ran', flush=True)
    ''') == ['ERR_SERVER_NOT_RUNNING', 'ran']


# uvicorn 0.54 (lifespan 'auto'), run on both idioms first: an app that
# returns at once for a scope it does not serve gets "Waiting for
# application startup." and "Application startup complete." (and the
# shutdown's two lines at the end); one that
# raises (``assert scope['type'] == 'http'``) gets "ASGI 'lifespan'
# protocol appears unsupported." between them.  Both serve.
LOGGED = '''
import logging
logging.basicConfig(stream=sys.stdout, format='%(name)s:%(levelname)s:%(message)s',
                    level=logging.INFO)
'''


@pytest.mark.parametrize('idiom, said', [
    ("if scope['type'] != 'http':\n                return",
     ['INFO:Waiting for application startup.', 'INFO:Application startup complete.',
      'INFO:Waiting for application shutdown.', 'INFO:Application shutdown complete.']),
    ("assert scope['type'] == 'http'",
     ['INFO:Waiting for application startup.',
      "INFO:ASGI 'lifespan' protocol appears unsupported.",
      'INFO:Application startup complete.']),
], ids=['returns', 'raises'])
def test_an_asgi_app_without_lifespan_serves_under_net_run(idiom, said):
    got = run_child(textwrap.indent(LOGGED, ' ' * 8) + '''
        import pyuvnet as net
        from pyuvnet import asgi

        async def app(scope, receive, send):
            %s
            body = scope['path'].encode()
            await send({'type': 'http.response.start', 'status': 200,
                        'headers': [(b'content-length', str(len(body)).encode())]})
            await send({'type': 'http.response.body', 'body': body})

        server = asgi.createServer(app)
        close_after(server, '/b')
        server.listen(0, '127.0.0.1', lambda: client.start(server.address().port, [b'/a', b'/b']))
        net.run()
        client.join()
        print('ran', flush=True)
    ''' % idiom, words=False)
    assert [line[len('uvicorn.error:'):] for line in got
            if line.startswith('uvicorn.error:')] == said
    assert [line for line in got if ':' not in line] == ['/a', '/b', 'ran']


TURNS = '''
from pyuvnet._internal import aio_bridge as _aio_bridge
turns = [0]
base_turn = _aio_bridge.Bridge._turn
def counted_turn(self):
    turns[0] += 1
    base_turn(self)
_aio_bridge.Bridge._turn = counted_turn
'''


@pytest.mark.parametrize('where', ['timer', 'app'])
@pytest.mark.parametrize('lifespan', ['auto', 'off'])
def test_net_stop_makes_net_run_return_while_an_asgi_server_serves(where, lifespan):
    # http.createServer's program returns at once too; the server is still
    # there, and a second net.run() serves on until it closes.  While run()
    # waits for the timer, the asyncio loop sleeps: a few bridge turns, not
    # the thousands of a selector polled with a zero timeout.
    got = run_child(textwrap.indent(TURNS, ' ' * 8) + '''
        import pyuvnet as net
        from pyuvnet import asgi

        WHERE = %r

        async def app(scope, receive, send):
            if scope['type'] != 'http':
                return
            if WHERE == 'app':
                net.stop()
            body = scope['path'].encode()
            await send({'type': 'http.response.start', 'status': 200,
                        'headers': [(b'content-length', str(len(body)).encode())]})
            await send({'type': 'http.response.body', 'body': body})

        server = asgi.createServer(app, lifespan=%r)

        def listening():
            if WHERE == 'timer':
                net.setTimeout(net.stop, 300)
            else:
                client.start(server.address().port, [b'/a'])
        server.listen(0, '127.0.0.1', listening)
        net.run()
        client.join() if WHERE == 'app' else None
        print('stopped', turns[0] < 50, server.listening, flush=True)
        close_after(server, '/b')
        client.start(server.address().port, [b'/b'])
        net.run()
        client.join()
        print('ran', server.listening, flush=True)
    ''' % (where, lifespan))
    assert got == (['/a'] if where == 'app' else []) + [
        'stopped', 'True', 'True', '/b', 'ran', 'False']
