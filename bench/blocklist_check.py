"""Micro-benchmark: BlockList.check with many rules.

    python bench/blocklist_check.py [--rules 10000] [--checks 1000000] [--seed 1]

Builds a BlockList of ``--rules`` random rules (IPv4 addresses, ranges and
subnets, and one IPv6 rule in ten), then times ``--checks`` calls of
``check()`` on random address strings (nine IPv4 for one IPv6, as a server
mostly sees) and prints the time and the checks per second. A second line
times the same checks on SocketAddress objects, which skip the text parsing.

Runs from a source tree without the compiled extension (it imports the
pure-Python modules directly).
"""
import argparse
import os
import random
import sys
import time
import types


def _load_pure_modules():
    """BlockList and SocketAddress from this source tree, extension or not.

    pyuvnet/__init__.py imports the libuv extension; these modules need only
    each other, so a bare package object pointing at the tree's folder lets
    them import without running it.
    """
    package = types.ModuleType('pyuvnet')
    package.__path__ = [os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pyuvnet')]
    sys.modules['pyuvnet'] = package
    from pyuvnet.net._blocklist import BlockList
    from pyuvnet.net._socket_address import SocketAddress
    return BlockList, SocketAddress


def _ipv4(rng):
    return '%d.%d.%d.%d' % tuple(rng.randrange(256) for _ in range(4))


def _ipv6(rng):
    return '2001:db8:%x:%x::%x' % (rng.randrange(65536), rng.randrange(65536), rng.randrange(65536))


def build(BlockList, count, rng):
    blocklist = BlockList()
    for index in range(count):
        kind = index % 3
        if index % 10 == 9:
            if kind == 0:
                blocklist.addAddress(_ipv6(rng), 'ipv6')
            else:
                blocklist.addSubnet(_ipv6(rng), rng.randrange(48, 129), 'ipv6')
        elif kind == 0:
            blocklist.addAddress(_ipv4(rng))
        elif kind == 1:
            start = rng.randrange(2 ** 32 - 4096)
            end = start + rng.randrange(4096)
            blocklist.addRange(*('%d.%d.%d.%d' % (v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255)
                                 for v in (start, end)))
        else:
            blocklist.addSubnet(_ipv4(rng), rng.randrange(16, 33))
    return blocklist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rules', type=int, default=10000)
    parser.add_argument('--checks', type=int, default=1000000)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)

    BlockList, SocketAddress = _load_pure_modules()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    blocklist = build(BlockList, args.rules, rng)
    built = time.perf_counter() - started

    # A pool of distinct queries, cycled, keeps the set-up out of the timing.
    pool = [(_ipv6(rng), 'ipv6') if n % 10 == 9 else (_ipv4(rng), 'ipv4') for n in range(10000)]
    queries = [pool[n % len(pool)] for n in range(args.checks)]
    check = blocklist.check
    started = time.perf_counter()
    blocked = 0
    for address, family in queries:
        if check(address, family):
            blocked += 1
    elapsed = time.perf_counter() - started

    objects = [SocketAddress(address=a, family=f) for a, f in pool]
    object_queries = [objects[n % len(objects)] for n in range(args.checks)]
    started = time.perf_counter()
    for address in object_queries:
        check(address)
    object_elapsed = time.perf_counter() - started

    print('BlockList: %d rules (built in %.3f s), %d rule texts'
          % (args.rules, built, len(blocklist.rules)))
    print('check(str, family): %d checks in %.3f s = %.0f checks/s (%.2f us each; %d blocked)'
          % (args.checks, elapsed, args.checks / elapsed, elapsed / args.checks * 1e6, blocked))
    print('check(SocketAddress): %d checks in %.3f s = %.0f checks/s (%.2f us each)'
          % (args.checks, object_elapsed, args.checks / object_elapsed,
             object_elapsed / args.checks * 1e6))


if __name__ == '__main__':
    main()
