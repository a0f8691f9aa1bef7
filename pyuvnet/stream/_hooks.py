"""Where the asyncio layer plugs into the stream core.

The core (Readable, pipeline, Readable.from) never imports asyncio or the
bridge (tests/project/test_layers.py); what needs them (async iteration,
async generators as sources and pipeline stages, coroutines as the last
stage) is in ``pyuvnet.stream._async``, which ``pyuvnet/__init__.py``
registers here when pyuvnet is imported, without importing it.
"""

__all__ = ['set_async_layer', 'async_layer']

_loader = None


def set_async_layer(loader):
    """``loader()`` returns the asyncio layer's module (imported at the first use)."""
    global _loader
    _loader = loader


def async_layer():
    if _loader is None:
        raise RuntimeError('async iteration of a stream needs pyuvnet.aio (import pyuvnet)')
    return _loader()
