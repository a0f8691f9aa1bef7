"""``python -m pyuvnet serve MODULE:ATTR`` (docs/ASGI.md)."""
import sys

USAGE = '''usage: pyuvnet [--help] [--version] serve MODULE:ATTR [options]

commands:
  serve    serve an ASGI 3 or WSGI application (pyuvnet serve --help)
'''


def main(argv=None):
    """pyuvnet's command line; its one command is ``serve``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ('-h', '--help'):
        sys.stdout.write(USAGE)
        return 0
    if argv and argv[0] == '--version':
        from pyuvnet.serve._flags import version_line
        print(version_line())
        return 0
    if not argv or argv[0] != 'serve':
        # argparse's words for a subcommand, as uvicorn's click says its own.
        sys.stderr.write(USAGE + '\npyuvnet: error: %s\n' % (
            "unknown command '%s' (choose from 'serve')" % argv[0] if argv
            else 'a command is required (serve)'))
        return 2
    from pyuvnet.serve import main as serve_main
    return serve_main(argv[1:])


if __name__ == '__main__':
    sys.exit(main())
