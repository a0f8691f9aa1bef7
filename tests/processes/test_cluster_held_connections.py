"""A round-robin worker whose server holds a connection before taking it
(pyuvnet's hook for a WSGI server whose app threads are all busy:
``server._take_connection_when_free(take)``): the primary waits for its
answer and hands it no other connection meanwhile; if the worker dies
holding it, the primary gives it to another worker; if the server closes
first, the held connection is refused and goes to another worker.  Node
has no such hook (its worker answers every connection at once)."""
from cluster_support import run_primary

# Worker 1 holds every connection; worker 2 takes them at once.  Each
# answers with its id.
WORKER = '''
server = net.createServer(lambda sock: sock.end(str(cluster.worker.id)))
if cluster.worker.id == 1:
    held = []
    def hold(take):
        held.append(take)
        report(event='held', count=len(held))
    server._take_connection_when_free = hold
    def on_message(message, handle=None):
        if message == 'close':
            server.close()
            for take in held:
                take()
    cluster.worker.on('message', on_message)
server.listen(0, '127.0.0.1')
'''

PRIMARY = '''
first = cluster.fork()
def on_first_listening(address):
    sock = net.connect(address.port, '127.0.0.1')
    sock.on('data', lambda data: report(event='answer', by=data.decode()))
    sock.on('close', lambda *_: cluster.disconnect())
    def second_listening(address):
        report(event='second listening')
        {then}
    cluster.fork().once('listening', second_listening)
first.once('listening', on_first_listening)
first.on('exit', lambda code, signal: report(event='first exit', signal=signal))
'''


def test_a_held_connection_goes_to_another_worker_when_its_holder_dies(tmp_path):
    lines = run_primary(tmp_path, PRIMARY.format(then="first.process.kill('SIGKILL')"), WORKER)
    events = [line['event'] for line in lines]
    assert {'event': 'held', 'count': 1} in lines
    assert {'event': 'first exit', 'signal': 'SIGKILL'} in lines
    assert {'event': 'answer', 'by': '2'} in lines
    # The kill is sent at 'second listening'.  The primary hands the
    # connection on when the worker's channel ends, which the kernel may
    # report before or after its exit (Node's 'exit' and 'disconnect'
    # come in either order): only the kill is sure to come first.
    assert events.index('second listening') < events.index('answer')


def test_a_held_connection_is_refused_when_its_server_closes(tmp_path):
    lines = run_primary(tmp_path, PRIMARY.format(then="first.send('close')"), WORKER)
    assert {'event': 'held', 'count': 1} in lines
    assert {'event': 'answer', 'by': '2'} in lines
