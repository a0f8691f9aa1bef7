"""The supervisor's command-line flags, and what it reads of the options.

Each accessor is named after the attribute of uvicorn's ``Config`` (or
gunicorn's setting) it reads, so that the options object may be the
parsed command line or a ``Config``.
"""
__all__ = ['add_supervisor_flags', 'limit_max_requests', 'reload_delay', 'reload_dirs',
           'reload_excludes', 'reload_includes', 'timeout_for', 'workers_wanted']

# uvicorn's pause between checks for a change (uvicorn/config.py).
DEFAULT_RELOAD_DELAY = 0.25
# gunicorn's --timeout default.
DEFAULT_TIMEOUT = 30


def add_supervisor_flags(parser):
    """The flags of the primary: reload (uvicorn's), --timeout (gunicorn's),
    --limit-max-requests (uvicorn's).  A flag the parser has already is
    left to it (its help is the option table's)."""
    def add(flag, **kwargs):
        if flag not in parser._option_string_actions:
            parser.add_argument(flag, **kwargs)
    add('--reload', action='store_true',
        help='restart the workers when a file of the app changes')
    add('--reload-dir', action='append', dest='reload_dirs', metavar='DIR',
        help='a directory to watch (default: the current one; repeatable)')
    add('--reload-include', action='append', dest='reload_includes', metavar='GLOB',
        help="a file pattern to watch (default '*.py'; repeatable)")
    add('--reload-exclude', action='append', dest='reload_excludes', metavar='GLOB',
        help="a file pattern not to watch (default '.*, .py[cod], .sw.*, ~*'; repeatable)")
    add('--reload-delay', type=float, default=DEFAULT_RELOAD_DELAY, metavar='S',
        help='seconds between checks for changes (default 0.25)')
    add('--timeout', type=float, default=DEFAULT_TIMEOUT, metavar='S',
        help='WSGI: replace a worker whose every app thread has been busy this long '
             '(gunicorn\'s; default 30, 0 never)')
    add('--limit-max-requests', type=int, default=None, metavar='N',
        help='replace a worker after it has served N requests')


def workers_wanted(options):
    return options.workers


def limit_max_requests(options):
    return getattr(options, 'limit_max_requests', None)


def timeout_for(options, interface):
    """gunicorn's ``timeout`` (0: none); it is WSGI's only (an ASGI app
    never blocks its loop for long without being broken)."""
    return (getattr(options, 'timeout', 0) or 0) if interface == 'wsgi' else 0


def reload_dirs(options):
    return list(getattr(options, 'reload_dirs', None) or ['.'])


def reload_includes(options):
    return list(getattr(options, 'reload_includes', None) or ())


def reload_excludes(options):
    return list(getattr(options, 'reload_excludes', None) or ())


def reload_delay(options):
    return getattr(options, 'reload_delay', None) or DEFAULT_RELOAD_DELAY
