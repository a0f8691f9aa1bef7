"""The stress mode and what the stress tests share."""
import os
import resource

MODE = os.environ.get('PYUVNET_STRESS', 'short')
if MODE not in ('short', 'long'):
    raise RuntimeError('PYUVNET_STRESS is short or long, not %r' % (MODE,))


def scaled(short, long):
    """The figure of the current mode."""
    return long if MODE == 'long' else short


def raise_fd_limit(needed):
    """Raise RLIMIT_NOFILE's soft limit to at least ``needed`` (up to the
    hard limit); returns the limits to restore."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise RuntimeError('RLIMIT_NOFILE hard limit %d < %d fds needed' % (hard, needed))
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return soft, hard
