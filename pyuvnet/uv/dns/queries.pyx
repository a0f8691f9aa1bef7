# One DNS question on a ChannelCore: ares_query (resolve*) or
# ares_gethostbyaddr (reverse), its answer parsed into Node's records
# (uv/dns/answers.pyx) and handed to the user's callback from here, with
# no Python step between: ``callback(None, records)``, or
# ``callback(error)`` with the error the core's ``make_error`` builds.
#
# Ownership.  c-ares holds a DnsQuery from its submission to its callback:
# the submission takes a reference (Py_INCREF) that the callback gives
# back.  c-ares calls back exactly once per query: with the answer, a
# failure, ECANCELLED (cancel()) or EDESTRUCTION (the channel destroyed,
# which cannot happen while a query holds its core).  The callback may
# come inside the submitting call (a name c-ares refuses at once): then
# the user's callback waits for the check phase (setImmediate), as Node
# queues every answer and never calls back inside the call that asked.

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object text)
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL

# Node's error codes by c-ares status (its cares_wrap.cc ToErrorCodeString).
CARES_CODES = (
    None, 'ENODATA', 'EFORMERR', 'ESERVFAIL', 'ENOTFOUND', 'ENOTIMP', 'EREFUSED',
    'EBADQUERY', 'EBADNAME', 'EBADFAMILY', 'EBADRESP', 'ECONNREFUSED', 'ETIMEOUT',
    'EOF', 'EFILE', 'ENOMEM', 'EDESTRUCTION', 'EBADSTR', 'EBADFLAGS', 'ENONAME',
    'EBADHINTS', 'ENOTINITIALIZED', 'ELOADIPHLPAPI', 'EADDRGETNETWORKPARAMS',
    'ECANCELLED',
)

# DNS class IN.
cdef int DNS_CLASS_IN = 1


cdef class DnsQuery:
    """One query c-ares holds, and what its callback needs: the user's
    function, and the ``syscall`` and ``hostname`` of its error."""
    cdef ChannelCore core
    cdef object callback
    cdef str syscall
    cdef str hostname
    cdef int rrtype
    cdef bint ttl
    cdef bint asking        # inside the submitting call

    def deliver(self, code, result):
        """The user's callback (deferred: an answer given while asking)."""
        dns_deliver(self, code, result)


cdef DnsQuery dns_new_query(ChannelCore core, callback, str syscall, str hostname):
    cdef DnsQuery q = DnsQuery.__new__(DnsQuery)
    q.core = core
    q.callback = callback
    q.syscall = syscall
    q.hostname = hostname
    q.asking = True
    core.pending += 1
    return q


cdef int dns_deliver(DnsQuery q, str code, object result) except -1:
    q.core.pending -= 1
    if code is None:
        q.callback(None, result)
    else:
        q.callback(q.core.make_error(code, q.syscall, q.hostname))
    return 0


cdef void dns_answered(DnsQuery q, str code, object result) noexcept:
    """c-ares called back: the user's callback now, or on the check phase
    if c-ares answered inside the submitting call."""
    try:
        if q.asking:
            setImmediate(q.deliver, code, result)
        else:
            dns_deliver(q, code, result)
    except BaseException as exc:
        q.core.loop.report(exc)


cdef str cares_status_code(int status):
    if 0 <= status < len(CARES_CODES):
        return CARES_CODES[status]
    return 'EBADRESP'


def cares_query(ChannelCore core, str name, int rrtype, bint ttl, callback, str syscall,
                str hostname):
    """Asks ``core``'s servers for ``name``'s records of type ``rrtype``
    (1 A, 28 AAAA, 255 ANY, ...); ``ttl`` keeps A/AAAA TTLs.  ``callback``
    gets ``(None, records)`` or ``(error,)``, the error named by
    ``syscall`` and ``hostname`` (the name as the user gave it)."""
    cdef DnsQuery q
    cdef bytes raw = None
    cdef const char* text
    cdef ares.ares_channel_t* channel = core.channel()
    if PyUnicode_IS_ASCII(name):
        text = PyUnicode_AsUTF8AndSize(name, NULL)     # its own bytes: no copy
    else:
        raw = name.encode('latin-1', 'replace')
        text = PyBytes_AS_STRING(raw)
    q = dns_new_query(core, callback, syscall, hostname)
    q.rrtype = rrtype
    q.ttl = ttl
    Py_INCREF(q)        # given back by cares_query_answered or cares_record_answered
    core.query_started()
    if rrtype == RR_A or rrtype == RR_AAAA:
        # resolve4/resolve6's common form: the answer as c-ares parsed it,
        # read once (ares_query would write it back to bytes for
        # ares_parse_a_reply to parse again: a third of the question's C).
        ares.ares_query_dnsrec(channel, text, DNS_CLASS_IN, rrtype, cares_record_answered,
                               <void*>q, NULL)
    else:
        ares.ares_query(channel, text, DNS_CLASS_IN, rrtype, cares_query_answered, <void*>q)
    q.asking = False
    cares_submitted(core)


def cares_get_host_by_addr(ChannelCore core, bytes packed, int family, callback, str hostname):
    """The host names of a packed IPv4 (4 bytes) or IPv6 (16) address,
    by the channel's lookup order (the hosts file, then PTR queries);
    ``callback`` as cares_query's, its error getHostByAddr's."""
    cdef ares.ares_channel_t* channel = core.channel()
    cdef DnsQuery q = dns_new_query(core, callback, 'getHostByAddr', hostname)
    Py_INCREF(q)        # given back by cares_host_found
    core.query_started()
    ares.ares_gethostbyaddr(channel, PyBytes_AS_STRING(packed), len(packed),
                            uv.AF_INET if family == 4 else uv.AF_INET6, cares_host_found, <void*>q)
    q.asking = False
    cares_submitted(core)


cdef void cares_submitted(ChannelCore core) noexcept:
    """After a submission: an outer loop (the asyncio bridge) told to run
    a turn, in which libuv starts polling the sockets c-ares opened."""
    core.loop.wake()


cdef DnsQuery dns_query_back(void* arg):
    """The query c-ares hands back to its callback: the submission's
    reference given back (``q`` holds its own), the core's count of
    queries in flight down."""
    cdef DnsQuery q = <DnsQuery>arg
    Py_DECREF(q)
    q.core.query_ended()
    return q


cdef void dns_parse_failed(DnsQuery q, BaseException exc) noexcept:
    """An answer whose parse raised (MemoryError): reported, and the
    user's callback never runs, so its pending count is given back here."""
    q.core.pending -= 1
    q.core.loop.report(exc)


cdef void cares_query_answered(void* arg, int status, int timeouts, unsigned char* abuf,
                         int alen) noexcept with gil:
    # c-ares' callback (GIL held: it runs inside an ares call pyuvnet made).
    # ``abuf`` is c-ares' and valid only during this call.
    cdef DnsQuery q = dns_query_back(arg)
    cdef int parsed = status
    result = None
    if status == ares.ARES_SUCCESS:
        try:
            result = dns_parse_answer(q.rrtype, abuf, alen, q.ttl, &parsed)
        except BaseException as exc:
            dns_parse_failed(q, exc)
            return
    dns_answered(q, cares_status_code(parsed), result)


cdef void cares_record_answered(void* arg, ares.ares_status_t status, size_t timeouts,
                                const ares.ares_dns_record_t* record) noexcept with gil:
    # ares_query_dnsrec's callback (as cares_query_answered's); ``record``
    # is c-ares' and valid only during this call.
    cdef DnsQuery q = dns_query_back(arg)
    cdef int parsed = status
    result = None
    if status == ares.ARES_SUCCESS:
        try:
            result = dns_record_addresses(q.rrtype, record, q.ttl, &parsed)
        except BaseException as exc:
            dns_parse_failed(q, exc)
            return
    dns_answered(q, cares_status_code(parsed), result)


cdef void cares_host_found(void* arg, int status, int timeouts, ares.hostent* host) noexcept with gil:
    # c-ares' callback for cares_get_host_by_addr; ``host`` is c-ares' (freed
    # after this call).
    cdef DnsQuery q = dns_query_back(arg)
    result = None
    if status == ares.ARES_SUCCESS:
        try:
            result = dns_host_aliases(host)
        except BaseException as exc:
            dns_parse_failed(q, exc)
            return
    dns_answered(q, cares_status_code(status), result)
