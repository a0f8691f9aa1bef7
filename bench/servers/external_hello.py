"""The hello apps (hello_apps.py) served by another project's server as its
own command line serves it, with one worker:

    external_hello.py granian-asgi|granian-rsgi|granian-h2|hypercorn-h2|
                      fastpysgi-asgi|fastpysgi-wsgi|NAME-fastapi|NAME-flask

(the -fastapi and -flask names are the headline's, bench/runner/headline.py:
hello_apps.py's FastAPI and Flask apps as a user serves them, access log off)

These servers bind the port they are given: this script picks a free one,
starts the server as its child (the runner counts a server's CPU over its
whole process tree, so granian's worker process is counted; this script
only waits), prints the port once the server accepts connections, and
stops the server when it is stopped itself.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from common import HOST, announce

HERE = Path(__file__).resolve().parent
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
# name -> (console script's module, argv after it; {port} filled in).
COMMANDS = {
    # uvloop, as uvicorn's cells run; granian's default runtime of one thread.
    'granian-asgi': ('granian', ['--interface', 'asgi', '--loop', 'uvloop', '--workers', '1',
                                 '--no-ws', '--log-level', 'warning', '--host', HOST,
                                 '--port', '{port}', 'hello_apps:app']),
    'granian-rsgi': ('granian', ['--interface', 'rsgi', '--loop', 'uvloop', '--workers', '1',
                                 '--no-ws', '--log-level', 'warning', '--host', HOST,
                                 '--port', '{port}', 'hello_apps:rsgi_app']),
    # The HTTP/2 peers of bench/h2load_serve.py: granian's default --http
    # auto and hypercorn both take h2c with prior knowledge.
    'granian-h2': ('granian', ['--interface', 'asgi', '--loop', 'uvloop', '--workers', '1',
                               '--http', 'auto', '--no-ws', '--log-level', 'warning',
                               '--host', HOST, '--port', '{port}', 'hello_apps:app']),
    'hypercorn-h2': ('hypercorn', ['--config', 'python:hypercorn_h2_config',
                                   '--workers', '1', '--worker-class', 'uvloop',
                                   '--log-level', 'warning', '--bind', HOST + ':{port}',
                                   'hello_apps:app']),
    # fastpysgi's command line tells ASGI from WSGI by the callable.
    'fastpysgi-asgi': ('fastpysgi', ['hello_apps:app', '--host', HOST, '--port', '{port}']),
    'fastpysgi-wsgi': ('fastpysgi', ['hello_apps:wsgi_app', '--host', HOST, '--port', '{port}']),
    # The headline's: FastAPI as a user runs it today...
    'pyuvnet-fastapi': ('pyuvnet', ['serve', '--no-access-log', '--log-level', 'warning',
                                    '--host', HOST, '--port', '{port}', 'hello_apps:fastapi_app']),
    'pyuvnet-fastapi-workers': ('pyuvnet', ['serve', '--workers', '2', '--no-access-log',
                                            '--log-level', 'warning', '--host', HOST,
                                            '--port', '{port}', 'hello_apps:fastapi_app']),
    'uvicorn-fastapi': ('uvicorn', ['--no-access-log', '--log-level', 'warning', '--host', HOST,
                                    '--port', '{port}', 'hello_apps:fastapi_app']),
    'granian-fastapi': ('granian', ['--interface', 'asgi', '--loop', 'uvloop', '--workers', '1',
                                    '--no-ws', '--log-level', 'warning', '--host', HOST,
                                    '--port', '{port}', 'hello_apps:fastapi_app']),
    'gunicorn-uvicorn-fastapi': ('gunicorn', ['-k', 'uvicorn.workers.UvicornWorker', '-w', '1',
                                              '--log-level', 'warning', '-b', HOST + ':{port}',
                                              'hello_apps:fastapi_app']),
    'pyuvnet-h2': ('pyuvnet', ['serve', '--no-access-log', '--log-level', 'warning',
                               '--host', HOST, '--port', '{port}', 'hello_apps:app']),
    # ... and Flask: pyuvnet's default of one app thread, gunicorn's sync
    # worker and its gthread worker with four threads, one process each.
    'pyuvnet-flask': ('pyuvnet', ['serve', '--no-access-log', '--log-level', 'warning',
                                  '--host', HOST, '--port', '{port}', 'hello_apps:flask_app']),
    'gunicorn-sync-flask': ('gunicorn', ['-k', 'sync', '-w', '1', '--log-level', 'warning',
                                         '-b', HOST + ':{port}', 'hello_apps:flask_app']),
    'gunicorn-gthread-flask': ('gunicorn', ['-k', 'gthread', '--threads', '4', '-w', '1',
                                            '--log-level', 'warning', '-b', HOST + ':{port}',
                                            'hello_apps:flask_app']),
}


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def accepting(port):
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def main(name):
    script, args = COMMANDS[name]
    port = free_port()
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(filter(None, (str(HERE), env.get('PYTHONPATH'))))
    exe = Path(sys.executable).with_name(script)
    argv = [str(exe) if exe.exists() else script, *(a.format(port=port) for a in args)]
    child = subprocess.Popen(argv, cwd=HERE, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL)

    def stop(*_):
        child.send_signal(signal.SIGINT)    # both servers' graceful stop
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + READY_TIMEOUT
    while not accepting(port):
        if child.poll() is not None:
            sys.exit(f'{name} exited with status {child.returncode}')
        if time.monotonic() > deadline:
            stop()
        time.sleep(0.05)
    announce(port)
    # Polled, not wait()ed: stop() waits for the child itself, which it
    # could not do inside a wait() it interrupted (the wait holds Popen's lock).
    while child.poll() is None:
        time.sleep(0.5)
    sys.exit(child.returncode)


if __name__ == '__main__':
    main(sys.argv[1])
