"""The cost of a connection through a cluster: pyuvnet.cluster against
Node's cluster, one worker, each scheduling mode (figures in
bench/RESULTS.md; docs/CLUSTER.md).

    nice -n 10 python bench/cluster_bench.py [--repeats 3] [--connections 1000]

The primary forks one worker serving ``b'x'`` and ending each connection;
once it listens, the primary itself connects ``--connections`` times, one
after the other, and times them.  Under SCHED_RR every connection is
accepted by the primary and handed to the worker over the IPC channel (a
message and an fd each way); under SCHED_NONE the worker accepts on the
shared socket itself.  The difference is the per-connection cost of the
round-robin handoff.  Each run is capped at 60 s.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PYTHON_PROGRAM = '''
import sys, time
import pyuvnet as net
from pyuvnet import cluster
count = int(sys.argv[2])
if cluster.isPrimary:
    cluster.schedulingPolicy = getattr(cluster, sys.argv[1])
    worker = cluster.fork()
    def start(address):
        started, done = time.perf_counter(), [0]
        def one():
            sock = net.connect(address.port, '127.0.0.1')
            sock.on('data', lambda data: None)
            def closed(*_):
                done[0] += 1
                if done[0] < count:
                    one()
                    return
                print(time.perf_counter() - started, flush=True)
                worker.disconnect()
            sock.on('close', closed)
        one()
    worker.once('listening', start)
else:
    net.createServer(lambda sock: sock.end(b'x')).listen(0, '127.0.0.1')
net.run()
'''

NODE_PROGRAM = '''
const cluster = require('cluster'), net = require('net');
const count = Number(process.argv[3]);
if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster[process.argv[2]];
  const worker = cluster.fork();
  worker.once('listening', (address) => {
    const started = process.hrtime.bigint();
    let done = 0;
    const one = () => {
      const sock = net.connect(address.port, '127.0.0.1');
      sock.on('data', () => {});
      sock.on('close', () => {
        if (++done < count) return one();
        console.log(Number(process.hrtime.bigint() - started) / 1e9);
        worker.disconnect();
      });
    };
    one();
  });
} else net.createServer((sock) => sock.end('x')).listen(0, '127.0.0.1');
'''


def run_once(runtime, path, policy, count):
    command = ([sys.executable] if runtime == 'pyuvnet' else ['node']) + [path, policy, str(count)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get('PYTHONPATH')])))
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return float(done.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--connections', type=int, default=1000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = {'pyuvnet': os.path.join(folder, 'app.py'), 'node': os.path.join(folder, 'app.js')}
        for runtime, text in (('pyuvnet', PYTHON_PROGRAM), ('node', NODE_PROGRAM)):
            with open(paths[runtime], 'w') as f:
                f.write(text)
        print('%-8s %-10s %12s %18s' % ('runtime', 'policy', 'us/conn', 'min-max'))
        for runtime in ('pyuvnet', 'node'):
            for policy in ('SCHED_RR', 'SCHED_NONE'):
                costs = [run_once(runtime, paths[runtime], policy, options.connections)
                         / options.connections * 1e6 for _ in range(options.repeats)]
                print('%-8s %-10s %12.0f %11.0f-%.0f' % (runtime, policy, statistics.median(costs),
                                                         min(costs), max(costs)), flush=True)


if __name__ == '__main__':
    main()
