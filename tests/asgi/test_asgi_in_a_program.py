"""pyuvnet.asgi and pyuvnet.wsgi servers in a program, as http.createServer:
``createServer(app).listen(...)`` then a plain ``net.run()`` serves (ASGI
on an asyncio loop pyuvnet starts and runs for it), the lifespan runs
around it, and ``net.run()`` returns once the server closed.  Each case
runs in a child interpreter, so that the asyncio loop it leaves behind is
not this process's."""
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.timeout(60)

CLIENT = '''
import socket, sys, threading

def fetch(port, path):
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        sock.sendall(b'GET %s HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' % path)
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data.split(b'\\r\\n\\r\\n', 1)[1]
            data += chunk

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


def run_child(code):
    out = subprocess.run([sys.executable, '-c', CLIENT + textwrap.dedent(code)],
                         capture_output=True, text=True, timeout=50)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


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
