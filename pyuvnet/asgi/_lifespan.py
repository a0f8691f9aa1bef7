"""The ASGI ``lifespan`` scope: the application's startup and shutdown.

One ``Lifespan`` per server runs the app once with the lifespan scope, for
the whole life of the server: ``startup()`` before it listens,
``shutdown()`` once its connections have drained.  The modes and messages
are uvicorn's (uvicorn/lifespan/on.py): in ``'auto'`` an app that raises
before it has answered the startup does not support the protocol and is
served without it; in ``'on'`` that is a failed startup.
"""
import asyncio
import logging

__all__ = ['Lifespan', 'LifespanFailure', 'ASGI_VERSION']

ASGI_VERSION = '3.0'
_STATE_TRANSITION_ERROR = 'Got invalid state transition on lifespan protocol.'
_SEND_TYPES = frozenset((
    'lifespan.startup.complete', 'lifespan.startup.failed',
    'lifespan.shutdown.complete', 'lifespan.shutdown.failed',
))

logger = logging.getLogger('uvicorn.error')


class LifespanFailure(RuntimeError):
    """The application's lifespan startup (or shutdown) failed: it sent
    ``lifespan.startup.failed``, or raised with ``lifespan: 'on'``.  The
    server emits it as its 'error' instead of listening.  ``message`` is
    the app's message ('' when it gave none)."""

    def __init__(self, phase, message=''):
        self.phase = phase
        self.message = message
        text = 'ASGI application %s failed' % phase
        super().__init__(text + (': ' + message if message else ''))


class Lifespan:
    """The lifespan scope of one server.  ``state`` is the scope's dict,
    which the app fills at startup and every request's scope copies."""

    def __init__(self, app, mode):
        self.app = app
        self.mode = mode
        self.state = {}
        self.task = None
        self.error_occurred = False
        self.exception = None       # what the app raised, if it did
        self.failure = None         # the LifespanFailure, once one happened
        self.started = False        # startup() finished without a failure
        self.shut_down = False
        self._queue = None
        self._startup_done = None
        self._shutdown_done = None

    async def startup(self):
        """Run the app's startup; raises LifespanFailure when it failed."""
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._startup_done = asyncio.Event()
        self._shutdown_done = asyncio.Event()
        self.task = loop.create_task(self._main())
        self._queue.put_nowait({'type': 'lifespan.startup'})
        logger.info('Waiting for application startup.')
        await self._startup_done.wait()
        error = self.exception
        if self.failure is None and self.error_occurred and self.mode == 'on':
            # The app's exception is the failure's cause and in its message.
            self.failure = LifespanFailure(
                'startup', '' if error is None else '%s: %s' % (type(error).__name__, error))
        if self.failure is not None:
            logger.error('Application startup failed. Exiting.')
            raise self.failure from error
        self.started = True
        logger.info('Application startup complete.')

    async def shutdown(self):
        """Run the app's shutdown (nothing when the app has no lifespan);
        a failure is logged (the server closes anyway)."""
        if self.shut_down or not self.started:
            return
        self.shut_down = True
        if self.error_occurred:
            return
        logger.info('Waiting for application shutdown.')
        self._queue.put_nowait({'type': 'lifespan.shutdown'})
        await self._shutdown_done.wait()
        if self.failure is not None or (self.error_occurred and self.mode == 'on'):
            logger.error('Application shutdown failed. Exiting.')
        else:
            logger.info('Application shutdown complete.')

    async def _main(self):
        scope = {'type': 'lifespan', 'asgi': {'version': ASGI_VERSION, 'spec_version': '2.0'},
                 'state': self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except asyncio.CancelledError:
            # The loop ending under a waiting app (asyncio.run's clean-up):
            # not the app's answer to the protocol.
            raise
        except BaseException as exc:
            self.error_occurred = True
            self.exception = exc
            if self.failure is None:
                if self.mode == 'auto':
                    logger.info("ASGI 'lifespan' protocol appears unsupported.")
                else:
                    logger.error("Exception in 'lifespan' protocol", exc_info=exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._startup_done.set()
            self._shutdown_done.set()

    async def _receive(self):
        return await self._queue.get()

    async def _send(self, message):
        kind = message['type']
        assert kind in _SEND_TYPES, kind
        starting = kind.startswith('lifespan.startup')
        if starting:
            assert not self._startup_done.is_set(), _STATE_TRANSITION_ERROR
        else:
            assert self._startup_done.is_set(), _STATE_TRANSITION_ERROR
        assert not self._shutdown_done.is_set(), _STATE_TRANSITION_ERROR
        if kind.endswith('.failed'):
            text = message.get('message') or ''
            if text:
                logger.error(text)
            self.failure = LifespanFailure('startup' if starting else 'shutdown', text)
        (self._startup_done if starting else self._shutdown_done).set()
