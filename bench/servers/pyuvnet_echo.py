"""Echo server on pyuvnet, written as on Node's net.

    pyuvnet_echo.py [--pipe] [PATH]

By default each socket echoes with ``sock.on('data', sock.write)``; with
``--pipe`` it is ``sock.pipe(sock)`` (Node's stream piping, with its
backpressure).
"""
from common import parse_args, serve_pyuvnet


def ignore(_err):
    """A client's reset must not end the server (Node would crash too)."""


def echo_by_write(sock):
    sock.on('error', ignore)
    sock.on('data', sock.write)


def echo_by_pipe(sock):
    sock.on('error', ignore)
    sock.pipe(sock)


def main():
    args = parse_args(__doc__, (('--pipe',), {'action': 'store_true',
                                              'help': 'echo with sock.pipe(sock)'}))
    serve_pyuvnet(echo_by_pipe if args.pipe else echo_by_write, args.path)


if __name__ == '__main__':
    main()
