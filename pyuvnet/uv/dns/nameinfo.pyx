# dns.lookupService: uv_getnameinfo (getnameinfo on libuv's thread pool),
# as Node's.
#
# Ownership: a NameInfoRequest holds its callback and is held (Py_INCREF)
# from uv_getnameinfo to its callback, which gives it back.


cdef class NameInfoRequest:
    cdef uv.uv_getnameinfo_t req
    cdef Loop loop
    cdef object callback


def getnameinfo(str address, int port, callback):
    """The host name and service of ``address``:``port`` (an IP address);
    ``callback(status, hostname, service)`` follows from the loop, status
    0 or a libuv error code.  Returns 0, or a libuv error code at once."""
    cdef NameInfoRequest request = NameInfoRequest.__new__(NameInfoRequest)
    cdef uv.sockaddr_storage addr
    cdef bytes text = address.encode()
    cdef int r = uv.uv_ip4_addr(text, port, <uv.sockaddr_in*>&addr)
    if r < 0:
        r = uv.uv_ip6_addr(text, port, <uv.sockaddr_in6*>&addr)
        if r < 0:
            return r
    request.loop = current_loop()
    request.callback = callback
    r = uv.uv_getnameinfo(request.loop.uvloop, &request.req,
                          <uv.uv_getnameinfo_cb><void*>nameinfo_found, <uv.sockaddr*>&addr,
                          uv.NI_NAMEREQD)
    if r < 0:
        return r
    request.req.data = <void*>request
    Py_INCREF(request)      # given back by nameinfo_found
    return 0


cdef void nameinfo_found(uv.uv_getnameinfo_t* req, int status, const char* hostname,
                     const char* service) noexcept:
    # A loop callback (loop.pyx, "The GIL"); the strings are libuv's.
    cdef NameInfoRequest request
    uv.pyuvnet_take_gil(req.loop)
    request = <NameInfoRequest>req.data
    Py_DECREF(request)
    try:
        if status < 0:
            request.callback(status, None, None)
        else:
            request.callback(0, (<bytes>hostname).decode('utf-8', 'replace'),
                             (<bytes>service).decode('utf-8', 'replace'))
    except BaseException as exc:
        request.loop.report(exc)
    request.loop.after_callback()
