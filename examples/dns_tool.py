"""A small `dig`: ask a name server for records with pyuvnet.dns (c-ares,
driven by the pyuvnet loop), as Node's dns.Resolver would.

    python examples/dns_tool.py example.com                 A records
    python examples/dns_tool.py -t MX -t TXT example.com    MX and TXT records
    python examples/dns_tool.py -s 1.1.1.1 -t ANY example.com
    python examples/dns_tool.py -x 8.8.8.8                  reverse lookup
    python examples/dns_tool.py --self-test                 against its own responder

--self-test starts a tiny authoritative responder on 127.0.0.1 (a thread
with a UDP socket from port 0, answering A and MX questions for
``example.test``), asks it through pyuvnet.dns and checks the answers.
"""
from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import threading
from typing import Any

import pyuvnet as net
from pyuvnet import dns


def ask(servers: list[str], questions: list[tuple[str, str]], timeout: int) -> list[Any]:
    """Each (rrtype, name) asked at once; their answers (records or the
    error's code), in order, once all have come."""
    resolver = dns.Resolver({'timeout': timeout, 'tries': 2})
    if servers:
        resolver.setServers(servers)
    answers: list[Any] = [None] * len(questions)

    def asking(index: int, rrtype: str, name: str) -> None:
        def answered(err: OSError | None, records: Any = None) -> None:
            answers[index] = {'error': getattr(err, 'code', str(err))} if err else records
        if rrtype == 'PTR-REVERSE':
            resolver.reverse(name, answered)
        else:
            resolver.resolve(name, rrtype, answered)

    for index, (rrtype, name) in enumerate(questions):
        asking(index, rrtype, name)
    net.run()
    return answers


# -- --self-test: a responder of its own ---------------------------------------

SELF_TEST_ZONE = {('example.test', 1): [b'\x0a\x00\x00\x07'],
                  ('example.test', 15): [struct.pack('!H', 5) + b'\x04mail\x07example\x04test\x00']}


def tiny_responder() -> tuple[socket.socket, threading.Thread]:
    """A UDP responder on 127.0.0.1 answering SELF_TEST_ZONE (others: NXDOMAIN)."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('127.0.0.1', 0))

    def serve() -> None:
        while True:
            try:
                query, peer = udp.recvfrom(512)
            except OSError:
                return
            end = query.index(b'\0', 12) + 5
            labels, at = [], 12
            while query[at]:
                labels.append(query[at + 1:at + 1 + query[at]].decode())
                at += 1 + query[at]
            qtype = struct.unpack('!H', query[end - 4:end - 2])[0]
            rdatas = SELF_TEST_ZONE.get(('.'.join(labels).lower(), qtype))
            known = any(name == '.'.join(labels).lower() for name, _ in SELF_TEST_ZONE)
            flags = 0x8400 | (0 if known else 3)
            answer = struct.pack('!6H', query[0] << 8 | query[1], flags, 1, len(rdatas or ()), 0, 0)
            answer += query[12:end]
            for rdata in rdatas or ():
                # The owner name is a pointer to the question's (offset 12).
                answer += struct.pack('!HHHIH', 0xC00C, qtype, 1, 60, len(rdata)) + rdata
            udp.sendto(answer, peer)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return udp, thread


def self_test() -> int:
    udp, thread = tiny_responder()
    server = '127.0.0.1:%d' % udp.getsockname()[1]
    answers = ask([server], [('A', 'example.test'), ('MX', 'example.test'),
                             ('A', 'missing.test')], 2000)
    udp.close()
    thread.join(5)
    expected = [['10.0.0.7'], [{'exchange': 'mail.example.test', 'priority': 5}],
                {'error': 'ENOTFOUND'}]
    if answers != expected:
        print('self-test FAILED: %r != %r' % (answers, expected))
        return 1
    print('self-test passed: %d answers as expected' % len(answers))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('names', nargs='*', help='names to ask about (addresses with -x)')
    parser.add_argument('-t', '--type', action='append', dest='types',
                        help="record type (A, AAAA, ANY, CAA, CNAME, MX, NAPTR, NS, PTR, SOA, "
                             "SRV, TXT); repeatable; default A")
    parser.add_argument('-s', '--server', action='append', default=[],
                        help="name server, IP[:PORT] or [IPv6]:PORT; default the system's")
    parser.add_argument('-x', '--reverse', action='store_true', help='reverse lookups of addresses')
    parser.add_argument('--timeout', type=int, default=2000, help='ms per try (default 2000)')
    parser.add_argument('--self-test', action='store_true', help='check against a responder of its own')
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    kinds = ['PTR-REVERSE'] if args.reverse else (args.types or ['A'])
    questions = [(kind.upper() if kind != 'PTR-REVERSE' else kind, name)
                 for name in args.names for kind in kinds]
    for (kind, name), answer in zip(questions, ask(args.server, questions, args.timeout)):
        print('%s %s %s' % (name, 'reverse' if kind == 'PTR-REVERSE' else kind, json.dumps(answer)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
