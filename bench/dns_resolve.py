"""resolve4 against a local authoritative responder: the client's CPU per
query for pyuvnet.dns, Node's dns.Resolver and aiodns (pycares under
asyncio), all three c-ares (docs/DNS.md; figures in bench/RESULTS-ARCHIVE.md).
pyuvnet and Node run c-ares without its query cache (Node's setting), so
each question is a datagram out and one in: the same system calls for both,
whose system CPU the report gives apart from the user CPU.

    nice -n 10 python bench/dns_resolve.py [--queries 20000] [--concurrency 50] [--repeats 5]
                                           [--json FILE] [--instructions]

The responder is the tests' (tests/dns/dns_support.py), in a process of
its own on 127.0.0.1. Each client is a fresh process that asks 200
questions to warm up, then ``--queries`` questions with ``--concurrency``
in flight, and reports the user+system CPU it spent on them (getrusage;
Node's process.cpuUsage()). Each client runs ``--repeats`` times,
interleaved; the report is the median with min-max, and each one's ratio
to Node's over the paired runs (run i of each came in the same repeat):
their median and range. Every run is bounded by a 60 s cap. ``--json``
writes the runs' figures for ``bench/run.py --full`` (its ``dns`` step,
issue 56's row in the targets report): ``{'systems': {name: {'cpu': [us
per question, one per run], 'user': [...], 'system': [...]}}, 'missing':
{name: why}}``.

``--instructions`` also counts each client's instructions per question
under callgrind (valgrind), which the machine's load does not move: the
difference between a run of 3,000 questions and one of 1,000, over
2,000, so that start-up, warm-up and exit cancel out. Node's figure is
a few percent high at these counts, its JIT still warming (2026-11-28:
100,700 here, 95,900 from runs of 2,000 and 6,000).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from runner.instructions import callgrind_argv, callgrind_total  # noqa: E402

TESTS_DNS = os.path.join(os.path.dirname(HERE), 'tests', 'dns')
CAP_SECONDS = 60

RESPONDER = r'''
import sys, time
sys.path.insert(0, sys.argv[1])
from dns_support import Responder, A
with Responder({'a.test': [A('10.0.0.1'), A('10.0.0.2')]}) as server:
    print(server.server, flush=True)
    sys.stdin.read()
'''

PYUVNET_CLIENT = r'''
import json, resource, sys
import pyuvnet
from pyuvnet import dns
server, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
resolver = dns.Resolver({'timeout': 2000, 'tries': 2})
resolver.setServers([server])
state = {'asked': 0, 'failed': 0}

def ask_until(total):
    def answered(err, addresses=None):
        if err is not None:
            state['failed'] += 1
        if state['asked'] < total:
            state['asked'] += 1
            resolver.resolve4('a.test', answered)
    for _ in range(concurrency):
        state['asked'] += 1
        resolver.resolve4('a.test', answered)
    pyuvnet.run()

ask_until(200)
state['asked'] = 0
before = resource.getrusage(resource.RUSAGE_SELF)
ask_until(count)
after = resource.getrusage(resource.RUSAGE_SELF)
user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
print(json.dumps({'user_s': user, 'system_s': system, 'failed': state['failed']}))
'''

AIODNS_CLIENT = r'''
import asyncio, json, resource, sys
import aiodns
server, count, concurrency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

async def main():
    resolver = aiodns.DNSResolver(nameservers=[server], timeout=2, tries=2)
    failed = 0

    async def worker(share):
        nonlocal failed
        for _ in range(share):
            try:
                await resolver.query('a.test', 'A')
            except aiodns.error.DNSError:
                failed += 1

    async def ask(total):
        await asyncio.gather(*(worker(total // concurrency) for _ in range(concurrency)))
    await ask(200)
    before = resource.getrusage(resource.RUSAGE_SELF)
    await ask(count)
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(json.dumps({'user_s': user, 'system_s': system, 'failed': failed}))
asyncio.run(main())
'''

NODE_CLIENT = r'''
const dns = require('dns');
const [server, count, concurrency] = [process.argv[1], +process.argv[2], +process.argv[3]];
const resolver = new dns.Resolver({timeout: 2000, tries: 2});
resolver.setServers([server]);
let asked = 0, answered = 0, failed = 0;
function askUntil(total, done) {
  asked = 0; answered = 0;
  const one = (err) => {
    if (err) failed++;
    answered++;
    if (asked < total) { asked++; resolver.resolve4('a.test', one); }
    else if (answered === total) done();
  };
  for (let i = 0; i < concurrency; i++) { asked++; resolver.resolve4('a.test', one); }
}
askUntil(200, () => {
  const before = process.cpuUsage();
  askUntil(count, () => {
    const used = process.cpuUsage(before);
    console.log(JSON.stringify({user_s: used.user / 1e6, system_s: used.system / 1e6, failed}));
  });
});
'''


def client_command(name, server, args):
    counts = [server, str(args.queries), str(args.concurrency)]
    if name == 'node':
        return [shutil.which('node') or '/usr/bin/node', '-e', NODE_CLIENT] + counts
    return [sys.executable, '-c', PYUVNET_CLIENT if name == 'pyuvnet' else AIODNS_CLIENT] + counts


def instructions(name, server, args):
    """The client's instructions per question under callgrind: (run of
    3n questions - run of n) / 2n, n = 1,000."""
    totals = []
    with tempfile.TemporaryDirectory(prefix='pyuvnet-dns-instr-') as scratch:
        for count in (1000, 3000):
            sized = argparse.Namespace(queries=count, concurrency=args.concurrency)
            out = Path(scratch) / ('callgrind.%d' % count)
            # Node writes machine code as it runs: valgrind must see it change.
            options = ['--smc-check=all-non-file'] if name == 'node' else []
            proc = subprocess.run(callgrind_argv(out, client_command(name, server, sized),
                                                 *options),
                                  capture_output=True, text=True, timeout=CAP_SECONDS * 10)
            if proc.returncode != 0:
                raise RuntimeError('%s under callgrind: %s' % (name, proc.stderr.strip()[-400:]))
            totals.append(callgrind_total(out))
    return (totals[1] - totals[0]) / 2000


# The report's and the JSON's name of each client.
NAMES = {'pyuvnet': 'pyuvnet.dns', 'node': 'Node dns', 'aiodns': 'aiodns'}


def missing_clients(clients):
    """{client: why it cannot run} for the clients whose runtime is absent."""
    missing = {}
    if 'node' in clients and not (shutil.which('node') or os.path.exists('/usr/bin/node')):
        missing['node'] = 'node is not installed'
    if 'aiodns' in clients:
        try:
            import aiodns  # noqa: F401 (only whether it is there)
        except ImportError:
            missing['aiodns'] = 'aiodns is not installed (pip install aiodns: the bench extra)'
    return missing


def paired_ratios(mine, theirs):
    """Run i's ratio of each repeat both have: per-pair, as the load moves."""
    return [a / b for a, b in zip(mine, theirs) if b]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--queries', type=int, default=20000)
    parser.add_argument('--concurrency', type=int, default=50)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--clients', default='pyuvnet,node,aiodns')
    parser.add_argument('--json', help='write the figures here (bench/run.py --full)')
    parser.add_argument('--instructions', action='store_true',
                        help='also instructions per question under callgrind')
    args = parser.parse_args()
    clients = args.clients.split(',')
    missing = missing_clients(clients)
    clients = [name for name in clients if name not in missing]
    responder = subprocess.Popen([sys.executable, '-c', RESPONDER, TESTS_DNS],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        server = responder.stdout.readline().strip()
        results = {name: [] for name in clients}
        split = {name: ([], []) for name in clients}     # user, system
        for _ in range(args.repeats):
            for name in clients:
                out = subprocess.run(client_command(name, server, args), capture_output=True,
                                     text=True, timeout=CAP_SECONDS)
                if out.returncode != 0:
                    print('%s failed: %s' % (name, out.stderr.strip()[-400:]), file=sys.stderr)
                    continue
                report = json.loads(out.stdout.strip().splitlines()[-1])
                if report['failed']:
                    print('%s: %d questions failed' % (name, report['failed']), file=sys.stderr)
                user, system = (report[key] / args.queries * 1e6 for key in ('user_s', 'system_s'))
                results[name].append(user + system)
                split[name][0].append(user)
                split[name][1].append(system)
        counted = {name: instructions(name, server, args) for name in clients
                   if args.instructions}
    finally:
        responder.stdin.close()
        responder.wait(10)
    node = results.get('node')
    print('resolve4, %d questions, %d in flight, %d runs each: client CPU per question (us)'
          % (args.queries, args.concurrency, args.repeats))
    for name, values in results.items():
        if not values:
            print('%-8s missing' % name)
            continue
        ratios = paired_ratios(values, node) if node and len(node) == len(values) else []
        ratio = ' %.2fx Node (%.2f-%.2f, paired runs)' % (
            statistics.median(ratios), min(ratios), max(ratios)) if ratios else ''
        print('%-8s %6.1f  (min %.1f, max %.1f; user %.1f + system %.1f)%s'
              % (name, statistics.median(values), min(values), max(values),
                 statistics.median(split[name][0]), statistics.median(split[name][1]), ratio))
    for name, count in counted.items():
        print('%-8s %.0f instructions per question (callgrind)' % (name, count))
    for name, why in missing.items():
        print('%-8s missing: %s' % (name, why))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'queries': args.queries, 'concurrency': args.concurrency,
                       'systems': {NAMES[name]: {'cpu': values, 'user': split[name][0],
                                                 'system': split[name][1]}
                                   for name, values in results.items() if values},
                       'missing': {NAMES[name]: why for name, why in missing.items()}},
                      f, indent=1)


if __name__ == '__main__':
    main()
