"""Node's own cluster tests (test/parallel/test-cluster-*.js in
nodejs/node), ported: each was first run under /usr/bin/node v20 as a
primary and its worker in one script, and each docstring names the Node
file and what Node printed.  Each test forks one worker (a fresh
interpreter: about half a second)."""
import pytest

from cluster_support import run_primary

# The primary's side shared by the lifecycle tests: the worker's events in
# order, reported at cluster 'exit' (one turn later, as Node's setImmediate).
LIFECYCLE_PRIMARY = '''
    events = []
    worker = cluster.fork()
    for name in ('online', 'disconnect', 'exit'):
        worker.on(name, lambda *args, name=name: events.append([name] + list(args)))
    cluster.on('exit', lambda w, code, signal: net.setImmediate(lambda: report(
        event='done', events=events, after_disconnect=w.exitedAfterDisconnect,
        dead=w.isDead(), state=w.state)))
    {start}
'''


@pytest.mark.parametrize('start, worker, events, after_disconnect', [
    # test-cluster-worker-exit.js: the worker's process.exit(42).
    ('', 'net.setTimeout(lambda: sys.exit(42), 10)',
     [['online'], ['disconnect'], ['exit', 42, None]], False),
    # test-cluster-call-and-destroy.js: destroy() right after fork().
    ('worker.destroy()', 'net.setInterval(lambda: None, 1000)',
     [['disconnect'], ['exit', None, 'SIGTERM']], False),
    # test-cluster-process-disconnect.js: the worker's process.disconnect().
    ('', 'from pyuvnet import process\nprocess.disconnect()',
     [['online'], ['disconnect'], ['exit', 0, None]], False),
    # test-cluster-worker-destroy.js: the worker's cluster.worker.destroy().
    ('', 'cluster.worker.destroy()',
     [['online'], ['disconnect'], ['exit', 0, None]], True),
], ids=['worker-exit', 'call-and-destroy', 'process-disconnect', 'worker-destroy'])
def test_how_a_worker_ends_gives_nodes_events(tmp_path, start, worker, events, after_disconnect):
    """test-cluster-worker-exit.js, test-cluster-call-and-destroy.js,
    test-cluster-process-disconnect.js, test-cluster-worker-destroy.js:
    Node 20's worker events and exitedAfterDisconnect for each way a
    worker ends (a worker destroyed before it came online never emits
    'online'; only disconnect()/destroy() from the worker itself count as
    on purpose); each time isDead() and state 'dead' at the end."""
    lines = run_primary(tmp_path, LIFECYCLE_PRIMARY.format(start=start), worker)
    assert lines[0] == {'event': 'done', 'events': events, 'after_disconnect': after_disconnect,
                        'dead': True, 'state': 'dead'}


def test_kill_from_the_primary_is_sigterm_and_not_on_purpose(tmp_path):
    """test-cluster-worker-kill.js: worker.kill() once it listens (killed
    while its listen() request is on the way, the primary's answer may
    meet a closed channel: 'error' ERR_IPC_CHANNEL_CLOSED, in Node a write
    EPIPE): the worker's
    'disconnect' (isConnected() false, isDead() false yet), then 'exit'
    (code None, signal 'SIGTERM'), exitedAfterDisconnect false, isDead()
    true, process.killed true, state 'dead'; cluster 'exit' the same."""
    primary = '''
        worker = cluster.fork()
        cluster.on('listening', lambda w, address: worker.kill())
        worker.on('disconnect', lambda: report(event='disconnect',
                                               connected=worker.isConnected(),
                                               dead=worker.isDead()))
        worker.on('exit', lambda code, signal: report(
            event='exit', code=code, signal=signal, after_disconnect=worker.exitedAfterDisconnect,
            dead=worker.isDead(), killed=worker.process.killed, state=worker.state))
        cluster.on('exit', lambda w, code, signal: report(event='cluster exit', code=code,
                                                          signal=signal))
    '''
    lines = run_primary(tmp_path, primary, "net.createServer().listen(0, '127.0.0.1')")
    assert lines[:3] == [
        {'event': 'disconnect', 'connected': False, 'dead': False},
        {'event': 'exit', 'code': None, 'signal': 'SIGTERM', 'after_disconnect': False,
         'dead': True, 'killed': True, 'state': 'dead'},
        {'event': 'cluster exit', 'code': None, 'signal': 'SIGTERM'}]


def test_disconnect_from_the_primary_lets_the_worker_exit_0(tmp_path):
    """test-cluster-worker-disconnect.js: worker.disconnect() once it
    listens: right after the call isConnected() is still true,
    exitedAfterDisconnect true, state 'listening'; then the worker's
    'disconnect' (state 'disconnected'), cluster 'disconnect', the
    worker's 'exit'(0, None) with state 'dead', cluster 'exit'(0, None)."""
    primary = '''
        worker = cluster.fork()
        def on_listening(w, address):
            worker.disconnect()
            report(event='after call', connected=worker.isConnected(),
                   after_disconnect=worker.exitedAfterDisconnect, state=worker.state)
        cluster.on('listening', on_listening)
        worker.on('disconnect', lambda: report(event='disconnect', state=worker.state))
        cluster.on('disconnect', lambda w: report(event='cluster disconnect'))
        worker.on('exit', lambda code, signal: report(event='exit', code=code, signal=signal,
                                                      state=worker.state))
        cluster.on('exit', lambda w, code, signal: report(event='cluster exit', code=code,
                                                          signal=signal))
    '''
    lines = run_primary(tmp_path, primary, "net.createServer().listen(0, '127.0.0.1')")
    assert lines[:5] == [
        {'event': 'after call', 'connected': True, 'after_disconnect': True,
         'state': 'listening'},
        {'event': 'disconnect', 'state': 'disconnected'},
        {'event': 'cluster disconnect'},
        {'event': 'exit', 'code': 0, 'signal': None, 'state': 'dead'},
        {'event': 'cluster exit', 'code': 0, 'signal': None}]


@pytest.mark.parametrize('policy', ['rr', 'none'])
def test_a_worker_listening_on_a_taken_port_gets_eaddrinuse(tmp_path, policy):
    """test-cluster-eaddrinuse.js, test-cluster-shared-handle-bind-error.js
    (NODE_CLUSTER_SCHED_POLICY rr and none): the primary holds a port; a
    worker's listen() on it (through the primary) fails with an 'error'
    EADDRINUSE, syscall 'bind', address '127.0.0.1', its port, message
    'bind EADDRINUSE 127.0.0.1:<port>'."""
    primary = '''
        taken = net.createServer()
        taken.listen(0, '127.0.0.1')
        worker = cluster.fork({'PORT': str(taken.address().port)})
        def on_message(message, handle=None):
            report(event='error', **message)
            worker.disconnect()
            taken.close()
        worker.on('message', on_message)
    '''
    worker = '''
        port = int(os.environ['PORT'])
        server = net.createServer()
        server.on('error', lambda err: cluster.worker.send({
            'code': err.code, 'syscall': err.syscall, 'address': err.address,
            'port': err.port == port, 'message': str(err).replace(str(port), 'PORT')}))
        server.listen(port, '127.0.0.1')
    '''
    lines = run_primary(tmp_path, primary, worker, env={'NODE_CLUSTER_SCHED_POLICY': policy})
    assert lines[0] == {'event': 'error', 'code': 'EADDRINUSE', 'syscall': 'bind',
                        'address': '127.0.0.1', 'port': True,
                        'message': 'bind EADDRINUSE 127.0.0.1:PORT'}


def test_setup_primary_settings_setup_events_and_the_workers_argv(tmp_path):
    """test-cluster-setup-primary.js, test-cluster-setup-primary-cumulative.js:
    setupPrimary({args, silent}) then setupPrimary({execArgv: []}): the
    settings add up (args, exec, execArgv, silent); 'setup' comes on the
    next tick, once per setupPrimary() and once more for fork(); the
    worker's argv after the script is the args; silent pipes its stdout to
    the primary."""
    primary = '''
        setups = []
        cluster.on('setup', lambda settings: setups.append(settings is cluster.settings))
        cluster.setupPrimary({'args': ['a1', 'a2'], 'silent': True})
        cluster.setupPrimary({'execArgv': []})
        report(event='settings', keys=sorted(cluster.settings), args=cluster.settings['args'],
               silent=cluster.settings['silent'], setups=len(setups))
        worker = cluster.fork()
        out = []
        worker.process.stdout.on('data', out.append)
        worker.on('exit', lambda code, signal: report(
            event='exit', code=code, setups=len(setups),
            stdout=b''.join(out).decode().strip()))
    '''
    worker = '''
        print(json.dumps(sys.argv[1:]), flush=True)
        cluster.worker.disconnect()
    '''
    lines = run_primary(tmp_path, primary, worker)
    assert lines[0] == {'event': 'settings', 'keys': ['args', 'exec', 'execArgv', 'silent'],
                        'args': ['a1', 'a2'], 'silent': True, 'setups': 0}
    assert lines[1] == {'event': 'exit', 'code': 0, 'setups': 3, 'stdout': '["a1", "a2"]'}


def test_the_worker_constructor_takes_nodes_options():
    """test-cluster-worker-constructor.js: new cluster.Worker() -> id 0,
    state 'none', exitedAfterDisconnect undefined, no process; new
    cluster.Worker({id: 3, state: 'online', process}) -> those, the same
    process object (here an emitter of our own, whose 'message' the
    worker re-emits)."""
    from pyuvnet import cluster
    from pyuvnet.events import EventEmitter
    process = EventEmitter()
    worker = cluster.Worker()
    assert (worker.id, worker.state, worker.exitedAfterDisconnect, worker.process) == \
        (0, 'none', None, None)
    worker = cluster.Worker({'id': 3, 'state': 'online', 'process': process})
    assert (worker.id, worker.state, worker.process is process) == (3, 'online', True)
    got = []
    worker.on('message', lambda message, handle=None: got.append(message))
    process.emit('message', 'hi')
    assert got == ['hi']
    worker = cluster.Worker({'id': 3, 'state': 'online'})
    assert (worker.id, worker.state) == (3, 'online')


def test_cluster_message_comes_before_the_workers_own_listeners(tmp_path):
    """test-cluster-message.js / test-cluster-worker-events.js: a worker's
    process.send({hello: 1}): the primary's cluster 'message'(worker,
    message, None) runs first (Node's fork() made it a listener of the
    worker's 'message'), then the worker's 'message'(message, None)."""
    primary = """
        log = []
        worker = cluster.fork()
        worker.on('message', lambda message, handle=None: log.append(['worker', message, handle]))
        cluster.on('message', lambda w, message, handle=None: log.append(
            ['cluster', w is worker, message, handle]))
        worker.on('exit', lambda code, signal: report(event='log', log=log))
    """
    worker = """
        from pyuvnet import process
        process.send({'hello': 1})
        net.setTimeout(cluster.worker.disconnect, 50)
    """
    lines = run_primary(tmp_path, primary, worker)
    assert lines[0] == {'event': 'log', 'log': [['cluster', True, {'hello': 1}, None],
                                                ['worker', {'hello': 1}, None]]}


def test_disconnect_waits_for_the_workers_open_connection(tmp_path):
    """test-cluster-worker-wait-server-close.js: worker.disconnect() while a
    client holds a connection to it: 200 ms later the worker is alive and
    still 'listening'; once the client ends, the worker exits 0."""
    primary = """
        worker = cluster.fork()
        def on_listening(address):
            def connected():
                worker.disconnect()
                def later():
                    report(event='later', alive=not worker.isDead(), state=worker.state)
                    client.end()
                net.setTimeout(later, 200)
            client = net.connect(address.port, '127.0.0.1', connected)
            client.resume()
        worker.on('listening', on_listening)
        worker.on('exit', lambda code, signal: report(event='exit', code=code))
    """
    worker = """
        net.createServer(lambda s: s.on('end', s.end)).listen(0, '127.0.0.1')
    """
    lines = run_primary(tmp_path, primary, worker)
    assert lines[:2] == [{'event': 'later', 'alive': True, 'state': 'listening'},
                         {'event': 'exit', 'code': 0}]


def test_fork_env_reaches_the_worker_and_node_unique_id_is_clusters(tmp_path):
    """test-cluster-fork-env.js: cluster.fork({custom: 'x', NODE_UNIQUE_ID:
    'bogus'}): the worker sees custom 'x', no NODE_UNIQUE_ID (cluster's
    own, taken at start-up), cluster.worker.id 1, isWorker true, isPrimary
    and isMaster false."""
    primary = """
        worker = cluster.fork({'custom': 'x', 'NODE_UNIQUE_ID': 'bogus'})
        worker.on('message', lambda message, handle=None: (report(event='env', **message),
                                                           worker.disconnect()))
    """
    worker = """
        from pyuvnet import process
        process.send({'custom': os.environ.get('custom'), 'uid': os.environ.get('NODE_UNIQUE_ID'),
                      'id': cluster.worker.id, 'isWorker': cluster.isWorker,
                      'isPrimary': cluster.isPrimary, 'isMaster': cluster.isMaster})
    """
    lines = run_primary(tmp_path, primary, worker)
    assert lines[0] == {'event': 'env', 'custom': 'x', 'uid': None, 'id': 1, 'isWorker': True,
                        'isPrimary': False, 'isMaster': False}


def test_is_dead_and_is_connected_through_a_workers_life(tmp_path):
    """test-cluster-worker-isdead.js, test-cluster-worker-isconnected.js:
    right after fork() and at 'online', isDead() false and isConnected()
    true; the worker sees the same of itself; at 'exit', isDead() true and
    isConnected() false."""
    primary = '''
        worker = cluster.fork()
        report(event='after fork', dead=worker.isDead(), connected=worker.isConnected())
        worker.on('online', lambda: report(event='online', dead=worker.isDead(),
                                           connected=worker.isConnected()))
        worker.on('message', lambda message, handle=None: report(event='worker says', **message))
        worker.on('exit', lambda code, signal: report(event='exit', dead=worker.isDead(),
                                                      connected=worker.isConnected()))
    '''
    worker = '''
        from pyuvnet import process
        process.send({'dead': cluster.worker.isDead(), 'connected': cluster.worker.isConnected()})
        net.setTimeout(lambda: sys.exit(0), 50)
    '''
    lines = run_primary(tmp_path, primary, worker)
    assert lines[:4] == [{'event': 'after fork', 'dead': False, 'connected': True},
                         {'event': 'online', 'dead': False, 'connected': True},
                         {'event': 'worker says', 'dead': False, 'connected': True},
                         {'event': 'exit', 'dead': True, 'connected': False}]
