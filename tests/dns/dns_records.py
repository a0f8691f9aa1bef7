"""The zone the dns tests ask about, and what Node 20's resolver answered
for it (pinned from /usr/bin/node with a Resolver pointed at the same
responder; tests/dns/test_dns_interop_node.py asks Node again)."""
from dns_support import A, AAAA, CAA, CNAME, MX, NAPTR, NS, PTR, SOA, SRV, TXT

ZONE = {
    'a.test': [
        A('10.0.0.1', ttl=60), A('10.0.0.2', ttl=61), AAAA('::1:2', ttl=62),
        MX(10, 'mx1.a.test'), MX(20, 'mx2.a.test'), NS('ns1.a.test'),
        TXT('v=spf1', ' -all'), TXT('caf\xe9'), SRV(1, 2, 5060, 'sip.a.test'),
        NAPTR(100, 10, 'S', 'SIP+D2U', '', '_sip._udp.a.test'),
        SOA('ns1.a.test', 'root.a.test', 7, 3600, 600, 86400, 300),
        CAA(0, 'issue', 'ca.test'), CAA(128, 'iodef', 'mailto:x@a.test'),
    ],
    'alias.test': [CNAME('a.test')],
    '1.0.0.10.in-addr.arpa': [PTR('a.test'), PTR('b.test')],
    'empty.test': [A('10.0.0.9')],
    # An answer longer than any UDP reply the responder sends: truncated,
    # asked again over TCP.
    'big.test': [TXT('x' * 200) for _ in range(20)],
}

MISBEHAVE = {
    'fail.test': 'rcode:2', 'refused.test': 'rcode:5', 'silent.test': 'silent',
    'loop.test': 'pointer-loop', 'spoofid.test': 'spoof-id', 'spoofport.test': 'spoof-port',
    'spoofonly.test': 'spoof-only', 'garbage.test': 'garbage', 'ancount.test': 'bad-ancount',
}
ZONE['ancount.test'] = [A('1.2.3.4', ttl=123)]
# A name with a non-ASCII label is asked in punycode, as Node's toASCII does.
ZONE['xn--caf-dma.test'] = [A('10.7.7.7')]
ZONE['spoofid.test'] = ZONE['spoofport.test'] = ZONE['spoofonly.test'] = [A('10.9.9.9')]

MX_RECORDS = [{'exchange': 'mx1.a.test', 'priority': 10}, {'exchange': 'mx2.a.test', 'priority': 20}]
SOA_RECORD = {'nsname': 'ns1.a.test', 'hostmaster': 'root.a.test', 'serial': 7, 'refresh': 3600,
              'retry': 600, 'expire': 86400, 'minttl': 300}
SRV_RECORDS = [{'name': 'sip.a.test', 'port': 5060, 'priority': 1, 'weight': 2}]
NAPTR_RECORDS = [{'flags': 'S', 'service': 'SIP+D2U', 'regexp': '', 'replacement': '_sip._udp.a.test',
                  'order': 100, 'preference': 10}]
CAA_RECORDS = [{'critical': 0, 'issue': 'ca.test'}, {'critical': 128, 'iodef': 'mailto:x@a.test'}]

# (method, name, options or None) -> Node 20's answer.
NODE_ANSWERS = [
    ('resolve4', 'a.test', None, ['10.0.0.1', '10.0.0.2']),
    ('resolve4', 'a.test', {'ttl': True},
     [{'address': '10.0.0.1', 'ttl': 60}, {'address': '10.0.0.2', 'ttl': 61}]),
    ('resolve6', 'a.test', {'ttl': True}, [{'address': '::0.1.0.2', 'ttl': 62}]),
    ('resolveMx', 'a.test', None, MX_RECORDS),
    ('resolveNs', 'a.test', None, ['ns1.a.test']),
    ('resolveTxt', 'a.test', None, [['v=spf1', ' -all'], ['caf\xe9']]),
    ('resolveSrv', 'a.test', None, SRV_RECORDS),
    ('resolveNaptr', 'a.test', None, NAPTR_RECORDS),
    ('resolveSoa', 'a.test', None, SOA_RECORD),
    ('resolveCaa', 'a.test', None, CAA_RECORDS),
    ('resolveAny', 'a.test', None, [
        {'address': '10.0.0.1', 'ttl': 60, 'type': 'A'},
        {'address': '10.0.0.2', 'ttl': 61, 'type': 'A'},
        {'address': '::0.1.0.2', 'ttl': 62, 'type': 'AAAA'},
        dict(MX_RECORDS[0], type='MX'), dict(MX_RECORDS[1], type='MX'),
        {'value': 'ns1.a.test', 'type': 'NS'},
        {'entries': ['v=spf1', ' -all'], 'type': 'TXT'}, {'entries': ['caf\xe9'], 'type': 'TXT'},
        dict(SRV_RECORDS[0], type='SRV'), dict(NAPTR_RECORDS[0], type='NAPTR'),
        dict(SOA_RECORD, type='SOA'),
        dict(CAA_RECORDS[0], type='CAA'), dict(CAA_RECORDS[1], type='CAA'),
    ]),
    ('resolveCname', 'alias.test', None, ['a.test']),
    ('resolvePtr', '1.0.0.10.in-addr.arpa', None, ['a.test', 'b.test']),
    ('reverse', '10.0.0.1', None, ['a.test', 'b.test']),
    ('resolve4', 'alias.test', None, []),
]

# name, method -> Node 20's error code (syscall and message follow from them).
NODE_FAILURES = [
    ('resolve4', 'nx.test', 'ENOTFOUND', 'queryA'),
    ('resolveMx', 'empty.test', 'ENODATA', 'queryMx'),
    ('resolveCname', 'a.test', 'ENODATA', 'queryCname'),
    ('resolve4', 'fail.test', 'ESERVFAIL', 'queryA'),
    ('resolve4', 'refused.test', 'EREFUSED', 'queryA'),
    ('resolve4', 'loop.test', 'EBADRESP', 'queryA'),
]
