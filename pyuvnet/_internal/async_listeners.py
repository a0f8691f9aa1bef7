"""Where the asyncio bridge hands ``async def`` listeners their runner.

The emitter (events/_emitter_async.pyx) stores an ``async def`` listener
wrapped so that each call's coroutine runs as a task of the bridge; the
bridge (aio_bridge.py) is above the core, which never imports it. So the
bridge writes its hook here when it installs, and the emitter reads it
here when such a listener is registered (never per emit)."""

# () -> the spawn(coroutine) of the calling thread's bridge, or None when no
# bridge drives that thread's loop; None until pyuvnet.aio installs one.
spawner = None
