"""What the fuzz tests share (tests/net/test_api_fuzz.py, its regressions in
test_found_by_random_tests.py, tests/stress): the special numbers, a fake
getaddrinfo, settle(), and the check that only coded errors escape."""
import warnings

from hypothesis import strategies as st

import pyuvnet as net


CALLS = {'count': 0}


class StrSubclass(str):
    pass


SPECIAL_NUMBERS = st.sampled_from([
    10**400, -10**400, 2**31, 2**31 - 1, 2**32, 2**53, 2**63, 2**64, -1, 0, 1, 65535, 65536,
    1e300, -1e300, float('nan'), float('inf'), float('-inf'), 0.5, -0.0, 1e-300])


def fake_getaddrinfo(host, family, flags, callback):
    """getaddrinfo that knows 'localhost' only, answering asynchronously."""
    if host == 'localhost' and family in (0, 4):
        net.setImmediate(callback, 0, [('127.0.0.1', 4)])
    else:
        net.setImmediate(callback, -3008, [])    # UV_EAI_NONAME
    return 0


def settle(turns=4):
    """A few turns of the loop; whatever a call left behind must not raise."""
    loop = net.get_loop()
    for _ in range(turns):
        loop.run_once(False)


def coded_or_arity(call, arity_drawn=False):
    """Run ``call``; the only allowed failures are coded errors (and
    Python's arity TypeError when the argument count was drawn)."""
    CALLS['count'] += 1
    try:
        with warnings.catch_warnings():
            # A keep-alive delay under a second is taken, with a warning,
            # as newest Node does: the call goes on (pytest would make the
            # warning an error, pyproject.toml).
            warnings.simplefilter('ignore', net.KeepAliveWarning)
            call()
    except net.NodeError as err:
        assert err.code, 'NodeError without a code: %r' % (err,)
    except OSError as err:
        assert getattr(err, 'code', None), 'OSError without a code: %r' % (err,)
    except TypeError as err:
        assert arity_drawn and 'argument' in str(err) and not hasattr(err, 'code'), (
            'uncoded TypeError: %r' % (err,))
    settle()
