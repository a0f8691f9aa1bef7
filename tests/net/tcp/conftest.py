import gc

import pytest


@pytest.fixture
def collections_see_this_test_only():
    """What the suite made before the test is frozen (gc.freeze): the
    tests' gc.collect() then costs as much late in a whole-suite run as
    alone (unfrozen, each took long enough there, under load, for a test
    that collects every turn to miss its deadline), and still frees what
    the test dropped."""
    gc.freeze()
    yield
    # What is frozen cannot be thawed in part: what is alive after the
    # test (the suite's own frozen objects among it) is frozen again.
    gc.unfreeze()
    gc.collect()
    gc.freeze()
