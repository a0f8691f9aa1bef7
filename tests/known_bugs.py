"""Known bugs of main that the random-sequence and fuzz tests catch, in one
place (issue 13).

While a bug below is open, tests/sequences.py keeps away from the one call
that shows it, and tests/test_api_fuzz.py from the values that show it;
tests/test_known_bugs.py replays what the random tests reported as strict
xfails. When the fix merges, those xfails pass, strict turns them red: then
delete the bug's line here and its marks, and the random tests cover that
ground again.

PYUVNET_KNOWN_BUGS=expose lifts every avoidance: the random tests then show
the bugs (that is how the falsifying examples in the report were found).
"""
import os

import pytest

ISSUE_9_17 = "issue 9 item 17: resume() after destroy() with input buffered emits 'data'/'end' after 'close'"
ISSUE_9_18 = 'issue 9 item 18: setTimeout() on a destroyed socket arms a timer'
ISSUE_9_14 = 'issue 9 item 14: a huge keep-alive delay (1e300) raises OverflowError'
ISSUE_9_6 = 'issue 9 item 6: a bool port is ERR_SOCKET_BAD_PORT, not ERR_INVALID_ARG_TYPE'
ISSUE_9_20 = 'issue 9 item 20: huge integers (10**400) escape as uncoded OverflowError'
# Found by the tests of issue 13, in no issue yet (reported with issue 13):
FOUND_UNHASHABLE_EVENT = ('found by the fuzz tests: EventEmitter.on([], f) raises an uncoded '
                          "TypeError (unhashable type: 'list'); Node takes any event name")
FOUND_RACE_FD_LEAK = ("found by the stress tests: destroy() inside 'connectionAttempt' of a "
                      'Happy Eyeballs race leaves that attempt\'s socket open (one fd per race)')

OPEN = () if os.environ.get('PYUVNET_KNOWN_BUGS') == 'expose' else (
    ISSUE_9_17, ISSUE_9_18, ISSUE_9_14, ISSUE_9_6, ISSUE_9_20, FOUND_UNHASHABLE_EVENT,
    FOUND_RACE_FD_LEAK)


def xfail(bug):
    """The strict xfail mark of a case that shows ``bug`` while it is open."""
    return pytest.mark.xfail(bug in OPEN, strict=True, reason=bug)


def xfail_when_seen(bug):
    """For a stress case that shows ``bug`` only under some timings: not
    strict (its strict replay is in tests/test_known_bugs.py)."""
    return pytest.mark.xfail(bug in OPEN, strict=False, reason=bug + ' (timing-dependent here)')


def fuzz_allows(value):
    """Whether the fuzz tests may draw ``value`` (nested values included)
    while the bugs it would show are open."""
    if isinstance(value, (list, tuple)):
        return all(fuzz_allows(item) for item in value)
    if isinstance(value, dict):
        return all(fuzz_allows(item) for item in value.values())
    if ISSUE_9_20 in OPEN or ISSUE_9_14 in OPEN:
        # setKeepAlive(True, 2**32 * 1000) overflows libuv's unsigned
        # seconds at connect: every number from 2**31 on stays out.
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 2**31:
            return False
    if ISSUE_9_20 in OPEN and isinstance(value, str) and type(value) is not str:
        return False
    return True


def resume_avoided(sock):
    return ISSUE_9_17 in OPEN and sock.destroyed


def set_timeout_avoided(sock):
    return ISSUE_9_18 in OPEN and sock.destroyed


def event_name_allowed(name):
    if FOUND_UNHASHABLE_EVENT not in OPEN:
        return True
    try:
        hash(name)
    except TypeError:
        return False
    return True
