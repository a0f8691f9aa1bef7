"""The stress mode and what the stress tests share."""
import os
import resource

MODE = os.environ.get('PYUVNET_STRESS', 'short')
if MODE not in ('short', 'long'):
    raise RuntimeError('PYUVNET_STRESS is short or long, not %r' % (MODE,))


def scaled(short, long):
    """The figure of the current mode."""
    return long if MODE == 'long' else short


def fds_available():
    """How many more fds this process may open, at most (the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = hard if hard != resource.RLIM_INFINITY else 1 << 20
    return limit - len(os.listdir('/proc/self/fd'))


def raise_fd_limit(more):
    """Raise RLIMIT_NOFILE so that ``more`` fds can open beside those open
    now (the hard limit too, which root may); returns the limits to restore."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = len(os.listdir('/proc/self/fd')) + more
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
                return soft, hard
            except (ValueError, OSError):
                raise RuntimeError('RLIMIT_NOFILE hard limit %d < %d fds needed' % (hard, needed))
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return soft, hard
