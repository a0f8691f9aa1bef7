"""``python -m pyuvnet serve MODULE:ATTR`` (docs/ASGI.md)."""
import sys


def main(argv=None):
    """pyuvnet's command line; its one command is ``serve``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != 'serve':
        print('usage: pyuvnet serve MODULE:ATTR [options]   (pyuvnet serve --help)',
              file=sys.stderr)
        return 2
    from pyuvnet.serve import main as serve_main
    return serve_main(argv[1:])


if __name__ == '__main__':
    sys.exit(main())
