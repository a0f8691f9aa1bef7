"""``NodeError``, the base of every error pyuvnet raises with a Node error
code: Node's ``ERR_*`` errors (``pyuvnet/errors/__init__.py``) and the system errors
made from libuv's codes (``pyuvnet/errors/_system_errors.py``) both derive from it.
It lives apart from both so that ``errors`` can re-export the system errors
without the two modules importing each other; its public name is
``pyuvnet.errors.NodeError``.
"""

__all__ = ['NodeError']


class NodeError(Exception):
    """Base of every error pyuvnet raises with a Node error code.

    ``code`` is Node's code string. A subclass named ``ERR_*`` gets its
    class name as ``code``. A subclass may set ``_template``, a ``%``-format
    string taking exactly the constructor's positional arguments (as Node's
    ``'Cannot call %s after a stream was destroyed'``); without one, the
    arguments are passed to ``Exception`` unchanged.
    """

    code = None
    _template = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith('ERR_'):
            cls.code = cls.__name__

    def __init__(self, *args):
        if self._template is not None:
            args = (self._template % args,)
        super().__init__(*args)


# Shown, pickled and documented under its public name.
NodeError.__module__ = 'pyuvnet.errors'
