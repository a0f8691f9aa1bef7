# One DNS question on a ChannelCore: ares_query (resolve*) or
# ares_gethostbyaddr (reverse), its answer parsed into Node's records
# (uv/dns/answers.pyx) and handed to its callback.
#
# Ownership.  c-ares holds a DnsQuery from its submission to its callback:
# the submission takes a reference (Py_INCREF) that the callback gives
# back.  c-ares calls back exactly once per query: with the answer, a
# failure, ECANCELLED (cancel()) or EDESTRUCTION (the channel destroyed,
# which cannot happen while a query holds its core).  The callback may
# come inside the submitting call (a name c-ares refuses at once): the
# Python layer defers what the user sees (pyuvnet/dns/_resolver.py).

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
    """One query c-ares holds; ``callback(code, result)`` follows, with
    ``code`` None or Node's error code (``'ENOTFOUND'``, ...)."""
    cdef ChannelCore core
    cdef object callback
    cdef int rrtype
    cdef bint ttl


cdef str cares_status_code(int status):
    if 0 <= status < len(CARES_CODES):
        return CARES_CODES[status]
    return 'EBADRESP'


def cares_query(ChannelCore core, str name, int rrtype, bint ttl, callback):
    """Asks ``core``'s servers for ``name``'s records of type ``rrtype``
    (1 A, 28 AAAA, 255 ANY, ...); ``ttl`` keeps A/AAAA TTLs."""
    cdef DnsQuery q = DnsQuery.__new__(DnsQuery)
    cdef bytes raw = name.encode('latin-1', 'replace')
    cdef ares.ares_channel_t* channel = core.channel()
    q.core = core
    q.callback = callback
    q.rrtype = rrtype
    q.ttl = ttl
    Py_INCREF(q)        # given back by cares_query_answered or cares_record_answered
    core.query_started()
    if rrtype == RR_A or rrtype == RR_AAAA:
        # resolve4/resolve6's common form: the answer as c-ares parsed it,
        # read once (ares_query would write it back to bytes for
        # ares_parse_a_reply to parse again: a third of the question's C).
        ares.ares_query_dnsrec(channel, raw, DNS_CLASS_IN, rrtype, cares_record_answered,
                               <void*>q, NULL)
    else:
        ares.ares_query(channel, raw, DNS_CLASS_IN, rrtype, cares_query_answered, <void*>q)
    cares_submitted(core)


def cares_get_host_by_addr(ChannelCore core, bytes packed, int family, callback):
    """The host names of a packed IPv4 (4 bytes) or IPv6 (16) address,
    by the channel's lookup order (the hosts file, then PTR queries)."""
    cdef DnsQuery q = DnsQuery.__new__(DnsQuery)
    cdef ares.ares_channel_t* channel = core.channel()
    q.core = core
    q.callback = callback
    Py_INCREF(q)        # given back by cares_host_found
    core.query_started()
    ares.ares_gethostbyaddr(channel, PyBytes_AS_STRING(packed), len(packed),
                            uv.AF_INET if family == 4 else uv.AF_INET6, cares_host_found, <void*>q)
    cares_submitted(core)


cdef void cares_submitted(ChannelCore core) noexcept:
    """After a submission: the timer at c-ares' deadline, and an outer loop
    (the asyncio bridge) told to run a turn, in which libuv starts polling
    the sockets c-ares opened."""
    cares_rearm_timer(core.driver)
    core.loop.wake()


cdef void cares_query_answered(void* arg, int status, int timeouts, unsigned char* abuf,
                         int alen) noexcept with gil:
    # c-ares' callback (GIL held: it runs inside an ares call pyuvnet made).
    # ``abuf`` is c-ares' and valid only during this call.
    cdef DnsQuery q = <DnsQuery>arg
    cdef int parsed = status
    Py_DECREF(q)
    q.core.query_ended()
    result = None
    try:
        if status == ares.ARES_SUCCESS:
            result = dns_parse_answer(q.rrtype, abuf, alen, q.ttl, &parsed)
        q.callback(cares_status_code(parsed), result)
    except BaseException as exc:
        q.core.loop.report(exc)


cdef void cares_record_answered(void* arg, ares.ares_status_t status, size_t timeouts,
                                const ares.ares_dns_record_t* record) noexcept with gil:
    # ares_query_dnsrec's callback (as cares_query_answered's); ``record``
    # is c-ares' and valid only during this call.
    cdef DnsQuery q = <DnsQuery>arg
    cdef int parsed = status
    Py_DECREF(q)
    q.core.query_ended()
    result = None
    try:
        if status == ares.ARES_SUCCESS:
            result = dns_record_addresses(q.rrtype, record, q.ttl, &parsed)
        q.callback(cares_status_code(parsed), result)
    except BaseException as exc:
        q.core.loop.report(exc)


cdef void cares_host_found(void* arg, int status, int timeouts, ares.hostent* host) noexcept with gil:
    # c-ares' callback for cares_get_host_by_addr; ``host`` is c-ares' (freed
    # after this call).
    cdef DnsQuery q = <DnsQuery>arg
    Py_DECREF(q)
    q.core.query_ended()
    try:
        q.callback(cares_status_code(status),
                   dns_host_aliases(host) if status == ares.ARES_SUCCESS else None)
    except BaseException as exc:
        q.core.loop.report(exc)
