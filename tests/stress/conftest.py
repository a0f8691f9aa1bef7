"""The stress tests (issue 13), collected only when PYUVNET_STRESS is set
(`make stress`: short; `PYUVNET_STRESS=long make stress` for releases).

Each test is bounded in count and in time (the per-test timeout below, and
each run of the loop has its own watchdog), uses loopback and unix sockets
only, and records its figures, which go to build/stress-figures-<mode>.json
(docs/RELIABILITY.md quotes the long run's)."""
import json
import os
import time

import pytest

from stress_support import MODE, scaled

FIGURES = {}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker('timeout') is None:
            item.add_marker(pytest.mark.timeout(scaled(900, 7200)))


@pytest.fixture
def figures(request):
    """``figures(name=value, ...)`` records this test's figures."""
    started = time.monotonic()
    record = {}
    FIGURES[request.node.nodeid] = record

    def add(**values):
        record.update(values)
    yield add
    record['seconds'] = round(time.monotonic() - started, 2)


def pytest_sessionfinish(session):
    if not FIGURES:
        return
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.makedirs(os.path.join(root, 'build'), exist_ok=True)
    path = os.path.join(root, 'build', 'stress-figures-%s.json' % MODE)
    with open(path, 'w') as f:
        json.dump(FIGURES, f, indent=1, sort_keys=True)


def pytest_terminal_summary(terminalreporter):
    for nodeid, record in FIGURES.items():
        terminalreporter.write_line('stress %s: %s' % (nodeid.split('::')[-1], json.dumps(record, sort_keys=True)))
