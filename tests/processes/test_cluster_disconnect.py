"""cluster.disconnect([callback]) and cluster.workers in a worker (issue 23:
the missing cluster.disconnect, item 9).

Pinned with /usr/bin/node (v20.20), two workers online, then
cluster.disconnect(cb):

    after call []                  // the workers leave cluster.workers at once
    disconnect 1 [] / disconnect 2 []
    cb []                          // at the first exit after the call
    exit 1 0 null true / exit 2 0 null true
    worker sees undefined undefined   // typeof cluster.workers, cluster.disconnect
    cluster.disconnect(cb) with no worker: cb on the next tick
"""
from cluster_support import run_primary


def test_cluster_disconnect_disconnects_every_worker_then_calls_back(tmp_path):
    primary = '''
        online = []
        def on_online(w):
            online.append(w.id)
            if len(online) == 2:
                cluster.disconnect(lambda: report(event='callback', workers=len(cluster.workers)))
                report(event='after call', workers=len(cluster.workers))
        cluster.on('online', on_online)
        cluster.on('disconnect', lambda w: report(event='disconnect', id=w.id))
        cluster.on('exit', lambda w, code, signal: report(
            event='exit', id=w.id, code=code, after_disconnect=w.exitedAfterDisconnect))
        cluster.fork()
        cluster.fork()
    '''
    worker = '''
        report(event='worker sees', workers=cluster.workers is None,
               disconnect=hasattr(cluster, 'disconnect'))
        net.createServer().listen(0, '127.0.0.1')
    '''
    lines = run_primary(tmp_path, primary, worker)
    events = [line['event'] for line in lines]
    assert lines.count({'event': 'worker sees', 'workers': True, 'disconnect': True}) == 2
    primary_events = [line for line in lines if line['event'] != 'worker sees']
    assert primary_events[0] == {'event': 'after call', 'workers': 0}
    assert events.count('callback') == 1
    exits = [line for line in lines if line['event'] == 'exit']
    assert sorted(exit_['id'] for exit_ in exits) == [1, 2]
    assert all(exit_['code'] == 0 and exit_['after_disconnect'] for exit_ in exits)
    # Node's order: the callback comes with the first exit, after both 'disconnect's.
    assert events.index('callback') < events.index('exit')
    assert events.index('callback') > max(i for i, e in enumerate(events) if e == 'disconnect')


def test_cluster_disconnect_without_workers_calls_back_on_the_next_tick(tmp_path):
    primary = '''
        cluster.disconnect(lambda: report(event='callback'))
        cluster.disconnect(5)           # not a function: ignored, as in Node
        report(event='after call')
    '''
    lines = run_primary(tmp_path, primary, 'pass')
    assert lines == [{'event': 'after call'}, {'event': 'callback'}, {'event': 'primary done'}]
