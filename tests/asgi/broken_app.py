"""A module that fails to import (tests/asgi/test_serve_cli.py)."""
import a_module_that_does_not_exist  # noqa: F401
