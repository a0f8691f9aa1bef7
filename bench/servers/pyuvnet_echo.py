"""Echo server on pyuvnet, written as on Node's net.

    pyuvnet_echo.py [--idiom | --pipe] [PATH]

By default each socket echoes from a Python callback,
``sock.on('data', lambda data: sock.write(data))``, as a real server runs
Python on every read. ``--idiom`` is ``sock.on('data', sock.write)``: the
sole listener is the socket's own write, which pyuvnet recognises and runs
in C without a ``bytes`` or a Python call per read. ``--pipe`` is
``sock.pipe(sock)`` (Node's stream piping, with its backpressure, also in C).
"""
from common import parse_args, serve_pyuvnet


def ignore(_err):
    """A client's reset must not end the server (Node would crash too)."""


def echo_by_callback(sock):
    sock.on('error', ignore)
    sock.on('data', lambda data: sock.write(data))


def echo_by_write(sock):
    sock.on('error', ignore)
    sock.on('data', sock.write)


def echo_by_pipe(sock):
    sock.on('error', ignore)
    sock.pipe(sock)


def main():
    args = parse_args(__doc__,
                      (('--idiom',), {'action': 'store_true',
                                      'help': "echo with sock.on('data', sock.write)"}),
                      (('--pipe',), {'action': 'store_true',
                                     'help': 'echo with sock.pipe(sock)'}),
                      (('--callback',), {'action': 'store_true',
                                         'help': 'the default, a Python callback (older '
                                                 'commands)'}))
    handler = echo_by_pipe if args.pipe else echo_by_write if args.idiom else echo_by_callback
    serve_pyuvnet(handler, args.path)


if __name__ == '__main__':
    main()
