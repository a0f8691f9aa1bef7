"""What the supervisor reads of a Config (pyuvnet/_app_config.py): each accessor is
named after the attribute it reads (uvicorn.Config's names, gunicorn's
``timeout``)."""
__all__ = ['limit_max_requests', 'reload_delay', 'reload_dirs',
           'reload_excludes', 'reload_includes', 'timeout_for', 'workers_wanted']

# uvicorn's pause between checks for a change (uvicorn/config.py).
DEFAULT_RELOAD_DELAY = 0.25


def workers_wanted(options):
    return options.workers


def limit_max_requests(options):
    return getattr(options, 'limit_max_requests', None)


def timeout_for(options, interface):
    """gunicorn's ``timeout`` (0: none): how long a worker may go without
    an app thread free (WSGI) or its loop turning (ASGI).  An ASGI app's
    workers are watched when there are several, as uvicorn's
    multiprocess supervisor watches its own; its single process and
    ``--reload``'s worker are not (a breakpoint stops the loop there)."""
    timeout = getattr(options, 'timeout', 0) or 0
    return timeout if interface == 'wsgi' or workers_wanted(options) > 1 else 0


def reload_dirs(options):
    return list(getattr(options, 'reload_dirs', None) or ['.'])


def reload_includes(options):
    return list(getattr(options, 'reload_includes', None) or ())


def reload_excludes(options):
    return list(getattr(options, 'reload_excludes', None) or ())


def reload_delay(options):
    return getattr(options, 'reload_delay', None) or DEFAULT_RELOAD_DELAY
