"""The tooling tests' shared fixture."""
import pytest


@pytest.fixture(scope='session')
def mypy_cache(tmp_path_factory):
    """One mypy cache for the run (each xdist worker's own): only the first
    mypy run reads the standard library's stubs and pyuvnet's.  mypy takes
    a module's cached analysis only when its text's hash and the options
    match, and never caches a module with errors, so a run's errors are
    those of a fresh one."""
    return tmp_path_factory.mktemp('mypy-cache')
