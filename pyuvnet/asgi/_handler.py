"""The Python side of an ASGI server's C request handler: the handler made
for a server (``handler_for``) and the kit of Python helpers handed to it
(the scope's header names, asyncio's task hooks; the connection's ends
and the target's split come from pyuvnet._internal.http_shared, which pyuvnet.wsgi
reads too).

The per-request work is C: ``ASGIHandler`` (pyuvnet/uv/asgi/handler.pyx),
the server's 'request' listener, and ``HTTPCycle`` (uv/asgi/http1_cycle.pyx),
between the http.Server's ``(req, res)`` pair and the application's
coroutine, one HTTP request as an ASGI ``http`` scope; its rules are the
one ``ASGICycle``'s of both protocols (uv/asgi/cycle.pyx).  Where the ASGI
spec leaves room it does as uvicorn 0.54 does (uvicorn/protocols/http/
httptools_impl.py, and zttp_h2_impl.py over HTTP/2):

- the request body is read as the app asks: nothing flows until the first
  receive(); after that the request is paused while 64 KiB wait unread;
- ``100 Continue`` goes out when the app first calls receive();
- without Content-Length the response is chunked (HEAD, 204 and 304 have
  no body); a body longer or shorter than the Content-Length said is a
  RuntimeError in the app;
- send() waits while the response's write() said False, until its 'drain';
- after the client left, or once the response is complete, receive()
  gives ``http.disconnect``; after the client left send() does nothing;
- a message out of turn is a RuntimeError with uvicorn's text;
- an app that fails (or returns) before it starts the response gets a
  500; after, or when it returns a value, its connection is closed.

receive() and send() return an awaitable done at once when nothing must
wait (no Future, no coroutine); they act when called, not when awaited.
"""
import _asyncio
import asyncio
import collections.abc
import logging
import sys
from urllib.parse import quote, unquote

from pyuvnet import _uv
from pyuvnet._internal.http_shared import connection_ends, split_target

__all__ = ['handler_for', 'header_name']

logger = logging.getLogger('uvicorn.error')


def handler_for(server, app):
    """The C 'request' listener of an ASGI server (its ``_tasks``, scheme,
    root path, versions and lifespan state set up already)."""
    return _uv.ASGIHandler(server, app, server.config, server._scheme,
                           server._asgi_versions, server._state, server._tasks)


# A request header's name as the scope gives it (lower-cased bytes),
# remembered for the names seen first, which are the ones that repeat.
_HEADER_NAMES: dict[str, bytes] = {}
_NAMES_KEPT = 512


def header_name(name):
    lower = _HEADER_NAMES.get(name)
    if lower is None:
        lower = name.lower().encode('latin-1')
        if len(_HEADER_NAMES) < _NAMES_KEPT:
            _HEADER_NAMES[name] = lower
    return lower


def _current_tasks():
    """The dict asyncio.current_task() reads (each loop's running task),
    which _enter_task and _leave_task set, up to Python 3.13; None from
    3.14, where the running task is the thread's."""
    if sys.version_info >= (3, 14):
        return None
    return getattr(_asyncio, '_current_tasks', None)


# receive()'s and send()'s awaitable done at once is a coroutine too, for
# create_task() and ensure_future(); and so is a request's Task's own.
collections.abc.Coroutine.register(_uv.Ready)
collections.abc.Coroutine.register(_uv.AppRun)
_uv._set_asgi_kit(logger=logger, access_logger=logging.getLogger('uvicorn.access'),
                  unquote=unquote, quote=quote, split_target=split_target,
                  connection_ends=connection_ends, header_name=header_name,
                  Task=asyncio.Task, enter_task=asyncio.tasks._enter_task,
                  leave_task=asyncio.tasks._leave_task,
                  base_create_task=asyncio.BaseEventLoop.create_task,
                  current_tasks=_current_tasks())
