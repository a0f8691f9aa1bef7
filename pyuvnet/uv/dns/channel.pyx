# A c-ares channel driven by the pyuvnet loop: c-ares opens its sockets
# and tells us which to watch (sock_state_cb); each gets a uv_poll_t, and
# one uv_timer_t wakes c-ares for its retries and timeouts.  No thread is
# held: a query is a socket the loop polls, as in Node's cares_wrap.
#
# The timer is Node's, not c-ares' deadline: cares_wrap ticks every try's
# timeout (at most 1 s) from the opening of c-ares' first socket, restarts
# the tick at every socket event and stops it when the last socket closes,
# so a try that has timed out is retried at the first tick after its
# deadline, up to a tick late.  A first try's answer arriving in that
# tick is its answer (issue 70: with {'timeout': 200} Node accepts an
# answer 300 ms late); woken at the deadline itself, c-ares had retried
# from a new socket and the answer came to a closed port.
#
# Ownership.  A ChannelCore (Python) owns one malloc'ed CaresDriver, the C
# side c-ares' callbacks see: c-ares is given the driver, never the
# Python object, so that its callbacks during ares_destroy() (in the
# core's __dealloc__) touch no object being freed.  The driver owns the
# channel, the timer and the list of polls; a poll lives from the
# sock_state_cb that opens its fd to the one that closes it.  The handles
# are raw blocks with no owner in ``data`` (NULL), closed with
# free_closed_handle, which reads nothing else: so a loop closed under
# them (Loop.close()'s walk) closes and frees them as its own, and the
# driver, finding its loop closed (cares_loop_gone), forgets them.
# A query in flight holds its ChannelCore (DnsQuery.core), so the core
# outlives every query c-ares holds.  The handles are ref'ed only while a
# query is in flight: an idle socket c-ares keeps open does not keep
# run() going.
from pyuvnet.uv.dns cimport ares
from libc.stdlib cimport malloc, free

cdef extern from *:
    """
    /* ares_set_servers_ports() of ``count`` servers packed as setServers
       packs them (_servers.py): per server its family (4 or 6), its port
       (2 bytes, network order) and 16 bytes of address (an IPv4 one in
       the first 4).  Node's cares_wrap sets its servers so: unlike the CSV
       form, this keeps a link-local IPv6 server given with no interface. */
    static int pyuvnet_set_servers(ares_channel_t *channel, const unsigned char *packed,
                                   int count) {
        struct ares_addr_port_node *nodes = NULL;
        int i, r;
        if (count > 0) {
            nodes = (struct ares_addr_port_node *)calloc((size_t)count, sizeof(*nodes));
            if (nodes == NULL)
                return ARES_ENOMEM;
        }
        for (i = 0; i < count; i++) {
            const unsigned char *entry = packed + 19 * i;
            nodes[i].next = i + 1 < count ? &nodes[i + 1] : NULL;
            nodes[i].family = entry[0] == 6 ? AF_INET6 : AF_INET;
            nodes[i].udp_port = nodes[i].tcp_port = (entry[1] << 8) | entry[2];
            if (entry[0] == 6)
                memcpy(&nodes[i].addr.addr6, entry + 3, 16);
            else
                memcpy(&nodes[i].addr.addr4, entry + 3, 4);
        }
        r = ares_set_servers_ports(channel, nodes);
        free(nodes);
        return r;
    }
    """
    int pyuvnet_set_servers(ares.ares_channel_t* channel, const unsigned char* packed,
                            int count)

ctypedef struct CaresDriver

ctypedef struct CaresPoll:
    uv.uv_poll_t handle         # first: the uv_handle_t* is the CaresPoll*
    CaresDriver* driver
    int fd
    CaresPoll* next

ctypedef struct CaresTimer:
    uv.uv_timer_t handle        # first, as CaresPoll's
    CaresDriver* driver

ctypedef struct CaresDriver:
    ares.ares_channel_t* channel
    uv.uv_loop_t* uvloop
    CaresTimer* timer           # NULL once closed
    CaresPoll* polls
    int in_flight               # queries c-ares holds
    uint64_t tick_ms            # the timer's period (Node's: the timeout, 1 s at most)
    PyObject* owner             # the ChannelCore (borrowed: it owns us)
    PyObject* loop              # its Loop (a reference of the driver's own:
                                # the core's field may be cleared by the GC
                                # before its __dealloc__ runs)


cdef bint cares_ready = False


cdef int init_cares_library() except -1:
    global cares_ready
    if not cares_ready:
        if ares.ares_library_init(ares.ARES_LIB_INIT_ALL) != ares.ARES_SUCCESS:
            raise MemoryError('c-ares could not be initialised')
        cares_ready = True
    return 0


cdef class ChannelCore:
    """One c-ares channel on the current thread's loop (a ``Resolver``'s).

    ``timeout`` is each try's time in ms (-1: c-ares' default), ``tries``
    how many times each server is asked; ``make_error(code, syscall,
    hostname)`` builds a failed question's error."""
    cdef CaresDriver* driver
    cdef Loop loop
    cdef object make_error
    cdef readonly int pending
    """Questions asked whose callback has not run yet."""

    def __cinit__(self, make_error, int timeout=-1, int tries=4):
        cdef ares.ares_options options
        cdef int optmask = (ares.ARES_OPT_FLAGS | ares.ARES_OPT_SOCK_STATE_CB
                            | ares.ARES_OPT_TRIES | ares.ARES_OPT_QUERY_CACHE)
        cdef int r
        init_cares_library()
        self.make_error = make_error
        self.loop = current_loop()
        self.loop.live()                # RuntimeError on a closed loop
        self.driver = <CaresDriver*>malloc(sizeof(CaresDriver))
        if self.driver == NULL:
            raise MemoryError()
        memset(self.driver, 0, sizeof(CaresDriver))
        self.driver.uvloop = self.loop.uvloop
        self.driver.owner = <PyObject*>self
        self.driver.loop = <PyObject*>self.loop
        Py_INCREF(self.loop)            # given back in __dealloc__
        memset(&options, 0, sizeof(options))
        # As Node: an answer with SERVFAIL or REFUSED is the query's answer
        # (ESERVFAIL, EREFUSED), not a reason to ask the next server.
        options.flags = ares.ARES_FLAG_NOCHECKRESP
        options.tries = tries
        # As Node (cares_wrap's qcache_max_ttl = 0): every question goes to
        # the servers; c-ares' own cache (on by default since 1.31) would
        # answer a repeated one for its TTL, unlike Node.
        options.qcache_max_ttl = 0
        if timeout >= 0:
            options.timeout = timeout
            optmask |= ares.ARES_OPT_TIMEOUTMS
        options.sock_state_cb = cares_sock_state_changed
        options.sock_state_cb_data = <void*>self.driver
        r = ares.ares_init_options(&self.driver.channel, &options, optmask)
        if r != ares.ARES_SUCCESS:
            # __dealloc__ frees the driver (its channel is NULL).
            raise OSError(ares.ares_strerror(r).decode())
        self.driver.timer = <CaresTimer*>PyMem_RawMalloc(sizeof(CaresTimer))
        if self.driver.timer == NULL:
            raise MemoryError()
        uv.uv_timer_init(self.loop.uvloop, &self.driver.timer.handle)
        self.driver.timer.handle.data = NULL
        self.driver.timer.driver = self.driver
        uv.uv_unref(<uv.uv_handle_t*>self.driver.timer)
        # cares_wrap's StartTimer: the timeout, or 1 s when it is c-ares'
        # default or longer.
        self.driver.tick_ms = <uint64_t>timeout if 0 < timeout <= 1000 else 1000

    def __dealloc__(self):
        cdef CaresDriver* driver = self.driver
        if driver == NULL:
            return
        self.driver = NULL
        cares_loop_gone(driver)
        if driver.channel != NULL:
            # Closes c-ares' sockets: cares_sock_state_changed closes their polls.
            ares.ares_destroy(driver.channel)
        if driver.timer != NULL:
            uv.uv_close(<uv.uv_handle_t*>driver.timer, free_closed_handle)
        while driver.polls != NULL:     # none, unless c-ares kept one
            cares_close_poll(driver, driver.polls)
        Py_XDECREF(driver.loop)
        free(driver)

    cdef ares.ares_channel_t* channel(self) except NULL:
        if self.driver == NULL or cares_loop_gone(self.driver):
            raise RuntimeError('this pyuvnet loop is closed')
        return self.driver.channel

    cdef void query_started(self) noexcept:
        self.driver.in_flight += 1
        if self.driver.in_flight == 1:
            cares_set_refs(self.driver, True)

    cdef void query_ended(self) noexcept:
        self.driver.in_flight -= 1
        if self.driver.in_flight == 0:
            cares_set_refs(self.driver, False)

    def cancel(self):
        """Ends every query in flight with ECANCELLED (their callbacks run now)."""
        ares.ares_cancel(self.channel())

    def set_servers(self, bytes packed):
        """c-ares' servers, packed 19 bytes each (family, port, address:
        _servers.py); 0 or an ares status."""
        return pyuvnet_set_servers(self.channel(), <const unsigned char*>PyBytes_AS_STRING(packed),
                                   <int>(len(packed) // 19))

    def get_servers(self):
        """The servers as c-ares lists them: ``"1.2.3.4:53,[::1]:5353"``."""
        cdef char* csv = ares.ares_get_servers_csv(self.channel())
        if csv == NULL:
            return ''
        try:
            return (<bytes>csv).decode()
        finally:
            ares.ares_free_string(csv)

    def set_local_address(self, bytes ipv4, bytes ipv6):
        """The source addresses of queries: 4 and 16 packed bytes, or None."""
        cdef const unsigned char* raw
        if ipv4 is not None:
            raw = <const unsigned char*>PyBytes_AS_STRING(ipv4)
            # Shifted as unsigned: an int's shift of an octet >= 128 by 24
            # overflows (UB, which the sanitizers' lane aborts on).
            ares.ares_set_local_ip4(self.channel(), (<unsigned int>raw[0] << 24)
                                    | (<unsigned int>raw[1] << 16)
                                    | (<unsigned int>raw[2] << 8) | raw[3])
        if ipv6 is not None:
            ares.ares_set_local_ip6(self.channel(), <const unsigned char*>PyBytes_AS_STRING(ipv6))


cdef bint cares_loop_gone(CaresDriver* driver) noexcept:
    """Whether the driver's loop was closed, which closed and freed its
    handles: then they are forgotten."""
    if (<Loop>driver.loop).uvloop != NULL:
        return False
    driver.timer = NULL
    driver.polls = NULL
    return True


cdef void cares_set_refs(CaresDriver* driver, bint refed) noexcept:
    """Whether the driver's handles keep run() going: while queries fly."""
    cdef CaresPoll* poll
    if cares_loop_gone(driver):
        return
    poll = driver.polls
    while poll != NULL:
        if refed:
            uv.uv_ref(<uv.uv_handle_t*>poll)
        else:
            uv.uv_unref(<uv.uv_handle_t*>poll)
        poll = poll.next
    if driver.timer != NULL:
        if refed:
            uv.uv_ref(<uv.uv_handle_t*>driver.timer)
        else:
            uv.uv_unref(<uv.uv_handle_t*>driver.timer)


cdef void cares_restart_ticks(CaresDriver* driver) noexcept:
    """The tick from now on (cares_wrap's uv_timer_again, and its start)."""
    uv.uv_timer_start(&driver.timer.handle, <uv.uv_timer_cb><void*>cares_tick,
                      driver.tick_ms, driver.tick_ms)


cdef void cares_tick(uv.uv_timer_t* timer) noexcept:
    # A loop callback (loop.pyx, "The GIL"): c-ares retries and times out
    # the tries whose deadline has passed.
    uv.pyuvnet_take_gil(timer.loop)
    cares_process((<CaresTimer*>timer).driver, ares.ARES_SOCKET_BAD, ares.ARES_SOCKET_BAD)


cdef void cares_process(CaresDriver* driver, ares.ares_socket_t read_fd,
                  ares.ares_socket_t write_fd) noexcept:
    """c-ares' work on a ready socket or a passed deadline; the query
    callbacks it runs are Python.  The core is held meanwhile: the last
    query's callback may drop the last other reference to it, and c-ares
    must not be destroyed inside its own call."""
    cdef ChannelCore core = <ChannelCore>driver.owner
    ares.ares_process_fd(driver.channel, read_fd, write_fd)
    (<Loop>driver.loop).after_callback()


cdef void cares_socket_ready(uv.uv_poll_t* handle, int status, int events) noexcept:
    # A loop callback: one of c-ares' sockets is readable or writable (or
    # failed: c-ares reads it and finds the error).
    cdef CaresPoll* poll = <CaresPoll*>handle
    cdef CaresDriver* driver = poll.driver
    cdef int fd = poll.fd
    uv.pyuvnet_take_gil(driver.uvloop)
    cares_restart_ticks(driver)
    if status < 0:
        events = uv.UV_READABLE | uv.UV_WRITABLE
    cares_process(driver, fd if events & uv.UV_READABLE else ares.ARES_SOCKET_BAD,
            fd if events & uv.UV_WRITABLE else ares.ARES_SOCKET_BAD)


cdef void cares_sock_state_changed(void* data, ares.ares_socket_t fd, int readable,
                             int writable) noexcept:
    # c-ares' call (inside one of its functions, GIL held): watch ``fd`` for
    # what it asks, or stop watching it (both 0: it is about to close it).
    cdef CaresDriver* driver = <CaresDriver*>data
    cdef CaresPoll* poll
    cdef int events = (uv.UV_READABLE if readable else 0) | (uv.UV_WRITABLE if writable else 0)
    if cares_loop_gone(driver):
        return
    poll = driver.polls
    while poll != NULL and poll.fd != fd:
        poll = poll.next
    if events == 0:
        if poll != NULL:
            cares_close_poll(driver, poll)
        if driver.polls == NULL:
            uv.uv_timer_stop(&driver.timer.handle)
        return
    if poll == NULL:
        if not uv.uv_is_active(<uv.uv_handle_t*>driver.timer):
            cares_restart_ticks(driver)
        poll = <CaresPoll*>PyMem_RawMalloc(sizeof(CaresPoll))
        if poll == NULL:
            return      # c-ares times the query out: nothing watches its socket
        if uv.uv_poll_init(driver.uvloop, &poll.handle, fd) < 0:
            PyMem_RawFree(poll)
            return
        poll.fd = fd
        poll.driver = driver
        poll.handle.data = NULL
        poll.next = driver.polls
        driver.polls = poll
        if driver.in_flight == 0:
            uv.uv_unref(<uv.uv_handle_t*>poll)
    uv.uv_poll_start(&poll.handle, events, <uv.uv_poll_cb><void*>cares_socket_ready)


cdef void cares_close_poll(CaresDriver* driver, CaresPoll* poll) noexcept:
    """Unlinks ``poll`` and closes it; its close callback frees it."""
    cdef CaresPoll** link = &driver.polls
    while link[0] != poll:
        link = &link[0].next
    link[0] = poll.next
    uv.uv_close(<uv.uv_handle_t*>poll, free_closed_handle)
