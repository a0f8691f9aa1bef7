"""send() in Node's forms, and what comes back
(test-dgram-send-callback-buffer.js,
test-dgram-send-callback-buffer-empty-address.js,
test-dgram-send-callback-buffer-length.js,
test-dgram-send-callback-buffer-length-empty-address.js,
test-dgram-send-callback-multi-buffer.js,
test-dgram-send-callback-multi-buffer-empty-address.js,
test-dgram-send-callback-recursive.js, test-dgram-send-empty-array.js,
test-dgram-send-empty-buffer.js, test-dgram-send-empty-packet.js,
test-dgram-send-multi-buffer-copy.js, test-dgram-send-multi-string-array.js,
test-dgram-send-default-host.js, test-dgram-implicit-bind.js,
test-dgram-msgsize.js, test-dgram-send-error.js,
test-dgram-send-cb-quelches-error.js, test-dgram-bytes-length.js; each
order pinned under /usr/bin/node 20)."""
import pytest

import pyuvnet as net
from pyuvnet import dgram
from dgram_support import receiver


def _port(sock):
    return sock.address().port


def test_send_forms_deliver_one_datagram_each(run_loop):
    got = []
    server = receiver(got, count=7)
    results = []

    def start():
        port = _port(server)
        client = dgram.createSocket('udp4')
        done = lambda err, n: results.append((err, n))
        client.send(b'plain', port, '127.0.0.1')
        client.send('a str', port, '127.0.0.1', done)
        client.send([b'li', 'st'], port, '127.0.0.1', done)
        client.send(b'xxsliceyy', 2, 5, port, '127.0.0.1', done)
        client.send(bytearray(b'bytearray'), port, done)          # the default host
        client.send(memoryview(b'view'), port=port, address='127.0.0.1', callback=done)
        client.send(b'--kw--', offset=2, length=2, port=port, address='127.0.0.1')
        net.setTimeout(client.close, 100)
    server.on('listening', start)
    run_loop()
    assert sorted(m for m, _ in got) == sorted(
        [b'plain', b'a str', b'list', b'slice', b'bytearray', b'view', b'kw'])
    assert all(r['address'] == '127.0.0.1' and r['family'] == 'IPv4' and r['size'] == len(m)
               for m, r in got)
    assert sorted(results) == [(None, 4), (None, 4), (None, 5), (None, 5), (None, 9)]


def test_rinfo_is_a_record_with_node_keys_in_order(run_loop):
    got = []
    server = dgram.createSocket('udp4')
    server.on('message', lambda msg, rinfo: (got.append((msg, rinfo)), server.close()))

    def start():
        client = dgram.createSocket('udp4')
        client.send(b'hello', _port(server), '127.0.0.1', lambda err, n: client.close())
    server.bind(0, '127.0.0.1', start)
    run_loop()
    (msg, rinfo), = got
    assert type(msg) is bytes and msg == b'hello'
    assert list(rinfo) == ['address', 'family', 'port', 'size']
    assert rinfo.address == '127.0.0.1' and rinfo.family == 'IPv4' and rinfo.size == 5
    assert isinstance(rinfo, net.Record)
    with pytest.raises(TypeError):
        rinfo['port'] = 1


def test_each_rinfo_is_its_own_datagrams_across_peers_and_sizes(run_loop):
    # The handle keeps the last datagram's rinfo to copy from: every record
    # kept must still say its own peer and size after later datagrams.
    got = []
    server = dgram.createSocket('udp4')
    clients = [dgram.createSocket('udp4'), dgram.createSocket('udp4')]
    plan = [(0, b'a'), (0, b'bb'), (1, b'bb!'), (0, b'cc'), (1, b'ddd'), (1, b'e')]

    def on_message(msg, rinfo):
        got.append((msg, rinfo))
        if len(got) == len(plan):
            for sock in [server] + clients:
                sock.close()
    server.on('message', on_message)

    def start():
        for which, payload in plan:
            clients[which].send(payload, _port(server), '127.0.0.1')

    def bind_clients():
        clients[0].bind(0, '127.0.0.1', lambda: clients[1].bind(0, '127.0.0.1', start))
    server.bind(0, '127.0.0.1', bind_clients)
    run_loop()
    assert sorted(m for m, _ in got) == sorted(p for _, p in plan)
    assert len({id(rinfo) for _, rinfo in got}) == len(plan)
    sender = dict((payload, which) for which, payload in plan)
    seen = {0: set(), 1: set()}
    for msg, rinfo in got:
        assert list(rinfo.items()) == [('address', '127.0.0.1'), ('family', 'IPv4'),
                                       ('port', rinfo.port), ('size', len(msg))]
        seen[sender[msg]].add(rinfo.port)
    assert len(seen[0]) == len(seen[1]) == 1 and seen[0] != seen[1]
    with pytest.raises(AttributeError):
        got[0][1].nothing


def test_empty_datagrams_in_every_form(run_loop):
    got = []
    client = dgram.createSocket('udp4')
    server = receiver(got, count=3, on_done=client.close)
    server.on('listening', lambda: [
        client.send(empty, _port(server), '127.0.0.1') for empty in (b'', [], '')])
    run_loop()
    assert [(m, r['size']) for m, r in got] == [(b'', 0)] * 3


def test_send_before_bind_binds_and_waits_for_listening(run_loop):
    got = []
    server = receiver(got, count=2)
    log = []

    def start():
        client = dgram.createSocket('udp4')
        client.on('listening', lambda: log.append('listening'))
        client.send(b'one', _port(server), '127.0.0.1', lambda e, n: log.append(('sent', e, n)))
        client.send(b'two', _port(server), '127.0.0.1',
                    lambda e, n: (log.append(('sent', e, n)), client.close()))
        log.append(('queued', client.getSendQueueCount()))
        client.on('close', lambda: log.append('close'))
    server.on('listening', start)
    run_loop()
    assert log == [('queued', 0), 'listening', ('sent', None, 3), ('sent', None, 3), 'close']
    assert [m for m, _ in got] == [b'one', b'two']


def test_implicit_bind_is_to_every_interface_on_a_random_port(run_loop):
    client = dgram.createSocket('udp4')
    seen = []
    client.on('listening', lambda: (seen.append(dict(client.address())), client.close()))
    client.send(b'x', 9, '127.0.0.1')
    run_loop()
    assert seen[0]['address'] == '0.0.0.0' and seen[0]['port'] > 0


def test_send_then_close_in_one_tick_drops_the_datagram_and_its_callback(run_loop):
    # Node 20: the send waits for its lookup's tick; close() comes first.
    got = []
    server = receiver(got)
    log = []

    def start():
        client = dgram.createSocket('udp4')

        def bound():
            client.send(b'dropped', _port(server), '127.0.0.1', lambda *a: log.append('cb'))
            client.close(lambda: log.append('closed'))
        client.bind(0, '127.0.0.1', bound)
        net.setTimeout(server.close, 100)
    server.on('listening', start)
    run_loop()
    assert log == ['closed'] and got == []


def test_emsgsize_goes_to_the_callback_and_is_dropped_without_one(run_loop):
    sock = dgram.createSocket('udp4')
    log = []
    sock.on('error', lambda err: log.append(('error event', err.code)))

    def bound():
        port = _port(sock)

        def sent(err, n=None):
            log.append((err.code, str(err), err.syscall, err.address, err.port, n))
            sock.send(bytes(70000), port, '127.0.0.1')
            net.setTimeout(sock.close, 50)
        sock.send(bytes(70000), port, '127.0.0.1', sent)
    sock.bind(0, '127.0.0.1', bound)
    run_loop()
    port = log[0][4]
    assert log == [('EMSGSIZE', 'send EMSGSIZE 127.0.0.1:%d' % port, 'send', '127.0.0.1', port,
                    None)]


def test_a_lookup_error_goes_to_the_callback_else_to_error(run_loop):
    def lookup(host, family, callback):
        if host == '0.0.0.0':
            callback(None, '127.0.0.1', 4)
        else:
            err = RuntimeError('nope')
            err.code = 'ENOTFOUND'
            callback(err)
    sock = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
    log = []
    sock.on('error', lambda err: (log.append(('error', err.code)), sock.close()))

    def bound():
        sock.send(b'x', 9, 'host.invalid',
                  lambda err: (log.append(('cb', err.code)), sock.send(b'x', 9, 'host.invalid')))
    sock.bind(0, bound)
    run_loop()
    assert log == [('cb', 'ENOTFOUND'), ('error', 'ENOTFOUND')]


def test_custom_lookup_gets_the_address_and_family(run_loop):
    calls = []

    def lookup(host, family, callback):
        calls.append((host, family))
        callback(None, '127.0.0.1', 4)
    got = []
    server = receiver(got, count=1)

    def start():
        client = dgram.createSocket({'type': 'udp4', 'lookup': lookup})
        client.send(b'x', _port(server), 'example.test', lambda *a: client.close())
    server.on('listening', start)
    run_loop()
    assert calls == [('0.0.0.0', 4), ('example.test', 4)] and got[0][0] == b'x'


def test_default_host_is_the_loopback_of_the_family(run_loop):
    got = []
    server = receiver(got, count=1)

    def start():
        client = dgram.createSocket('udp4')
        client.send(b'x', _port(server), lambda err, n: client.close())
    server.on('listening', start)
    run_loop()
    assert got[0][1]['address'] == '127.0.0.1'


def test_send_to_a_name_resolves_it(run_loop):
    got = []
    server = receiver(got, count=1)

    def start():
        client = dgram.createSocket('udp4')
        client.send(b'x', _port(server), 'localhost', lambda err, n: client.close())
    server.on('listening', start)
    run_loop()
    assert got[0][0] == b'x'


def test_callbacks_can_send_again_recursively(run_loop):
    # test-dgram-send-callback-recursive: each callback sends the next.
    got = []
    server = receiver(got, count=10)

    def start():
        client = dgram.createSocket('udp4')
        count = [0]

        def again(err=None, n=None):
            if count[0] == 10:
                client.close()
                return
            count[0] += 1
            client.send(b'%d' % count[0], _port(server), '127.0.0.1', again)
        again()
    server.on('listening', start)
    run_loop()
    assert [m for m, _ in got] == [b'%d' % i for i in range(1, 11)]


def test_queue_size_and_count_of_a_bound_socket(run_loop):
    sock = dgram.createSocket('udp4')
    seen = []
    sock.bind(0, '127.0.0.1', lambda: (seen.append((sock.getSendQueueSize(),
                                                      sock.getSendQueueCount())), sock.close()))
    run_loop()
    assert seen == [(0, 0)]


def test_a_bytes_chunk_is_sent_without_a_copy_and_bytearrays_are_copied():
    from pyuvnet.dgram._buffers import chunk_list
    data = b'x' * 100
    assert chunk_list(data)[0] is data
    mutable = bytearray(b'abc')
    copied = chunk_list(mutable)[0]
    mutable[0] = ord('z')
    assert copied == b'abc'


def test_a_refused_connected_peer_is_a_recvmsg_error_and_sends_go_on(run_loop):
    # Node 20: the ICMP refusal reaches the receive path ('error', recvmsg);
    # the sends themselves succeed.
    holder = dgram.createSocket('udp4')
    log = []

    def held():
        port = _port(holder)
        holder.close()
        client = dgram.createSocket('udp4')
        client.on('error', lambda err: log.append(('error', err.code, err.syscall)))

        def second(err, n):
            log.append(('cb2', err, n))
            net.setTimeout(client.close, 50)

        def first(err, n):
            log.append(('cb1', err, n))
            net.setTimeout(lambda: client.send(b'b', second), 50)
        client.connect(port, '127.0.0.1', lambda: client.send(b'a', first))
    holder.bind(0, '127.0.0.1', held)
    run_loop()
    assert log == [('cb1', None, 1), ('error', 'ECONNREFUSED', 'recvmsg'), ('cb2', None, 1),
                   ('error', 'ECONNREFUSED', 'recvmsg')]
