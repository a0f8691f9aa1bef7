"""Finding the app of ``pyuvnet serve MODULE:ATTR``, and telling a WSGI
callable from an ASGI one."""
import importlib
import inspect
import sys

__all__ = ['TargetError', 'load', 'interface_of']


class TargetError(Exception):
    """The target cannot be loaded: its one-line reason is the message."""


def load(target, factory=False, app_dir='.'):
    """The object ``MODULE:ATTR`` names (ATTR may be dotted), called first
    when ``factory``.  TargetError with one clear line otherwise."""
    module_name, _, attrs = target.partition(':')
    if not module_name or not attrs:
        raise TargetError('import string "%s" must be in format "<module>:<attribute>"'
                          % target)
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.split('.')[:len(exc.name.split('.'))] == exc.name.split('.'):
            raise TargetError('could not import module "%s"' % module_name) from None
        raise TargetError('could not import module "%s": %s: %s'
                          % (module_name, type(exc).__name__, exc)) from None
    except Exception as exc:
        raise TargetError('could not import module "%s": %s: %s'
                          % (module_name, type(exc).__name__, exc)) from None
    app = module
    try:
        for attr in attrs.split('.'):
            app = getattr(app, attr)
    except AttributeError:
        raise TargetError('attribute "%s" not found in module "%s"'
                          % (attrs, module_name)) from None
    if factory:
        try:
            app = app()
        except TypeError as exc:
            raise TargetError('the factory "%s" failed: %s' % (target, exc)) from None
    if not callable(app):
        raise TargetError('"%s" is not callable (%s)' % (target, type(app).__name__))
    return app


def interface_of(app):
    """'asgi' or 'wsgi': an async function (or object with an async
    __call__) is ASGI, as uvicorn tells ASGI 3 apart; otherwise three
    parameters (scope, receive, send) mean ASGI, two WSGI."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else \
        getattr(app, '__call__', None)
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app):
        return 'asgi'
    try:
        parameters = [p for p in inspect.signature(app).parameters.values()
                      if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                             p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return 'wsgi'
    return 'asgi' if len(parameters) == 3 else 'wsgi'
