# setImmediate's queue on the loop's side: the check-phase callback that
# runs a turn's batch (Loop.add_immediate queues, Loop.ref_immediate keeps
# the poll from blocking while a ref'd one waits), in Node's order: the
# poll's held reads first, then the batch (pyuvnet's own at its head,
# Loop.add_native_immediate, as Node runs its native immediates before the
# program's); immediates queued meanwhile wait for the next turn.


cdef void run_immediates(uv.uv_check_t* handle) noexcept:
    # A loop callback (see loop/loop.pyx, "The GIL"): takes the GIL first.
    uv.pyuvnet_take_gil(handle.loop)
    immediates_with_gil(handle)


cdef void immediates_with_gil(uv.uv_check_t* handle) noexcept:
    cdef Loop loop = <Loop>handle.data
    if loop.flusher.reads_held:
        # The poll's 'data' comes before the check phase's immediates.
        loop.flusher.end_of_poll()
    run_immediate_batch(loop)


cdef void idle_noop(uv.uv_idle_t* handle) noexcept nogil:
    pass


cdef void run_immediate_batch(Loop loop):
    # Immediates queued while this batch runs wait for the next turn,
    # as Node's do.
    # pyuvnet's own (the first ``natives``) run one after another, and
    # the ticks they queued after the last, as Node drains its native
    # immediates in one callback scope.
    cdef list batch = loop.immediates
    cdef ImmediateHandle imm
    cdef int natives = loop.native_immediates
    loop.immediates = []
    loop.native_immediates = 0
    for imm in batch:
        natives -= 1
        if imm.cleared:
            continue
        imm.cleared = True
        if imm.refed:
            loop.ref_immediate(-1)
        try:
            imm.callback(*imm.args)
        except BaseException as exc:
            loop.report(exc)
        if natives <= 0:
            loop.after_callback()
    if not loop.immediates:
        uv.uv_check_stop(loop.immediate_check)
