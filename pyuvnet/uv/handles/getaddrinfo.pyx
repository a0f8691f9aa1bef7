# Host name resolution with uv_getaddrinfo (on libuv's thread pool).


cdef class AddrInfoRequest:
    """One uv_getaddrinfo; holds its callback until libuv answers."""
    cdef uv.uv_getaddrinfo_t req
    cdef Loop loop
    cdef object callback


def getaddrinfo(object host, int family, int flags, callback):
    """Resolve ``host`` for TCP; ``callback(status, [(address, 4|6), ...])``
    follows from the loop (status 0 or a libuv error code).  ``family``
    is 0, 4 or 6; ``flags`` are getaddrinfo hints (AI_ADDRCONFIG, ...)."""
    cdef uv.addrinfo hints
    cdef AddrInfoRequest ar = AddrInfoRequest.__new__(AddrInfoRequest)
    cdef bytes node = exact_str(host, 'hostname').encode('idna') if host else b''
    cdef int r
    memset(&hints, 0, sizeof(hints))
    hints.ai_family = (uv.AF_INET if family == 4 else
                       uv.AF_INET6 if family == 6 else uv.AF_UNSPEC)
    hints.ai_socktype = uv.SOCK_STREAM
    hints.ai_flags = flags
    ar.loop = current_loop()
    ar.callback = callback
    r = uv.uv_getaddrinfo(ar.loop.uvloop, &ar.req, addrinfo_done, node, NULL, &hints)
    if r < 0:
        return r
    ar.req.data = <void*>ar
    Py_INCREF(ar)
    return 0


cdef void addrinfo_done(uv.uv_getaddrinfo_t* req, int status, uv.addrinfo* res) noexcept with gil:
    cdef AddrInfoRequest ar = <AddrInfoRequest>req.data
    cdef uv.addrinfo* ai = res
    cdef list found = []
    Py_DECREF(ar)
    try:
        while ai != NULL:
            entry = sockaddr_to_tuple(ai.ai_addr)
            if entry is not None:
                item = (entry[0], 4 if entry[2] == 'IPv4' else 6)
                if item not in found:
                    found.append(item)
            ai = ai.ai_next
        uv.uv_freeaddrinfo(res)
        ar.callback(status, found)
    except BaseException as exc:
        ar.loop.report(exc)
    ar.loop.after_callback()
