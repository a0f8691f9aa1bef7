"""The timeout option while connecting, as Node's lookupAndConnect: it
counts from connect() and fires while the attempt is still pending (with a
lookup too), without closing the socket; a bad value is refused.

Real names only through 'localhost' (this machine's /etc/hosts); everything
else goes through a custom ``lookup`` function."""
import socket

import pytest

import pyuvnet as net
from lookup_support import HOST, lookup_giving, record
from support import event_names as names


def never_answering(host='127.0.0.1'):
    """A listening socket whose full accept queue makes the kernel drop
    SYNs: a connect to it stays pending.  Returns (sockets, port)."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    keep = [listener]
    for _ in range(3):
        filler = socket.socket(family, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex((host, port))
        keep.append(filler)
    return keep, port


# -- timeout --------------------------------------------------------------------

def test_timeout_option_fires_while_still_connecting(run_loop):
    keep, port = never_answering()
    try:
        log = []
        seen = {}
        # The timeout counts from connect(), not from the attempt (which
        # comes a tick later: on a busy machine, some ms later).
        started = {'at': net.get_loop().now()}
        client = net.connect({'port': port, 'host': '127.0.0.1', 'timeout': 100})
        record(client, log)

        def on_timeout():
            seen['at'] = net.get_loop().now()
            seen['state'] = (client.connecting, client.readyState, client.destroyed)
            # 'timeout' does not close the socket; wait to see it fire once only.
            net.setTimeout(client.destroy, 250)
        client.on('timeout', on_timeout)
        run_loop()
    finally:
        for s in keep:
            s.close()
    assert client.timeout == 100
    assert names(log) == ['connectionAttempt', 'timeout', 'close']
    assert seen['state'] == (True, 'opening', False)
    assert seen['at'] - started['at'] >= 99
    assert log[-1] == ('close', False)


def test_timeout_option_with_a_lookup(run_loop):
    keep, port = never_answering()
    try:
        log = []
        client = net.connect({'port': port, 'host': HOST, 'timeout': 50,
                              'lookup': lookup_giving(None, '127.0.0.1', 4)})
        record(client, log)
        client.on('timeout', client.destroy)
        run_loop()
    finally:
        for s in keep:
            s.close()
    assert names(log) == ['lookup', 'connectionAttempt', 'timeout', 'close']


@pytest.mark.parametrize('timeout, code', [(-1, 'ERR_OUT_OF_RANGE'), ('x', 'ERR_INVALID_ARG_TYPE')])
def test_a_bad_timeout_option_throws(timeout, code):
    with pytest.raises(net.NodeError) as info:
        net.connect({'port': 80, 'host': '127.0.0.1', 'timeout': timeout})
    assert info.value.code == code
