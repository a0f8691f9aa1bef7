"""pyuvnet.cluster against the real Node.js, both ways: a Node primary
forking pyuvnet workers, and a pyuvnet primary forking Node workers, each
scheduling mode, one port shared by two workers.

Node (v20) pinned with strace -f -e sendmsg on a Node primary with one
worker, ``net.createServer(...).listen(0, '127.0.0.1')`` in the worker:

    worker:  {"cmd":"NODE_CLUSTER","act":"queryServer","index":0,"data":null,
              "address":"127.0.0.1","port":0,"addressType":4,"flags":0,...}
    SCHED_RR, primary:   {"cmd":"NODE_CLUSTER",...,"ack":1,"sockname":{...}}
      then per connection {"cmd":"NODE_HANDLE","type":"net.Native","msg":
              {"cmd":"NODE_CLUSTER","act":"newconn","key":"127.0.0.1:0:4:undefined:0",...}}
      worker: {"cmd":"NODE_HANDLE_ACK"}, then {...,"accepted":true}
    SCHED_NONE, primary: {"cmd":"NODE_HANDLE","type":"net.Native","msg":
              {"cmd":"NODE_CLUSTER","errno":0,"key":...,"ack":1,...}} (the bound socket)

A Node worker given a ``net.Socket``/``net.Server`` typed handle instead
throws (``self._handle.close is not a function``): the type matters.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from cluster_support import ROOT, run_primary

NODE = shutil.which('node') or ('/usr/bin/node' if os.path.exists('/usr/bin/node') else None)
pytestmark = [pytest.mark.skipif(NODE is None, reason='node is not installed'),
              pytest.mark.skipif(sys.platform == 'win32', reason='cluster workers are POSIX here')]

# A Node primary forking two workers under this Python (process.execPath,
# as Node's cluster has no setting for it); once both listen, 10
# connections one at a time; prints the replies, then each exit.
NODE_PRIMARY = '''
const cluster = require('cluster'), net = require('net');
process.execPath = process.argv[2];
cluster.setupPrimary({ exec: process.argv[3], execArgv: [], args: [] });
const guard = setTimeout(() => {
  console.log('timeout');
  for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
}, 30000);
guard.unref();
let listening = 0;
cluster.on('listening', (worker, address) => {
  if (++listening < 2) return;
  const replies = [];
  const one = () => {
    let reply = '';
    const sock = net.connect(address.port, '127.0.0.1');
    sock.on('data', (data) => { reply += data; });
    sock.on('error', (err) => { reply = err.code; });
    sock.on('close', () => {
      replies.push(reply);
      if (replies.length < 10) return one();
      console.log(JSON.stringify(replies));
      for (const w of Object.values(cluster.workers)) w.disconnect();
    });
  };
  one();
});
cluster.on('exit', (worker, code, signal) => console.log(`exit ${worker.id} ${code} ${signal}`));
cluster.fork();
cluster.fork();
'''

PYUVNET_WORKER = '''
import pyuvnet as net
from pyuvnet import cluster
net.createServer(lambda sock: sock.end('py %d' % cluster.worker.id)).listen(0, '127.0.0.1')
net.run()
'''

NODE_WORKER = '''
const cluster = require('cluster'), net = require('net');
net.createServer((sock) => sock.end(`js ${cluster.worker.id}`)).listen(0, '127.0.0.1');
'''


@pytest.mark.parametrize('policy', ['rr', 'none'])
def test_a_node_primary_hands_connections_to_pyuvnet_workers(tmp_path, policy):
    (tmp_path / 'primary.js').write_text(NODE_PRIMARY)
    (tmp_path / 'worker.py').write_text(PYUVNET_WORKER)
    env = dict(os.environ, NODE_CLUSTER_SCHED_POLICY=policy)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (ROOT, env.get('PYTHONPATH')) if p)
    done = subprocess.run([NODE, str(tmp_path / 'primary.js'), sys.executable,
                           str(tmp_path / 'worker.py')], env=env, cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert 'timeout' not in lines, done.stderr
    replies = json.loads(lines[0])
    assert len(replies) == 10 and set(replies) <= {'py 1', 'py 2'}, (replies, done.stderr)
    if policy == 'rr':
        assert replies == ['py 1', 'py 2'] * 5 or replies == ['py 2', 'py 1'] * 5
    assert sorted(lines[1:]) == ['exit 1 0 null', 'exit 2 0 null']


@pytest.mark.parametrize('policy', ['SCHED_RR', 'SCHED_NONE'])
def test_a_pyuvnet_primary_hands_connections_to_node_workers(tmp_path, policy):
    (tmp_path / 'worker.js').write_text(NODE_WORKER)
    primary = '''
        cluster.schedulingPolicy = cluster.@POLICY@
        cluster.setupPrimary({'exec': @WORKER@, 'execPath': @NODE@, 'args': []})
        listening = []
        def on_listening(worker, address):
            listening.append(worker.id)
            if len(listening) == 2:
                make_connections(address['port'], 10, 1, finished)
        def finished(replies):
            report(event='served', replies=replies)
            for w in list(cluster.workers.values()):
                w.disconnect()
        cluster.on('listening', on_listening)
        cluster.on('exit', lambda w, code, signal: report(event='exit', id=w.id, code=code,
                                                          signal=signal))
        cluster.fork()
        cluster.fork()
    '''.replace('@POLICY@', policy).replace('@WORKER@', repr(str(tmp_path / 'worker.js'))).replace(
        '@NODE@', repr(NODE))
    lines = run_primary(tmp_path, primary, 'pass')
    replies = [line for line in lines if line['event'] == 'served'][0]['replies']
    assert len(replies) == 10 and set(replies) <= {'js 1', 'js 2'}, replies
    if policy == 'SCHED_RR':
        assert replies == ['js 1', 'js 2'] * 5 or replies == ['js 2', 'js 1'] * 5
    exits = sorted((line['id'], line['code'], line['signal']) for line in lines
                   if line['event'] == 'exit')
    assert exits == [(1, 0, None), (2, 0, None)]
