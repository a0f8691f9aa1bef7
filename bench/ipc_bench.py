"""The fork() IPC channel's speed: pyuvnet parent and child against Node
parent and child (docs/PROCESSES.md; figures in bench/RESULTS-ARCHIVE.md).

    nice -n 10 python bench/ipc_bench.py [--repeats 3] [--scale 1.0]

Three measures, each run ``--repeats`` times (median, min-max):

- one-way:   the parent sends N small messages (integers) as fast as it
             can; the clock stops when the child reports the last one.
- roundtrip: the parent sends a string, the child echoes it, the parent
             sends the next: round trips per second.
- handoff:   a client connects to the parent's server, the parent hands
             the connection to the child (send('socket', sock)), the child
             writes one byte and ends it; the client then connects again.
             Connections handed over per second.

The clock starts once the child has answered a first message.  Every
run is bounded by its count and by a 20 s cap; ``--scale``
shrinks or grows the counts.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

COUNTS = {'one-way': 100_000, 'roundtrip': 10_000, 'handoff': 500}
CAP_SECONDS = 20

NODE_CHILD = r'''
process.on('message', (m, handle) => {
  if (handle) { handle.end('x'); return; }
  if (typeof m === 'number') { if (m === 0) process.send('done'); return; }
  if (m === 'quit') { process.disconnect(); return; }
  process.send(m);
});
'''

NODE_PARENT = r'''
const { fork } = require('child_process');
const net = require('net');
const [childPath, measure, count] = [process.argv[1], process.argv[2], +process.argv[3]];
const child = fork(childPath);
let start;
function finish() { console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9 })); child.send('quit'); }
setTimeout(() => { console.log(JSON.stringify({ error: 'cap' })); process.exit(1); }, %d).unref();
// The clock starts once the child answered a first message (it has started).
child.once('message', () => {
  start = process.hrtime.bigint();
  if (measure === 'one-way') {
    child.on('message', finish);
    for (let i = count; i >= 0; i--) child.send(i);
  } else if (measure === 'roundtrip') {
    let left = count;
    child.on('message', (m) => { if (--left === 0) finish(); else child.send(m); });
    child.send('ping');
  } else {
    let left = count;
    const server = net.createServer({ pauseOnConnect: true }, (sock) => child.send('socket', sock));
    server.listen(0, '127.0.0.1', () => {
      start = process.hrtime.bigint();
      const next = () => {
        const c = net.connect(server.address().port, '127.0.0.1');
        c.resume();
        c.on('close', () => { if (--left === 0) { server.close(); finish(); } else next(); });
      };
      next();
    });
  }
});
child.send('ready?');
''' % (CAP_SECONDS * 1000)


def pyuvnet_child():
    import pyuvnet
    from pyuvnet import process

    def on_message(message, handle=None):
        if handle is not None:
            handle.end(b'x')
        elif isinstance(message, int):
            if message == 0:
                process.send('done')
        elif message == 'quit':
            process.disconnect()
        else:
            process.send(message)
    process.on('message', on_message)
    pyuvnet.run()


def pyuvnet_parent(measure, count):
    import pyuvnet
    from pyuvnet import child_process
    child = child_process.fork(os.path.abspath(__file__), ['--child'])
    result = {}

    def finish(*_):
        result['seconds'] = time.perf_counter() - result['start']
        child.send('quit')

    def cap():
        result['error'] = 'cap'
        child.kill()
        pyuvnet.stop()

    def start():
        result['start'] = time.perf_counter()
        if measure == 'one-way':
            child.on('message', finish)
            for i in range(count, -1, -1):
                child.send(i)
        elif measure == 'roundtrip':
            left = [count]

            def on_message(message):
                left[0] -= 1
                if left[0] == 0:
                    finish()
                else:
                    child.send(message)
            child.on('message', on_message)
            child.send('ping')
        else:
            handoff(pyuvnet, child, count, result, finish)
    timer = pyuvnet.setTimeout(cap, CAP_SECONDS * 1000)
    timer.unref()
    # The clock starts once the child answered a first message (it has started).
    child.once('message', lambda message: start())
    child.send('ready?')
    pyuvnet.run()
    return result


def handoff(pyuvnet, child, count, result, finish):
    left = [count]
    server = pyuvnet.createServer({'pauseOnConnect': True}, lambda sock: child.send('socket', sock))

    def next_client():
        client = pyuvnet.connect(server.address().port, '127.0.0.1')
        client.resume()
        client.on('close', on_close)

    def on_close(*_):
        left[0] -= 1
        if left[0] == 0:
            server.close()
            finish()
        else:
            next_client()

    def listening():
        result['start'] = time.perf_counter()
        next_client()
    server.listen(0, '127.0.0.1', listening)


def node_parent(node, child_path, measure, count):
    out = subprocess.run([node, '-e', NODE_PARENT, child_path, measure, str(count)],
                         capture_output=True, text=True, timeout=CAP_SECONDS + 10)
    return json.loads(out.stdout.splitlines()[-1]) if out.stdout else {'error': out.stderr}


def summarize(rates):
    return {'median': statistics.median(rates), 'min': min(rates), 'max': max(rates)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--scale', type=float, default=1.0, help='multiply every count by this')
    parser.add_argument('--json', help='also write the figures to this file')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--parent', nargs=2, metavar=('MEASURE', 'COUNT'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return pyuvnet_child()
    if args.parent:
        print(json.dumps(pyuvnet_parent(args.parent[0], int(args.parent[1]))))
        return
    node = shutil.which('node')
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        child_js = os.path.join(tmp, 'child.js')
        with open(child_js, 'w') as f:
            f.write(NODE_CHILD)
        for measure, base in COUNTS.items():
            count = max(1, int(base * args.scale))
            for system in ('pyuvnet', 'node') if node else ('pyuvnet',):
                rates = []
                for _ in range(args.repeats):
                    # Interleaved, each run in a fresh parent process.
                    if system == 'node':
                        result = node_parent(node, child_js, measure, count)
                    else:
                        out = subprocess.run([sys.executable, os.path.abspath(__file__), '--parent',
                                              measure, str(count)], capture_output=True, text=True,
                                             timeout=CAP_SECONDS + 10)
                        result = json.loads(out.stdout.splitlines()[-1]) if out.stdout else {'error': out.stderr}
                    if 'seconds' not in result:
                        raise SystemExit('%s %s failed: %s' % (system, measure, result))
                    rates.append(count / result['seconds'])
                figures[(measure, system)] = summarize(rates)
                s = figures[(measure, system)]
                print('%-10s %-8s %10s /s   (min %s, max %s; %d runs of %d)' % (
                    measure, system, format(round(s['median']), ','), format(round(s['min']), ','),
                    format(round(s['max']), ','), args.repeats, count), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'%s %s' % key: value for key, value in figures.items()}, f, indent=2)


if __name__ == '__main__':
    main()
