"""What the tests of resolving before connecting share
(tests/net/test_lookup_*.py): the made-up host name, the events recorded,
a custom ``lookup`` that answers on a later turn, and a server that notes
where each connection came from."""
import pyuvnet as net
from support import record_events

HOST = 'service.example'
EVENTS = ('lookup', 'connectionAttempt', 'connectionAttemptFailed',
          'connectionAttemptTimeout', 'connect', 'timeout', 'error', 'close')


def record(sock, log):
    return record_events(sock, log, EVENTS)


def lookup_giving(*answer, calls=None, all_answer=None):
    """A dns.lookup-shaped function: calls back on a later turn with
    ``answer`` (err, address, family), or with (None, all_answer) when the
    socket asks for ``all``."""
    def lookup(hostname, options, callback):
        if calls is not None:
            calls.append((hostname, dict(options)))
        if options.get('all') and all_answer is not None:
            net.setImmediate(callback, None, all_answer)
        else:
            net.setImmediate(callback, *answer)
    return lookup


def greeting_server(listening_server, host='127.0.0.1'):
    peers = []

    def on_connection(sock):
        peers.append((sock.remoteAddress, sock.remotePort, sock.remoteFamily))
        sock.end(b'hi')
    server, port = listening_server(on_connection, host=host)
    return server, port, peers
