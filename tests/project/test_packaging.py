"""What the installed distribution says about itself."""
import importlib.metadata

import pyuvnet


def test_version_is_the_one_in_the_metadata():
    assert pyuvnet.__version__ == importlib.metadata.version('pyuvnet')
