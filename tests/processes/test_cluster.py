"""pyuvnet.cluster: a primary forking workers that listen through it.

Each test writes one program to tmp_path and runs it as the primary in a
process of its own (the scheduling policy is frozen per process, as in
Node); the primary prints JSON lines, forks its workers (the same program)
and ends once every worker has exited.

Node (v20) pinned with /usr/bin/node:

    const cluster = require('cluster'), net = require('net');
    if (cluster.isPrimary) {
      cluster.on('setup', ...); cluster.on('fork', ...); ...
      cluster.fork(); cluster.fork();
    } else net.createServer(s => s.end()).listen(0, '127.0.0.1');
    // schedulingPolicy 2 (SCHED_RR 2, SCHED_NONE 1); 'setup' (before each
    // 'fork') with {args, exec, execArgv, silent}; 'fork' 1, 'fork' 2
    // (ids from 1; exitedAfterDisconnect undefined); 'online'; the worker
    // sends {"cmd":"NODE_CLUSTER","act":"queryServer","index":0,"data":null,
    // "address":"127.0.0.1","port":0,"addressType":4,...,"seq":1};
    // 'listening'(worker, {addressType: 4, address: '127.0.0.1', port: P})
    // with the same P for both workers; worker.kill() gives 'disconnect'
    // (exitedAfterDisconnect false) then 'exit'(worker, null, 'SIGTERM'),
    // the worker gone from cluster.workers; worker.disconnect() gives
    // 'disconnect' then 'exit'(worker, 0, null), exitedAfterDisconnect true.
"""
import sys

import pytest

from cluster_support import (SERVE_WORKER_ID, TWO_WORKERS_SERVE, fds_after_each_fork,
                             run_primary, serve_with_two_workers)

pytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='cluster workers are POSIX here')


def test_round_robin_spreads_1000_connections_over_2_workers_within_10_percent(tmp_path):
    """One connection at a time: Node's handoff gives each to the worker
    free the longest, so they alternate.  (With 8 at a time the faster
    worker takes more, in Node too: node gave 141/59, 98/102, 88/112 for
    200 here.)  About 3 s on a loaded 2-core machine."""
    listening, replies = serve_with_two_workers(tmp_path, 1000, parallel=1, guard_seconds=60)
    assert listening['policy'] == 2        # SCHED_RR, the default
    assert len(replies) == 1000
    assert 450 <= replies.count('1') <= 550
    assert 450 <= replies.count('2') <= 550
    assert replies.count('1') + replies.count('2') == 1000


def test_sched_none_serves_every_connection(tmp_path):
    listening, replies = serve_with_two_workers(tmp_path, 200, policy='SCHED_NONE')
    assert listening['policy'] == 1
    assert len(replies) == 200
    assert replies.count('1') + replies.count('2') == 200


@pytest.mark.parametrize('value, policy', [('none', 1), ('rr', 2)])
def test_scheduling_policy_from_node_cluster_sched_policy(tmp_path, value, policy):
    listening, replies = serve_with_two_workers(tmp_path, 20,
                                                env={'NODE_CLUSTER_SCHED_POLICY': value})
    assert listening['policy'] == policy
    assert sorted(set(replies)) in (['1'], ['2'], ['1', '2'])
    assert len(replies) == 20


@pytest.mark.parametrize('policy', ['SCHED_RR', 'SCHED_NONE'])
def test_listen_0_in_two_workers_shares_one_port_and_listening_carries_it(tmp_path, policy):
    listening, _ = serve_with_two_workers(tmp_path, 2, policy=policy)
    first, second = listening['addresses']['1'], listening['addresses']['2']
    assert first == {'addressType': 4, 'address': '127.0.0.1', 'port': first['port']}
    assert first['port'] > 0
    assert second == first


def test_the_issue_example_as_written_in_each_mode(tmp_path):
    """The issue's six lines (port 0 here, not 8000), then a client."""
    primary = '''
        policy = POLICY
        if policy:
            cluster.schedulingPolicy = getattr(cluster, policy)
        workers_listening = []
        def on_listening(worker, address):
            workers_listening.append(worker.id)
            if len(workers_listening) == 2:
                make_connections(address.port, 10, 2, finished)
        def finished(replies):
            report(event='served', replies=replies)
            cluster.removeAllListeners('exit')
            for worker in list(cluster.workers.values()):
                worker.disconnect()
        cluster.on('listening', on_listening)
        for _ in range(2):
            cluster.fork()
        cluster.on('exit', lambda worker, code, signal: cluster.fork())
    '''
    for policy in ('SCHED_RR', 'SCHED_NONE'):
        lines = run_primary(tmp_path, primary.replace('POLICY', repr(policy)), SERVE_WORKER_ID)
        replies = [line for line in lines if line['event'] == 'served'][0]['replies']
        assert len(replies) == 10 and set(replies) <= {'1', '2'}, policy


def test_exclusive_gives_each_worker_its_own_port(tmp_path):
    primary = '''
        ports = {}
        def on_message(worker, message, handle=None):
            ports[worker.id] = message['port']
            if len(ports) == 2:
                report(event='ports', ports=ports)
                for w in list(cluster.workers.values()):
                    w.disconnect()
        cluster.on('message', on_message)
        cluster.fork()
        cluster.fork()
    '''
    worker = '''
        server = net.createServer(lambda sock: sock.end())
        server.listen({'port': 0, 'host': '127.0.0.1', 'exclusive': True},
                      lambda: cluster.worker.send({'port': server.address().port}))
        # As in Node (pinned: its worker stays alive after 'disconnect'),
        # disconnect() closes only the servers that listen through the primary.
        cluster.worker.on('disconnect', server.close)
    '''
    lines = run_primary(tmp_path, primary, worker)
    ports = [line for line in lines if line['event'] == 'ports'][0]['ports']
    assert ports['1'] != ports['2']


def test_events_in_node_order_and_a_killed_worker_gives_exit_with_its_signal(tmp_path):
    primary = '''
        log = []
        def on(name):
            def listener(*args):
                worker = args[0] if name != 'setup' else None
                log.append([name, worker.id if worker else None])
                if name == 'listening':
                    report(event='address', address=dict(args[1]), connected=worker.isConnected(),
                           dead=worker.isDead(), state=worker.state)
                    worker.kill('SIGKILL')
                if name == 'exit':
                    report(event='exit', code=args[1], signal=args[2],
                           after_disconnect=worker.exitedAfterDisconnect,
                           dead=worker.isDead(), workers=list(cluster.workers),
                           log=log)
            cluster.on(name, listener)
        for name in ('setup', 'fork', 'online', 'listening', 'disconnect', 'exit'):
            on(name)
        worker = cluster.fork()
        worker.on('exit', lambda code, signal: log.append(['worker exit', signal]))
        report(event='forked', id=worker.id, pid=worker.process.pid,
               after_disconnect=worker.exitedAfterDisconnect, workers=list(cluster.workers))
    '''
    lines = run_primary(tmp_path, primary, SERVE_WORKER_ID)
    forked, address, exit_ = [line for line in lines if line['event'] != 'primary done']
    assert forked['id'] == 1 and forked['workers'] == [1] and forked['after_disconnect'] is None
    assert address['address']['address'] == '127.0.0.1'
    assert address['connected'] is True and address['dead'] is False
    assert address['state'] == 'listening'
    assert (exit_['code'], exit_['signal']) == (None, 'SIGKILL')
    assert exit_['after_disconnect'] is False and exit_['dead'] is True
    assert exit_['workers'] == []
    # 'disconnect' and the exit may come in either order (Node: the same).
    log = [tuple(entry) for entry in exit_['log']]
    assert log[:4] == [('setup', None), ('fork', 1), ('online', 1), ('listening', 1)]
    assert set(log[4:]) == {('disconnect', 1), ('worker exit', 'SIGKILL'), ('exit', 1)}
    assert log.index(('worker exit', 'SIGKILL')) < log.index(('exit', 1))


def test_messages_both_ways_and_disconnect_after_disconnect_gives_exit_0(tmp_path):
    primary = '''
        def on_message(worker, message, handle=None):
            report(event='message', id=worker.id, message=message)
            worker.disconnect()
        cluster.on('message', on_message)
        cluster.on('exit', lambda w, code, signal: report(
            event='exit', code=code, after_disconnect=w.exitedAfterDisconnect))
        cluster.fork({'GREETING': 'hello'}).send({'ping': 1})
    '''
    worker = '''
        cluster.worker.on('message', lambda message, handle=None: cluster.worker.send(
            {'pong': message, 'greeting': os.environ['GREETING'], 'id': cluster.worker.id,
             'is_worker': cluster.isWorker, 'is_primary': cluster.is_primary,
             'unique_id_gone': 'NODE_UNIQUE_ID' not in os.environ}))
    '''
    lines = run_primary(tmp_path, primary, worker)
    assert lines[0] == {'event': 'message', 'id': 1, 'message': {
        'pong': {'ping': 1}, 'greeting': 'hello', 'id': 1, 'is_worker': True,
        'is_primary': False, 'unique_id_gone': True}}
    assert lines[1] == {'event': 'exit', 'code': 0, 'after_disconnect': True}


def test_fork_20_times_in_sequence_leaks_no_fds_in_the_primary(tmp_path):
    """20 here (about 0.6 s a fork on a loaded 2-core machine: a worker is a
    fresh interpreter importing pyuvnet); the issue's 100 is in
    tests/stress/test_cluster_scale.py (make stress)."""
    counts = fds_after_each_fork(tmp_path, 20, timeout=120)
    # The first fork may open what stays open (the loop's signal pipe for
    # child exits); after it, nothing accumulates.
    assert counts[1:] == [counts[1]] * 20, counts


@pytest.mark.parametrize('policy', ['SCHED_RR', 'SCHED_NONE'])
def test_worker_disconnect_stops_accepting_and_exits_once_its_connection_ends(tmp_path, policy):
    """Node: worker.disconnect() closes the worker's servers; its open
    connections carry on; the worker exits (code 0) once they end."""
    primary = '''
        cluster.schedulingPolicy = getattr(cluster, POLICY)
        log = []
        worker = cluster.fork()
        def on_listening(address):
            client = net.connect(address.port, '127.0.0.1')
            client.setEncoding('utf8')
            client.once('data', lambda data: first_reply(data, client, address.port))
            client.write('a')
        def first_reply(data, client, port):
            log.append(data)
            worker.disconnect()
            net.setTimeout(lambda: still_open(client, port), 500)
        def still_open(client, port):
            log.append('dead' if worker.isDead() else 'alive')
            late = net.connect(port, '127.0.0.1')
            late.on('error', lambda err: log.append(err.code))
            late.on('close', lambda *_: client.write('b'))
            late.resume()
            client.once('data', lambda data: (log.append(data), client.end()))
        worker.once('listening', on_listening)
        worker.on('exit', lambda code, signal: report(
            event='exit', code=code, after_disconnect=worker.exitedAfterDisconnect, log=log))
    '''.replace('POLICY', repr(policy))
    worker = '''
        net.createServer(lambda sock: sock.on('data', sock.write)).listen(0, '127.0.0.1')
    '''
    lines = run_primary(tmp_path, primary, worker)
    assert lines[0] == {'event': 'exit', 'code': 0, 'after_disconnect': True,
                        'log': ['a', 'alive', 'ECONNREFUSED', 'b']}


def test_a_worker_killed_under_load_gives_exit_and_loses_no_connection_silently(tmp_path):
    """Every connection of a steady client ends (served, or reset by the
    dying worker): none is left hanging in the primary."""
    primary = '''
        listening = []
        def on_listening(worker, address):
            listening.append(worker)
            if len(listening) == 2:
                make_connections(address.port, 200, 8, finished)
        # Worker 1 says when it has served 20: killed mid-load.
        cluster.on('message', lambda worker, message, handle=None: worker.kill('SIGKILL'))
        def finished(replies):
            report(event='served', replies=replies)
            for w in list(cluster.workers.values()):
                w.disconnect()
        cluster.on('listening', on_listening)
        cluster.on('exit', lambda w, code, signal: report(event='exit', id=w.id, signal=signal))
        cluster.fork()
        cluster.fork()
    '''
    worker = SERVE_WORKER_ID.replace("    sock.end(str(cluster.worker.id))", '''\
    sock.end(str(cluster.worker.id))
    served.append(sock)
    if cluster.worker.id == 1 and len(served) == 20:
        cluster.worker.send('served 20')''').replace('def serve', 'served = []\ndef serve')
    assert 'served 20' in worker
    lines = run_primary(tmp_path, primary, worker)
    exits = sorted((line['id'], line['signal']) for line in lines if line['event'] == 'exit')
    assert exits == [(1, 'SIGKILL'), (2, None)]
    replies = [line for line in lines if line['event'] == 'served'][0]['replies']
    assert len(replies) == 200
    assert replies.count('2') > 0
    unserved = [reply for reply in replies if reply not in ('1', '2')]
    assert set(unserved) <= {'closed without a reply', 'error ECONNRESET'}


@pytest.mark.parametrize('drop, expected', [(False, {'2'}), (True, {'2', 'closed without a reply'})])
def test_max_connections_full_worker_passes_on_the_connection_unless_drop(tmp_path, drop, expected):
    """Node's cluster (SCHED_RR): a worker at maxConnections answers
    accepted=false and the primary hands the connection to another worker;
    with dropMaxConnection it accepts and closes it ('drop')."""
    worker = SERVE_WORKER_ID.replace(
        "net.createServer(serve)", "server = net.createServer(serve)\nserver").replace(
        "\nserver.listen", "\nif cluster.worker.id == 1:\n    server.maxConnections = 0\n"
        "    server.dropMaxConnection = DROP\nserver.listen").replace('DROP', repr(drop))
    primary = TWO_WORKERS_SERVE.replace('COUNT', '20').replace('PARALLEL', '1')
    lines = run_primary(tmp_path, primary, worker)
    replies = [line for line in lines if line['event'] == 'served'][0]['replies']
    assert len(replies) == 20 and set(replies) == expected


def test_reuse_port_listens_alongside_through_the_primary(tmp_path):
    """listen({'reusePort': True}) in two workers: one shared port, served."""
    worker = SERVE_WORKER_ID.replace(
        ".listen(0, '127.0.0.1')", ".listen({'port': 0, 'host': '127.0.0.1', 'reusePort': True})")
    assert worker != SERVE_WORKER_ID
    lines = run_primary(tmp_path, TWO_WORKERS_SERVE.replace('COUNT', '10').replace('PARALLEL', '1'),
                        worker)
    listening = [line for line in lines if line['event'] == 'listening'][0]['addresses']
    assert listening['1'] == listening['2']
    replies = [line for line in lines if line['event'] == 'served'][0]['replies']
    assert sorted(replies) == ['1'] * 5 + ['2'] * 5


@pytest.mark.parametrize('how', ['disconnect()', "kill('SIGTERM')"])
def test_a_worker_ending_itself_exits_0_after_disconnect(tmp_path, how):
    """Node, in a worker: cluster.worker.disconnect() closes its servers and
    the channel; worker.kill() disconnects and exits; both are
    exitedAfterDisconnect in the primary, code 0."""
    primary = '''
        worker = cluster.fork()
        worker.on('disconnect', lambda: report(event='disconnect'))
        worker.on('exit', lambda code, signal: report(
            event='exit', code=code, signal=signal, after_disconnect=worker.exitedAfterDisconnect))
    '''
    worker = '''
        server = net.createServer(lambda sock: sock.end())
        server.listen(0, '127.0.0.1', lambda: cluster.worker.HOW)
    '''.replace('HOW', how)
    lines = run_primary(tmp_path, primary, worker)
    assert {'event': 'disconnect'} in lines
    assert {'event': 'exit', 'code': 0, 'signal': None, 'after_disconnect': True} in lines
