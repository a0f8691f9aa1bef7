"""What the cluster tests share (tests/processes/test_cluster.py, and
tests/stress/test_cluster_scale.py for the 100 forks): a primary program written to tmp_path and run as a process of
its own, printing JSON lines; its workers are the same program."""
import json
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRELUDE = '''
import json, os, sys
import pyuvnet as net
from pyuvnet import cluster

def report(**fields):
    # One write per line: the workers share the primary's stdout, and
    # print() may write the text and its newline apart.
    sys.stdout.write(json.dumps(fields) + '\\n')
    sys.stdout.flush()

forked = []
cluster.on('fork', forked.append)

def give_up():
    report(event='timeout')
    for w in forked:
        if not w.isDead():
            w.kill('SIGKILL')
'''

# A client making `count` connections to `port`, `parallel` at a time;
# `done(replies)` gets every reply (the serving worker's id) in order of arrival.
CLIENT = '''
def make_connections(port, count, parallel, done):
    replies, started = [], [0]
    def start_one():
        if started[0] == count:
            return
        started[0] += 1
        sock = net.connect(port, '127.0.0.1')
        chunks = []
        sock.on('data', chunks.append)
        sock.on('error', lambda err: chunks.append(('error ' + err.code).encode()))
        def closed(*_):
            replies.append(b''.join(chunks).decode() or 'closed without a reply')
            if len(replies) == count:
                done(replies)
            else:
                start_one()
        sock.on('close', closed)
    for _ in range(parallel):
        start_one()
'''


def run_primary(tmp_path, primary, worker, env=None, timeout=60, guard_seconds=30):
    """Run the program; returns the JSON lines it printed (and asserts it
    ended by itself with code 0).  After `guard_seconds` the primary reports
    a timeout and SIGKILLs its workers; after `timeout` it is killed."""
    guard = '\nguard = net.setTimeout(give_up, %d)\nguard.unref()\n' % (guard_seconds * 1000)
    program = PRELUDE + CLIENT + 'if cluster.isPrimary:\n%s\nelse:\n%s\n' % (
        textwrap.indent(textwrap.dedent(primary) + guard
                        + 'net.run()\nreport(event="primary done")\n', '    '),
        textwrap.indent(textwrap.dedent(worker) + '\nnet.run()\n', '    '))
    path = tmp_path / 'app.py'
    path.write_text(program)
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, full_env.get('PYTHONPATH')) if p)
    full_env.pop('NODE_CLUSTER_SCHED_POLICY', None)
    full_env.update(env or {})
    done = subprocess.run([sys.executable, str(path)], cwd=str(tmp_path), env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith('{')]
    assert {'event': 'timeout'} not in lines, done.stderr
    assert lines[-1] == {'event': 'primary done'}, (lines, done.stderr)
    return lines


SERVE_WORKER_ID = '''
def serve(sock):
    sock.end(str(cluster.worker.id))
net.createServer(serve).listen(0, '127.0.0.1')
'''

# Forks 2 workers; once both listen, `count` connections, then each worker
# is disconnected.
TWO_WORKERS_SERVE = '''
policy = sys.argv[1] if len(sys.argv) > 1 else None
if policy:
    cluster.schedulingPolicy = getattr(cluster, policy)
listening = {}
def on_listening(worker, address):
    listening[worker.id] = dict(address)
    if len(listening) == 2:
        report(event='listening', addresses=listening, policy=cluster.schedulingPolicy)
        make_connections(address['port'], COUNT, PARALLEL, finished)
def finished(replies):
    report(event='served', replies=replies)
    for worker in list(cluster.workers.values()):
        worker.disconnect()
cluster.on('listening', on_listening)
cluster.on('exit', lambda w, code, signal: report(event='exit', id=w.id, code=code, signal=signal))
for _ in range(2):
    cluster.fork()
'''


def serve_with_two_workers(tmp_path, count, policy=None, env=None, parallel=8, guard_seconds=30):
    """Two workers serving their id, `count` connections `parallel` at a
    time; returns the 'listening' record and the replies in order."""
    primary = TWO_WORKERS_SERVE.replace('COUNT', str(count)).replace('PARALLEL', str(parallel))
    if policy:
        primary = primary.replace('sys.argv[1] if len(sys.argv) > 1 else None', repr(policy))
    lines = run_primary(tmp_path, primary, SERVE_WORKER_ID, env,
                        timeout=guard_seconds + 30, guard_seconds=guard_seconds)
    events = {line['event']: line for line in lines if line['event'] != 'exit'}
    exits = sorted((line['id'], line['code'], line['signal']) for line in lines
                   if line['event'] == 'exit')
    assert exits == [(1, 0, None), (2, 0, None)]
    return events['listening'], events['served']['replies']


FORK_IN_SEQUENCE = '''
counts = []
def fork_next(*_):
    counts.append(len(os.listdir('/proc/self/fd')))
    if len(counts) == FORKS + 1:
        report(event='fds', counts=counts)
        return
    worker = cluster.fork()
    worker.on('online', worker.disconnect)
    worker.on('exit', lambda code, signal: net.setImmediate(fork_next))
fork_next()
'''


def fds_after_each_fork(tmp_path, forks, timeout):
    """Fork `forks` workers one after the other (each disconnected once
    online; the next forked once it has exited); returns the primary's open
    fd count before the first fork and after each exit."""
    lines = run_primary(tmp_path, FORK_IN_SEQUENCE.replace('FORKS', str(forks)), 'pass\n',
                        timeout=timeout, guard_seconds=timeout - 10)
    return lines[0]['counts']


# A worker that sends `MALFORMED` cluster messages its primary cannot use
# (the two, then random ones from a seeded generator, a few with a
# server handle attached), then listens and serves its id; once listening it
# sends the two that would make the primary drop it (exitedAfterDisconnect
# without seq, close with a list for key).  No message it sends is a
# well-formed queryServer (no port in the pool is valid).
HOSTILE_WORKER = '''
import random
from pyuvnet import process
rng = random.Random(SEED)
JUNK = [None, True, False, -1, 0.5, 2 ** 70, 70000, '', 'x', '\\0', '\\ud800', [], [1], {}, {'a': [None]},
        'NaN', -2 ** 63, 'undefined:0:4:undefined:0']
ACTS = ['online', 'queryServer', 'listening', 'close', 'newconn', 'disconnect', 'bogus', 5, None, []]
FIELDS = ['seq', 'ack', 'key', 'port', 'address', 'addressType', 'index', 'backlog', 'errno',
          'accepted', 'sockname', 'data', 'flags']

def malformed():
    message = {'cmd': 'NODE_CLUSTER'}
    if rng.random() < 0.9:
        message['act'] = rng.choice(ACTS)
    for name in rng.sample(FIELDS, rng.randint(0, len(FIELDS))):
        message[name] = rng.choice(JUNK)
    return message

# A unix socket server (a TCP one would listen through the primary).
decoy = net.createServer()
decoy.listen('decoy.sock')
process.send({'cmd': 'NODE_CLUSTER', 'act': 'close', 'key': [1]})
for index in range(MALFORMED):
    process.send(malformed(), decoy if index % 97 == 0 else None)
decoy.close()

def serve(sock):
    sock.end(str(cluster.worker.id))

def listening():
    process.send({'cmd': 'NODE_CLUSTER', 'act': 'exitedAfterDisconnect'})
    process.send({'cmd': 'NODE_CLUSTER', 'act': 'close', 'key': [1]})
net.createServer(serve).listen(0, '127.0.0.1', listening)
'''

# The primary of HOSTILE_WORKER: once the worker listens (the 'listening'
# with a real port), `COUNT` connections, then disconnect.
HOSTILE_PRIMARY = '''
started = []
def on_listening(worker, address):
    port = address['port']
    if started or type(port) is not int or not 0 < port < 65536 or address['address'] != '127.0.0.1':
        return
    started.append(port)
    make_connections(port, COUNT, 4, finished)
def finished(replies):
    report(event='served', replies=replies, workers=len(cluster.workers))
    for worker in list(cluster.workers.values()):
        worker.disconnect()
cluster.on('listening', on_listening)
cluster.on('exit', lambda w, code, signal: report(event='exit', id=w.id, code=code, signal=signal))
cluster.fork()
'''


def serve_after_hostile_worker(tmp_path, malformed, connections, seed=1, guard_seconds=60):
    """Run HOSTILE_PRIMARY over HOSTILE_WORKER; returns the replies the
    connections got and the worker's exit (id, code, signal)."""
    primary = HOSTILE_PRIMARY.replace('COUNT', str(connections))
    worker = HOSTILE_WORKER.replace('SEED', str(seed)).replace('MALFORMED', str(malformed))
    lines = run_primary(tmp_path, primary, worker, timeout=guard_seconds + 30,
                        guard_seconds=guard_seconds)
    served = [line for line in lines if line['event'] == 'served']
    exits = [(line['id'], line['code'], line['signal']) for line in lines if line['event'] == 'exit']
    assert len(served) == 1, lines
    return served[0]['replies'], exits
