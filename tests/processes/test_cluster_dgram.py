"""pyuvnet.cluster and UDP: a worker's bind() goes through the primary,
which binds the socket once and shares it with every worker binding the
same address, unless ``exclusive: true`` (Node's bindServerHandle and
SharedHandle, whatever the scheduling policy).

Node (v20) pinned with /usr/bin/node:

    // worker: dgram.createSocket('udp4').bind(0, '127.0.0.1') in 2 workers
    // sends {"cmd":"NODE_CLUSTER","act":"queryServer","index":0,"data":null,
    // "address":"127.0.0.1","port":0,"addressType":"udp4","fd":-1,"flags":0}
    // and gets {"cmd":"NODE_HANDLE","type":"dgram.Native","msg":{"cmd":
    // "NODE_CLUSTER","errno":0,"key":"127.0.0.1:0:udp4:-1:0","ack":1,...}}
    // with the bound UDP fd; both workers' 'listening' come to the primary
    // as {addressType: 'udp4', address: '127.0.0.1', port: P, fd: -1},
    // the same P.  A worker binding a port the primary holds gets 'error':
    // code EADDRINUSE, syscall 'bind', 'bind EADDRINUSE 127.0.0.1:P'.
(test-cluster-dgram-1.js: the workers share the port and receive every
datagram between them.)
"""
import sys

import pytest

from cluster_support import run_primary

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='cluster workers are POSIX here')

# Two workers bind 127.0.0.1 with OPTIONS; once both are listening the
# primary sends COUNT datagrams, one at a time, each answered by the worker
# that got it; then every worker is disconnected.
PRIMARY = '''
from pyuvnet import dgram
listening = {}
answers = []
def on_listening(worker, address):
    listening[worker.id] = dict(address)
    if len(listening) == 2:
        report(event='listening', addresses=listening)
        client = dgram.createSocket('udp4')
        def answered(msg, rinfo):
            answers.append(msg.decode())
            if len(answers) == COUNT:
                report(event='answered', answers=answers)
                client.close()
                for w in list(cluster.workers.values()):
                    w.disconnect()
            else:
                client.send(b'ping', address['port'], '127.0.0.1')
        client.on('message', answered)
        client.send(b'ping', address['port'], '127.0.0.1')
cluster.on('listening', on_listening)
cluster.on('exit', lambda w, code, signal: report(event='exit', id=w.id, code=code))
for _ in range(2):
    cluster.fork()
'''

WORKER = '''
from pyuvnet import dgram
sock = dgram.createSocket('udp4')
sock.on('message', lambda msg, rinfo: sock.send(str(cluster.worker.id).encode(), rinfo.port,
                                                rinfo.address))
sock.bind(OPTIONS)
'''


def run(tmp_path, options, count=20):
    lines = run_primary(tmp_path, PRIMARY.replace('COUNT', str(count)),
                        WORKER.replace('OPTIONS', repr(options)), timeout=60)
    return {line['event']: line for line in lines}, lines


def test_workers_share_the_primary_socket_and_receive_every_datagram(tmp_path):
    events, lines = run(tmp_path, {'port': 0, 'address': '127.0.0.1'})
    addresses = list(events['listening']['addresses'].values())
    assert addresses[0] == addresses[1]
    assert addresses[0]['addressType'] == 'udp4' and addresses[0]['fd'] == -1
    assert addresses[0]['address'] == '127.0.0.1' and addresses[0]['port'] > 0
    # Every datagram was answered by one worker or the other.
    assert len(events['answered']['answers']) == 20
    assert set(events['answered']['answers']) <= {'1', '2'}
    assert sorted(line['code'] for line in lines if line['event'] == 'exit') == [0, 0]


def test_an_exclusive_bind_is_the_worker_own(tmp_path):
    """Not through the primary at all: its own port, and no cluster
    'listening' (Node sends that from cluster._getServer only)."""
    primary = """
    ports = {}
    cluster.on('listening', lambda w, address: report(event='cluster listening'))
    def on_message(w, message, *_):
        ports[w.id] = message
        if len(ports) == 2:
            report(event='ports', ports=list(ports.values()))
            for worker in list(cluster.workers.values()):
                worker.disconnect()
    cluster.on('message', on_message)
    for _ in range(2):
        cluster.fork()
    """
    worker = """
    from pyuvnet import dgram, process
    sock = dgram.createSocket('udp4')
    def bound():
        process.send(sock.address().port)
        sock.close()        # not the cluster's: disconnect() would not close it
    sock.bind({'port': 0, 'address': '127.0.0.1', 'exclusive': True}, bound)
    """
    lines = run_primary(tmp_path, primary, worker, timeout=60)
    ports = [line for line in lines if line['event'] == 'ports'][0]['ports']
    assert ports[0] != ports[1]
    assert {'event': 'cluster listening'} not in lines


def test_a_bind_the_primary_cannot_make_is_the_worker_error(tmp_path):
    primary = '''
    from pyuvnet import dgram
    hold = dgram.createSocket('udp4')
    def bound():
        w = cluster.fork()
        w.on('message', lambda message, *_: report(event='error', **message))
        w.on('exit', lambda *_: hold.close())
        w.send(hold.address().port)
    hold.bind(0, '127.0.0.1', bound)
    '''
    worker = '''
    from pyuvnet import dgram, process
    def bind(port):
        sock = dgram.createSocket('udp4')
        def failed(err):
            process.send({'code': err.code, 'syscall': err.syscall, 'message': str(err),
                          'port': err.port - port})
            cluster.worker.disconnect()
        sock.on('error', failed)
        sock.bind(port, '127.0.0.1')
    process.once('message', bind)
    '''
    lines = run_primary(tmp_path, primary, worker, timeout=60)
    error = [line for line in lines if line['event'] == 'error'][0]
    assert error['code'] == 'EADDRINUSE' and error['syscall'] == 'bind'
    assert error['message'].startswith('bind EADDRINUSE 127.0.0.1:')
    assert error['port'] == 0


def test_implicit_binds_are_each_socket_own_and_explicit_ones_share(tmp_path):
    """test-dgram-exclusive-implicit-bind.js: four workers send one
    datagram each to the primary's exclusive socket; two send unbound (an
    implicit bind, a port of their own), two bind(0) first (through the
    primary, one shared port): the primary sees three source ports."""
    primary = """
    from pyuvnet import dgram
    ports = []
    target = dgram.createSocket('udp4')
    def received(msg, rinfo):
        ports.append(rinfo.port)
        if len(ports) == 4:
            report(event='ports', distinct=len(set(ports)))
            target.close()
            cluster.disconnect()
    target.on('message', received)
    def listening():
        env = {'TARGET_PORT': str(target.address().port)}
        for bound in ('', '', 'y', 'y'):
            cluster.fork(dict(env, BOUND=bound))
    target.bind({'port': 0, 'address': '127.0.0.1', 'exclusive': True}, listening)
    """
    worker = """
    import os
    from pyuvnet import dgram
    source = dgram.createSocket('udp4')
    if os.environ['BOUND'] == 'y':
        source.bind(0)
    else:
        # Not the cluster's socket: disconnect() does not close it (Node's comment).
        source.unref()
    source.send(b'abc', 0, 3, int(os.environ['TARGET_PORT']), '127.0.0.1')
    """
    lines = run_primary(tmp_path, primary, worker, timeout=60)
    assert [line for line in lines if line['event'] == 'ports'] == [{'event': 'ports', 'distinct': 3}]


def test_a_shared_bind_shares_and_an_exclusive_one_collides(tmp_path):
    """test-dgram-bind-shared-ports.js: each worker binds a socket to P
    (exclusive: false, through the primary) and then one to P + 1
    (exclusive: true, its own). The first worker gets both; the second
    shares P and gets EADDRINUSE for P + 1."""
    primary = """
    import socket
    def free_pair():
        # Two free UDP ports in a row, as Node's common.PORT and PORT + 1.
        for _ in range(50):
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
            probe.close()
            try:
                for taken in (port, port + 1):
                    check = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    check.bind(('127.0.0.1', taken))
                    check.close()
                return port
            except OSError:
                continue
        raise RuntimeError('no two free ports in a row')
    env = {'PORT': str(free_pair())}
    def first_said(message, *_):
        report(event='worker 1', message=message)
        second = cluster.fork(env)
        def second_said(message, *_):
            report(event='worker 2', message=message)
            first.kill()
            second.kill()
        second.on('message', second_said)
    first = cluster.fork(env)
    first.on('message', first_said)
    """
    worker = """
    import os
    from pyuvnet import dgram, process
    port = int(os.environ['PORT'])
    noop = lambda *args: None
    socket1 = dgram.createSocket('udp4', noop)
    socket2 = dgram.createSocket('udp4', noop)
    socket1.on('error', lambda err: process.send('socket1:' + err.code))
    socket2.on('error', lambda err: process.send('socket2:' + err.code))
    socket1.bind({'address': 'localhost', 'port': port, 'exclusive': False},
                 lambda: socket2.bind({'port': port + 1, 'exclusive': True},
                                      lambda: process.send('success')))
    """
    lines = run_primary(tmp_path, primary, worker, timeout=60)
    said = [line for line in lines if line['event'].startswith('worker')]
    assert said == [{'event': 'worker 1', 'message': 'success'},
                    {'event': 'worker 2', 'message': 'socket2:EADDRINUSE'}]


def test_an_unrefd_shared_socket_lets_its_worker_exit(tmp_path):
    """test-dgram-unref-in-cluster.js: a worker's socket, unref'd and then
    bound through the primary, is 'listening'; the worker disconnects and
    exits by itself (code 0), the socket holding nothing up.
    (process.getActiveResourcesInfo(), which Node's test reads, is not
    built: the worker's own exit is what it pins.) As Node 20's, run
    under /usr/bin/node: the primary hears no cluster 'listening' for
    such a bind()."""
    primary = """
    cluster.on('listening', lambda w, address: report(event='listening'))
    cluster.on('exit', lambda w, code, signal: report(event='exit', code=code))
    cluster.fork()
    """
    worker = """
    from pyuvnet import dgram, process
    sock = dgram.createSocket('udp4')
    sock.unref()
    sock.bind()
    sock.on('listening', lambda: process.disconnect())
    """
    lines = run_primary(tmp_path, primary, worker, timeout=60)
    assert [line for line in lines if line['event'] in ('listening', 'exit')] == [
        {'event': 'exit', 'code': 0}]
