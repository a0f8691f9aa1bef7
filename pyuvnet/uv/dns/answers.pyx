# A DNS answer parsed into Node's records, by c-ares' parsers (which
# bound every name and follow no compression pointer twice), with Node's
# shapes (its cares_wrap.cc): addresses as str, records as dicts with
# Node's keys, TXT records as lists of chunks.  Names and TXT chunks are
# decoded as Latin-1, as Node makes them one-byte strings.
from cpython.unicode cimport PyUnicode_DecodeLatin1
from libc.string cimport strlen

cdef int RR_A = 1, RR_NS = 2, RR_CNAME = 5, RR_SOA = 6, RR_PTR = 12, RR_MX = 15
cdef int RR_TXT = 16, RR_AAAA = 28, RR_SRV = 33, RR_NAPTR = 35, RR_ANY = 255, RR_CAA = 257

cdef enum:
    # Node keeps this many TTLs of an A or AAAA answer (its addrttls
    # array): resolve4({ttl: true}) gives every address, the ones past it
    # with ttl undefined (None here); resolveAny aborts past it in Node
    # (a CHECK), and keeps the first so many here.
    MAX_TTLS = 256


cdef inline str dns_latin1(const char* text, Py_ssize_t length=-1):
    if length < 0:
        length = strlen(text)
    return PyUnicode_DecodeLatin1(text, length, NULL)


cdef extern from *:
    """
    /* An IPv4 address in dotted decimal, as inet_ntop writes it (without
       its snprintf, a third of a small answer's parse); its length. */
    static int pyuvnet_ipv4_text(const unsigned char *octets, char *text) {
        int at = 0, i;
        for (i = 0; i < 4; i++) {
            unsigned int o = octets[i];
            if (i)
                text[at++] = '.';
            if (o >= 100)
                text[at++] = (char)('0' + o / 100);
            if (o >= 10)
                text[at++] = (char)('0' + o / 10 % 10);
            text[at++] = (char)('0' + o % 10);
        }
        return at;
    }
    """
    int pyuvnet_ipv4_text(const unsigned char* octets, char* text)


cdef extern from *:
    """
    /* The packed address of an AF_INET or AF_INET6 sockaddr. */
    static const void *pyuvnet_sockaddr_ip(const void *sa) {
        if (((const struct sockaddr *)sa)->sa_family == AF_INET)
            return &((const struct sockaddr_in *)sa)->sin_addr;
        return &((const struct sockaddr_in6 *)sa)->sin6_addr;
    }
    """
    const void* pyuvnet_sockaddr_ip(const void* sa)


cdef str dns_packed_address(int family, const void* packed):
    cdef char text[64]
    if family == uv.AF_INET:
        return dns_latin1(text, pyuvnet_ipv4_text(<const unsigned char*>packed, text))
    uv.uv_inet_ntop(family, packed, text, sizeof(text))
    return dns_latin1(text)


cdef list dns_host_aliases(ares.hostent* host):
    """The aliases of a parsed hostent (NS and PTR names, reverse())."""
    cdef list names = []
    cdef Py_ssize_t i = 0
    while host.h_aliases[i] != NULL:
        names.append(dns_latin1(host.h_aliases[i]))
        i += 1
    return names


cdef object dns_parse_answer(int rrtype, const unsigned char* abuf, int alen, bint ttl,
                         int* status):
    """``rrtype``'s records in ``abuf``, or None with ``status`` set."""
    if rrtype == RR_A or rrtype == RR_AAAA:
        return dns_parse_addresses(rrtype, abuf, alen, ttl, False, status)
    if rrtype == RR_CNAME:
        return dns_parse_cname(abuf, alen, status)
    if rrtype == RR_NS or rrtype == RR_PTR:
        return dns_parse_names(rrtype, abuf, alen, status)
    if rrtype == RR_MX:
        return dns_parse_mx(abuf, alen, False, status)
    if rrtype == RR_TXT:
        return dns_parse_txt(abuf, alen, False, status)
    if rrtype == RR_SRV:
        return dns_parse_srv(abuf, alen, False, status)
    if rrtype == RR_NAPTR:
        return dns_parse_naptr(abuf, alen, False, status)
    if rrtype == RR_SOA:
        return dns_parse_soa(abuf, alen, status)
    if rrtype == RR_CAA:
        return dns_parse_caa(abuf, alen, False, status)
    if rrtype == RR_ANY:
        return dns_parse_any(abuf, alen, status)
    status[0] = ares.ARES_EBADRESP
    return None


cdef object dns_parse_addresses(int rrtype, const unsigned char* abuf, int alen, bint ttl,
                            bint typed, int* status):
    """A or AAAA: addresses, or ``{'address', 'ttl'}`` dicts (``typed``:
    with ``'type'``, as resolveAny's)."""
    cdef ares.hostent* host = NULL
    cdef ares.ares_addrttl ttls4[MAX_TTLS]
    cdef ares.ares_addr6ttl ttls6[MAX_TTLS]
    cdef int count = MAX_TTLS
    if rrtype == RR_A:
        status[0] = ares.ares_parse_a_reply(abuf, alen, &host, ttls4, &count)
    else:
        status[0] = ares.ares_parse_aaaa_reply(abuf, alen, &host, ttls6, &count)
    if status[0] != ares.ARES_SUCCESS:
        return None
    ares.ares_free_hostent(host)
    return dns_address_list(rrtype, ttls4, ttls6, count, ttl, typed)


cdef object dns_record_addresses(int rrtype, const ares.ares_dns_record_t* record, bint ttl,
                                 int* status):
    """resolve4's and resolve6's records from the answer c-ares parsed, as
    dns_parse_addresses() reads them from its bytes: ares_parse_a_reply's
    steps after its parse (its status too: ENODATA unless an address of
    the family or a CNAME alias was found)."""
    cdef ares.ares_addrinfo found
    cdef ares.ares_addrttl ttls4[MAX_TTLS]
    cdef ares.ares_addr6ttl ttls6[MAX_TTLS]
    cdef size_t count = 0
    cdef int family = uv.AF_INET if rrtype == RR_A else uv.AF_INET6
    cdef list addresses
    memset(&found, 0, sizeof(found))
    try:
        status[0] = ares.ares_parse_into_addrinfo(record, 0, 0, &found)
        if status[0] != ares.ARES_SUCCESS and status[0] != ares.ARES_ENODATA:
            if status[0] == ares.ARES_EBADNAME:
                status[0] = ares.ARES_EBADRESP
            return None
        if ttl:
            # The TTLs as ares_parse_a_reply gives Node's array (a CNAME's
            # lower TTL caps an address's).
            ares.ares_addrinfo2addrttl(&found, family, MAX_TTLS, ttls4, ttls6, &count)
        addresses = dns_node_addresses(found.nodes, family, ttls4, ttls6, count, ttl)
        if not addresses and not dns_has_alias(found.cnames):
            status[0] = ares.ARES_ENODATA
            return None
        status[0] = ares.ARES_SUCCESS
        return addresses
    finally:
        ares.ares_freeaddrinfo_cnames(found.cnames)
        ares.ares_freeaddrinfo_nodes(found.nodes)
        ares.ares_free_string(found.name)


cdef list dns_node_addresses(ares.ares_addrinfo_node* node, int family,
                             ares.ares_addrttl* ttls4, ares.ares_addr6ttl* ttls6, size_t count,
                             bint ttl):
    """Every address of ``family`` in the answer, in its order, as Node's
    hostent gives them (not only those its TTL array holds); with ``ttl``,
    ``{'address', 'ttl'}`` dicts, the TTL None past the ``count`` known."""
    cdef list found = []
    cdef size_t i = 0
    while node != NULL:
        if node.ai_family == family:
            address = dns_packed_address(family, pyuvnet_sockaddr_ip(node.ai_addr))
            if ttl:
                record_ttl = None
                if i < count:
                    record_ttl = ttls4[i].ttl if family == uv.AF_INET else ttls6[i].ttl
                found.append({'address': address, 'ttl': record_ttl})
            else:
                found.append(address)
            i += 1
        node = node.ai_next
    return found


cdef bint dns_has_alias(ares.ares_addrinfo_cname* cname) noexcept:
    while cname != NULL:
        if cname.alias != NULL:
            return True
        cname = cname.next
    return False


cdef list dns_address_list(int rrtype, ares.ares_addrttl* ttls4, ares.ares_addr6ttl* ttls6,
                           int count, bint ttl, bint typed):
    cdef list found = []
    cdef int i
    for i in range(count):
        if rrtype == RR_A:
            address = dns_packed_address(uv.AF_INET, &ttls4[i].ipaddr)
            record_ttl = ttls4[i].ttl
        else:
            address = dns_packed_address(uv.AF_INET6, &ttls6[i].ip6addr)
            record_ttl = ttls6[i].ttl
        if typed:
            found.append({'address': address, 'ttl': record_ttl,
                          'type': 'A' if rrtype == RR_A else 'AAAA'})
        elif ttl:
            found.append({'address': address, 'ttl': record_ttl})
        else:
            found.append(address)
    return found


cdef object dns_parse_cname(const unsigned char* abuf, int alen, int* status):
    """CNAME: the name the chain ends at, as Node's one-element list."""
    cdef ares.hostent* host = NULL
    status[0] = ares.ares_parse_a_reply(abuf, alen, &host, NULL, NULL)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        return [dns_latin1(host.h_name)]
    finally:
        ares.ares_free_hostent(host)


cdef object dns_parse_names(int rrtype, const unsigned char* abuf, int alen, int* status):
    """NS or PTR: the names."""
    cdef ares.hostent* host = NULL
    if rrtype == RR_NS:
        status[0] = ares.ares_parse_ns_reply(abuf, alen, &host)
    else:
        status[0] = ares.ares_parse_ptr_reply(abuf, alen, NULL, 0, uv.AF_INET, &host)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        return dns_host_aliases(host)
    finally:
        ares.ares_free_hostent(host)


cdef object dns_parse_mx(const unsigned char* abuf, int alen, bint typed, int* status):
    cdef ares.ares_mx_reply* first = NULL
    cdef ares.ares_mx_reply* mx
    cdef list found = []
    status[0] = ares.ares_parse_mx_reply(abuf, alen, &first)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        mx = first
        while mx != NULL:
            record = {'exchange': dns_latin1(mx.host), 'priority': mx.priority}
            if typed:
                record['type'] = 'MX'
            found.append(record)
            mx = mx.next
    finally:
        ares.ares_free_data(first)
    return found


cdef object dns_parse_txt(const unsigned char* abuf, int alen, bint typed, int* status):
    """TXT: one list of chunks per record (a record's strings stay apart)."""
    cdef ares.ares_txt_ext* first = NULL
    cdef ares.ares_txt_ext* txt
    cdef list found = []
    cdef list chunks = None
    status[0] = ares.ares_parse_txt_reply_ext(abuf, alen, &first)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        txt = first
        while txt != NULL:
            if txt.record_start or chunks is None:
                chunks = []
                found.append({'entries': chunks, 'type': 'TXT'} if typed else chunks)
            chunks.append(dns_latin1(<const char*>txt.txt, txt.length))
            txt = txt.next
    finally:
        ares.ares_free_data(first)
    return found


cdef object dns_parse_srv(const unsigned char* abuf, int alen, bint typed, int* status):
    cdef ares.ares_srv_reply* first = NULL
    cdef ares.ares_srv_reply* srv
    cdef list found = []
    status[0] = ares.ares_parse_srv_reply(abuf, alen, &first)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        srv = first
        while srv != NULL:
            record = {'name': dns_latin1(srv.host), 'port': srv.port,
                      'priority': srv.priority, 'weight': srv.weight}
            if typed:
                record['type'] = 'SRV'
            found.append(record)
            srv = srv.next
    finally:
        ares.ares_free_data(first)
    return found


cdef object dns_parse_naptr(const unsigned char* abuf, int alen, bint typed, int* status):
    cdef ares.ares_naptr_reply* first = NULL
    cdef ares.ares_naptr_reply* naptr
    cdef list found = []
    status[0] = ares.ares_parse_naptr_reply(abuf, alen, &first)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        naptr = first
        while naptr != NULL:
            record = {'flags': dns_latin1(<const char*>naptr.flags),
                      'service': dns_latin1(<const char*>naptr.service),
                      'regexp': dns_latin1(<const char*>naptr.regexp),
                      'replacement': dns_latin1(naptr.replacement),
                      'order': naptr.order, 'preference': naptr.preference}
            if typed:
                record['type'] = 'NAPTR'
            found.append(record)
            naptr = naptr.next
    finally:
        ares.ares_free_data(first)
    return found


cdef object dns_parse_soa(const unsigned char* abuf, int alen, int* status):
    """SOA: one dict (not a list), as Node's."""
    cdef ares.ares_soa_reply* soa = NULL
    status[0] = ares.ares_parse_soa_reply(abuf, alen, &soa)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        return {'nsname': dns_latin1(soa.nsname), 'hostmaster': dns_latin1(soa.hostmaster),
                'serial': soa.serial, 'refresh': soa.refresh, 'retry': soa.retry,
                'expire': soa.expire, 'minttl': soa.minttl}
    finally:
        ares.ares_free_data(soa)


cdef object dns_parse_caa(const unsigned char* abuf, int alen, bint typed, int* status):
    """CAA: ``{'critical': flags, <property>: value}``."""
    cdef ares.ares_caa_reply* first = NULL
    cdef ares.ares_caa_reply* caa
    cdef list found = []
    status[0] = ares.ares_parse_caa_reply(abuf, alen, &first)
    if status[0] != ares.ARES_SUCCESS:
        return None
    try:
        caa = first
        while caa != NULL:
            record = {'critical': caa.critical,
                      dns_latin1(<const char*>caa.property, caa.plength):
                          dns_latin1(<const char*>caa.value, caa.length)}
            if typed:
                record['type'] = 'CAA'
            found.append(record)
            caa = caa.next
    finally:
        ares.ares_free_data(first)
    return found


cdef object dns_parse_any(const unsigned char* abuf, int alen, int* status):
    """ANY: every kind Node reads from the answer, each record with its
    ``'type'``; a kind absent (ENODATA) is skipped, any other failure fails."""
    cdef list found = []
    cdef ares.hostent* host = NULL
    cdef int kind
    # A, or the CNAME the A parse meets first (Node's ns_t_cname_or_a).
    status[0] = ares.ares_parse_a_reply(abuf, alen, &host, NULL, NULL)
    if status[0] == ares.ARES_SUCCESS:
        try:
            cname = host.h_aliases[0] != NULL
            if cname:
                found.append({'value': dns_latin1(host.h_name), 'type': 'CNAME'})
        finally:
            ares.ares_free_hostent(host)
        if not cname:
            found += dns_parse_addresses(RR_A, abuf, alen, True, True, status)
    elif status[0] != ares.ARES_ENODATA:
        return None
    for kind in (RR_AAAA, RR_MX, RR_NS, RR_TXT, RR_SRV, RR_PTR, RR_NAPTR, RR_SOA, RR_CAA):
        if kind == RR_AAAA:
            records = dns_parse_addresses(RR_AAAA, abuf, alen, True, True, status)
        elif kind == RR_MX:
            records = dns_parse_mx(abuf, alen, True, status)
        elif kind == RR_NS or kind == RR_PTR:
            records = dns_parse_names(kind, abuf, alen, status)
            if records is not None:
                records = [{'value': name, 'type': 'NS' if kind == RR_NS else 'PTR'}
                           for name in records]
        elif kind == RR_TXT:
            records = dns_parse_txt(abuf, alen, True, status)
        elif kind == RR_SRV:
            records = dns_parse_srv(abuf, alen, True, status)
        elif kind == RR_NAPTR:
            records = dns_parse_naptr(abuf, alen, True, status)
        elif kind == RR_SOA:
            records = dns_parse_soa(abuf, alen, status)
            if records is not None:
                records['type'] = 'SOA'
                records = [records]
        else:
            records = dns_parse_caa(abuf, alen, True, status)
        if records is not None:
            found += records
        elif status[0] != ares.ARES_ENODATA and not (kind == RR_SOA
                                                    and status[0] == ares.ARES_EBADRESP):
            # (c-ares' SOA parse says EBADRESP for an answer without one,
            # which every parse before this one read whole: Node's own SOA
            # parse finds none and goes on.)
            return None
    status[0] = ares.ARES_SUCCESS
    return found
