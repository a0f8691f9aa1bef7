"""Echo server on pyuvnet, written as on Node's net.

    pyuvnet_echo.py [--pipe | --callback] [PATH]

By default each socket echoes with ``sock.on('data', sock.write)``; with
``--pipe`` it is ``sock.pipe(sock)`` (Node's stream piping, with its
backpressure); with ``--callback`` the listener is a Python function that
calls ``sock.write(data)`` (the idiom of code that looks at the data).
"""
from common import parse_args, serve_pyuvnet


def ignore(_err):
    """A client's reset must not end the server (Node would crash too)."""


def echo_by_write(sock):
    sock.on('error', ignore)
    sock.on('data', sock.write)


def echo_by_callback(sock):
    sock.on('error', ignore)

    def on_data(data):
        sock.write(data)
    sock.on('data', on_data)


def echo_by_pipe(sock):
    sock.on('error', ignore)
    sock.pipe(sock)


def main():
    args = parse_args(__doc__, (('--pipe',), {'action': 'store_true',
                                              'help': 'echo with sock.pipe(sock)'}),
                      (('--callback',), {'action': 'store_true',
                                         'help': 'echo from a Python data listener'}))
    echo = echo_by_pipe if args.pipe else echo_by_callback if args.callback else echo_by_write
    serve_pyuvnet(echo, args.path)


if __name__ == '__main__':
    main()
