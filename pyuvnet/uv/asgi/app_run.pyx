# The coroutine a request's Task runs (ASGIHandler.start makes both): the
# app's own coroutine stepped by hand, with uvicorn's rules on its end
# (ASGICycle.finish).  By hand so that its first step can run before the
# Task's, in the libuv turn that read the request: an app that never waits
# (its receive() and send() done at once) has its answer written in that
# turn, and the Task's own first step only collects the end.  The Task is
# made first and is the current task during that step, in the context it
# runs in, so current_task(), anyio and sniffio see what they would see.
#
# A request whose app ends in that first step needs no Task of its own:
# its current task is the handler's spare Task, parked between requests
# on a Future (RUN_PARKED), and the next request's first step uses it
# again.  Making, stepping and freeing a Task per request is a quarter of
# a hello's cost (Task.__init__ adds it to asyncio's WeakSet, in Python).
# A request whose app waits keeps the spare as its own Task: the park is
# resolved and the Task steps the app from then on, each step in the
# request's own context.

cdef extern from *:
    """
    /* PyIter_Send (3.10+): a coroutine's step with its outcome, with no
     * StopIteration made when it returns.  Before 3.10, its send(). */
    #if PY_VERSION_HEX >= 0x030A0000
    #define pyuvnet_iter_send PyIter_Send
    #else
    static int pyuvnet_iter_send(PyObject* iter, PyObject* arg, PyObject** out) {
        *out = PyObject_CallMethod(iter, "send", "O", arg);
        if (*out != NULL)
            return 1;
        if (_PyGen_FetchStopIterationValue(out) == 0)
            return 0;
        return -1;
    }
    #endif
    #define PYUVNET_EARLY_STEP (PY_VERSION_HEX >= 0x030B0000)
    """
    # 1: it yielded (*out), 0: it returned (*out), -1: it raised.
    int pyuvnet_iter_send(object iter, object arg, PyObject** out) except? -1
    # create_task(context=) is 3.11's: before it, the Task takes every step.
    bint PYUVNET_EARLY_STEP
    bint PyCoro_CheckExact(object obj)
    # (Cython's cpython.method declares its Python 2 form, with a class.)
    object bound_method "PyMethod_New" (object func, object self)

import sys
from cpython.contextvars cimport (
    PyContext_CopyCurrent, PyContext_Enter, PyContext_Exit, PyContext_New,
)
from cpython.dict cimport PyDict_SetDefault

cdef enum:
    RUN_FRESH       # the app not called yet
    RUN_GIVEN       # its early first step yielded ``given``: the Task's first step takes it
    RUN_ENDED       # it ended in the early first step: the Task's first step ends
    RUN_GOING       # the Task steps it
    RUN_OVER
    RUN_PARKED      # the spare's Task waits on ``park`` for a request whose app waits

cdef object ENDED = object()    # step()'s answer once the app's coroutine ended
cdef str TASK_NAME = 'pyuvnet.asgi request'


cdef bint plain_create_task(loop) except -1:
    """Whether ``loop``'s create_task() is asyncio's or uvloop's own, which
    with no task factory makes an asyncio Task and nothing else."""
    method = getattr(type(loop), 'create_task', None)
    if method == base_create_task:
        return True
    uvloop = sys.modules.get('uvloop')
    return uvloop is not None and method == getattr(uvloop.Loop, 'create_task', None)


async def _awaited(awaitable):
    # An app's awaitable that is not a coroutine (a Future, a __await__).
    return await awaitable


@cython.final
@cython.freelist(16)
cdef class AppRun:
    """A request's Task's coroutine: the app run on one ASGICycle (of
    either protocol)."""

    cdef ASGICycle cycle        # until the app ended
    cdef object coro            # the app's coroutine (None before and after it)
    cdef object given           # what the early first step yielded
    cdef object error           # what the Task must raise once the app ended
    # A spare's: its Task, the Future it parks on, and the request's
    # context, which the Task's steps enter (None once it is the Task's own).
    cdef object task, park, context
    cdef object park_done       # park.done, bound once
    # Bytes, after the pointers: 112 bytes a run with the gc's header,
    # not 128 (each request an app holds keeps its run, issue 70).
    cdef unsigned char state
    cdef unsigned char given_blocking   # ``given`` is a Future the Task must wait on
    cdef unsigned char parked   # its Task waits on park (cancel() would cancel park)

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        # Replaced by app_run_next when the module loads, where
        # pyuvnet_cpython.h allows it; its meaning.
        out = self.step(None)
        if out is ENDED:
            raise StopIteration
        return out

    def send(self, value):
        out = self.step(value)
        if out is ENDED:
            raise StopIteration
        return out

    def throw(self, typ, val=None, tb=None):
        state = self.state
        if state == RUN_ENDED or state == RUN_OVER or state == RUN_FRESH or state == RUN_PARKED:
            exc = val if val is not None else typ() if isinstance(typ, type) else typ
            if state != RUN_FRESH:
                self.state = RUN_OVER
                self.error = None
                raise exc
            # Thrown in before the app ran (a Task cancelled at once): as
            # if the app had raised it.
            if self.coro is not None:
                self.coro.close()
            self.ended(None, exc)
        else:
            self.state = RUN_GOING
            self.given = None
            self.given_blocking = False
            context = self.context
            if context is not None:
                PyContext_Enter(context)
            try:
                out = (self.coro.throw(typ) if val is None and tb is None
                       else self.coro.throw(typ, val, tb))
            except StopIteration as stop:
                self.ended(stop.value, None)
            except BaseException as error:
                self.ended(None, error)
            else:
                return out
            finally:
                if context is not None:
                    PyContext_Exit(context)
        self.over()     # raises what the Task must raise, if anything
        raise StopIteration

    def close(self):
        coro, self.coro = self.coro, None
        self.state = RUN_OVER
        if coro is not None:
            coro.close()

    cdef int early(self, loop, task, context) except -1:
        """The app's first step, before the Task's: ``task`` is the current
        task and ``context`` (the Task's) the current context meanwhile.
        Not taken when another task is running (a turn run from a
        coroutine): the Task takes it then."""
        cdef dict current = current_tasks
        if current is None:
            try:
                enter_task(loop, task)
            except RuntimeError:
                return 0
        elif PyDict_SetDefault(current, loop, task) != <PyObject*>task:
            return 0
        # else: _enter_task's own work (its dict, where current_task() looks).
        PyContext_Enter(context)
        try:
            out = self.advance(None)
        finally:
            PyContext_Exit(context)
            if current is None:
                leave_task(loop, task)
            else:
                del current[loop]
        if out is ENDED:
            self.state = RUN_ENDED
        else:
            self.state = RUN_GIVEN
            self.given = out
            # A Future yielded by an await says so by its blocking flag,
            # which the Task that takes it clears at once; until the
            # Task's step takes ``given``, the flag is ours to hold, not
            # the Future's: another task awaiting the same Future
            # meanwhile (the app's receive() and a child task's send()
            # can both wait on the cycle's one waiter) would find it set
            # and fail with "await wasn't used with future".
            if getattr(out, '_asyncio_future_blocking', False):
                out._asyncio_future_blocking = False
                self.given_blocking = True
        return 0

    cdef object step(self, value):
        """One step of the Task: what the app yields, or ENDED."""
        state = self.state
        if state == RUN_GIVEN:
            self.state = RUN_GOING
            out, self.given = self.given, None
            if self.given_blocking:
                self.given_blocking = False
                out._asyncio_future_blocking = True     # as Future.__await__ yields it
            return out
        if state == RUN_ENDED or state == RUN_OVER:
            return self.over()
        if state == RUN_PARKED:
            park = self.park
            park._asyncio_future_blocking = True    # as Future.__await__ yields it
            self.parked = True
            return park
        context = self.context
        if context is None:
            out = self.advance(value)
        else:
            PyContext_Enter(context)
            try:
                out = self.advance(value)
            finally:
                PyContext_Exit(context)
        if out is ENDED:
            return self.over()
        return out

    cdef object over(self):
        self.state = RUN_OVER
        error, self.error = self.error, None
        if error is not None:
            raise error
        return ENDED

    cdef object advance(self, value):
        """The app's next step (its call first): what it yielded, or ENDED
        once it ended (``error`` then holds what the Task must raise)."""
        cdef PyObject* out = NULL
        cdef ASGICycle cycle = self.cycle
        cdef int status
        try:
            if self.coro is None:
                self.state = RUN_GOING
                # Bound here, not looked up on the cycle.
                coro = cycle.handler.app(cycle.scope, bound_method(CYCLE_RECEIVE, cycle),
                                         bound_method(CYCLE_SEND, cycle))
                self.coro = coro if PyCoro_CheckExact(coro) else _awaited(coro)
            status = pyuvnet_iter_send(self.coro, value, &out)
        except BaseException as error:
            return self.ended(None, error)
        result = <object>out
        Py_DECREF(result)
        if status == 1:
            return result
        return self.ended(result, None)

    cdef bint repark(self) except -1:
        """After a spare's early step: parked again (True) when the app
        ended there and left its Task as it found it; else the Task is the
        request's from now on (False), and its park is over."""
        # A cancel() while the Task waits on the park cancels the park;
        # before its first step, it is counted by cancelling().  A done
        # callback or a name the app gave its task belongs to its request:
        # with them the Task ends with it, as a Task per request would.
        task = self.task
        if (self.state == RUN_ENDED and self.error is None and not self.park_done()
                and (self.parked or task.cancelling() == 0)
                and not task._callbacks and task.get_name() is TASK_NAME):
            self.state = RUN_PARKED
            self.cycle = None
            self.context = None
            return True
        if not self.park_done():
            self.park.set_result(None)
        # (The park is over: a request the app holds would keep it and
        # its bound done(), some 200 bytes.)
        self.park = self.park_done = None
        return False

    cdef int release(self) except -1:
        """A parked spare's Task ends (with None) at its next step."""
        if self.state == RUN_PARKED:
            self.state = RUN_OVER
            self.task = None
            if not self.park.done() and not self.park.get_loop().is_closed():
                self.park.set_result(None)
        return 0

    cdef object ended(self, result, error):
        self.state = RUN_OVER
        self.coro = None
        # (The cycle is let go with the app's end.)
        cycle, self.cycle = self.cycle, None
        self.error = error if cycle is None else cycle.finish(result, error)
        return ENDED


cdef AppRun early_on_spare(ASGIHandler handler, ASGICycle cycle, loop, context):
    """``cycle``'s early step on ``handler``'s spare Task: None when it
    ended there (the spare parked again), else the run whose Task (its
    ``task``) is now the request's."""
    # Taken out meanwhile: a request dispatched during this step gets another.
    cdef AppRun run = handler.spare
    handler.spare = None
    cdef bint own_context = run is None or run.state != RUN_PARKED
    if own_context:
        # A Task made in the request's context, parked on a Future of the
        # loop's: when the app waits, its steps are in that context with
        # no other (a held request keeps one Context, not two, issue 70).
        run = AppRun.__new__(AppRun)
        run.park = loop.create_future()
        run.park_done = run.park.done
        run.task = AsyncioTask(run, loop=loop, name=TASK_NAME, context=context)
    run.state = RUN_FRESH
    run.cycle = cycle
    run.context = context
    task = cycle.task = run.task
    run.early(loop, task, context)
    if not run.repark():
        if own_context:
            run.context = None
        return run
    if handler.spare is None:
        handler.spare = run
    else:
        run.release()
    return None


cdef object CYCLE_RECEIVE = ASGICycle.receive, CYCLE_SEND = ASGICycle.send


cdef PyObject* app_run_next(PyObject* self) except NULL:
    # The Task's step: a new reference to what the app yields, or NULL:
    # with no exception set, the end (with None), without a StopIteration.
    out = (<AppRun>self).step(None)
    if out is ENDED:
        return NULL
    Py_INCREF(out)
    return <PyObject*>out


_app_run_type = AppRun
if PYUVNET_CPYTHON_TRICKS:
    # A ready type's slot rewritten: only where pyuvnet_cpython.h allows it
    # (elsewhere __next__ raises StopIteration: the same end, slower).
    (<IterSlotType*><PyObject*>_app_run_type).tp_iternext = <iternextfunc>app_run_next
del _app_run_type
