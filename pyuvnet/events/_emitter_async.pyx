# Included into _emitter.pyx (one module, so that EventEmitter._add calls
# these through C): how an ``async def`` listener is stored.

# -- async def listeners ------------------------------------------------------
#
# An ``async def`` listener would only make a coroutine per emit, which
# nobody awaits.  It is checked for once, at registration: with the
# asyncio bridge attached (pyuvnet.aio, which is above the core and hands
# its hook down through _internal/async_listeners.py), it is stored wrapped in an
# _AsyncListener that runs each call's coroutine as a task of the bridge;
# without one it is refused at once.

# CO_COROUTINE: the code flag of an ``async def`` function.
cdef int _CO_COROUTINE = 0x80

from pyuvnet._internal import async_listeners

_NO_BRIDGE = ('an async def listener needs the asyncio bridge, which runs it as a task: '
              'register it inside "async with pyuvnet.aio.attach():" (or after '
              'pyuvnet.aio.install()), or pass a plain function')


cdef bint _is_async(object listener) except -1:
    """Whether ``listener`` is an ``async def`` function (or a method of
    one): its code's flags, so that the common callables (builtins, bound
    C methods, classes) cost a type check."""
    if PyMethod_Check(listener):
        listener = <object>PyMethod_GET_FUNCTION(listener)
    if not PyFunction_Check(listener):
        return False
    return (code_flags(listener) & _CO_COROUTINE) != 0


cdef extern from *:
    """
    /* A function's code flags (its __code__.co_flags), read from the C
       structs: every on() of a plain function asks, once per connection
       for a server's listeners, and the attribute path costs two generic
       lookups, an audit event and an int. */
    static int pyuvnet_code_flags(PyObject *func) {
        return ((PyCodeObject *)PyFunction_GET_CODE(func))->co_flags;
    }
    """
    int code_flags "pyuvnet_code_flags" (object func)


@cython.final
cdef class _AsyncListener:
    """What an ``async def`` listener is stored as: each call runs the
    coroutine it makes as a task of the bridge it was registered under
    (whose done callback reports its exception as a listener's).

    ``listener`` is the async function, as listeners() gives it."""
    cdef readonly object listener
    cdef object _spawn

    def __call__(self, *args):
        self._spawn(self.listener(*args))

    def __repr__(self):
        return '<async listener %r>' % (self.listener,)


cdef object _async_listener(object listener):
    hook = async_listeners.spawner
    spawn = hook() if hook is not None else None
    if spawn is None:
        raise TypeError(_NO_BRIDGE)
    cdef _AsyncListener wrapper = _AsyncListener.__new__(_AsyncListener)
    wrapper.listener = listener
    wrapper._spawn = spawn
    return wrapper
