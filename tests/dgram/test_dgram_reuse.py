"""A datagram's bytes and rinfo that the listener let go are refilled for
the next one (uv/handles/udp.pyx, UDPHandle.rinfo and the loop's chunk
pool): what a listener keeps must stay as it was given, what it changed
must not come back, and a refilled bytes must hash as its new content.
Bursts are sent before the loop runs, so that recvmmsg reads several per
call and the refill happens inside a batch as well as across polls."""
import socket

from pyuvnet import dgram

SIZE = 1024         # above pymalloc's sizes: the chunk pool's


def _payload(i, size=SIZE):
    return (b'%05d' % i) * (size // 5) + b'.' * (size % 5)


def _server(count, on_message, clients, payloads):
    """A socket calling ``on_message(i, msg, rinfo)`` for each of
    ``count`` datagrams, closed after the last; once bound, ``payloads``
    come from ``clients`` (_send_from)."""
    sock = dgram.createSocket('udp4')
    seen = []

    def listener(msg, rinfo):
        seen.append(None)
        on_message(len(seen) - 1, msg, rinfo)
        if len(seen) == count:
            sock.close()
    sock.on('message', listener)
    sock.bind(0, '127.0.0.1', lambda: _send_from(clients, sock.address().port, payloads))
    return sock


def _send_from(clients, port, payloads):
    """``payloads[i]`` from ``clients[i % len(clients)]``: a peer change
    between datagrams as well as runs from one peer."""
    for i, payload in enumerate(payloads):
        clients[i % len(clients)].sendto(payload, ('127.0.0.1', port))


def _clients(n):
    clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for client in clients:
        client.bind(('127.0.0.1', 0))
    return clients


def test_kept_messages_and_rinfos_stay_as_given(run_loop):
    count = 60
    payloads = [_payload(i, SIZE if i % 7 else SIZE + 8) for i in range(count)]
    kept, copies = [], []

    def on_message(i, msg, rinfo):
        # Every third is kept; the others are let go after a copy.
        copies.append((msg.hex(), dict(rinfo)))
        if i % 3 == 0:
            kept.append((i, msg, rinfo))

    clients = _clients(2)
    try:
        ports = [client.getsockname()[1] for client in clients]
        _server(count, on_message, [clients[0], clients[0], clients[1]], payloads)
        run_loop()
    finally:
        for client in clients:
            client.close()
    assert [bytes.fromhex(h) for h, _ in copies] == payloads
    assert [(r['port'], r['size']) for _, r in copies] == [
        (ports[i % 3 == 2], len(payloads[i])) for i in range(count)]
    assert len(kept) == 20
    for i, msg, rinfo in kept:
        assert msg == payloads[i]
        assert dict(rinfo) == copies[i][1]


def test_rinfos_name_each_datagrams_peer_and_size(run_loop):
    count = 40
    payloads = [_payload(i, SIZE + (i % 2)) for i in range(count)]
    infos = []
    clients = _clients(2)
    try:
        ports = [client.getsockname()[1] for client in clients]
        _server(count, lambda i, msg, rinfo: infos.append(dict(rinfo)), clients, payloads)
        run_loop()
    finally:
        for client in clients:
            client.close()
    assert infos == [{'address': '127.0.0.1', 'family': 'IPv4', 'port': ports[i % 2],
                      'size': SIZE + (i % 2)} for i in range(count)]


def test_a_refilled_message_hashes_as_its_new_bytes(run_loop):
    count = 30
    payloads = [_payload(i) for i in range(count)]
    hashes = []
    # hash() caches the hash in the bytes object; the next datagram of the
    # same size refills the one let go.
    client, = _clients(1)
    try:
        _server(count, lambda i, msg, rinfo: hashes.append((msg.hex(), hash(msg))), [client],
                payloads)
        run_loop()
    finally:
        client.close()
    assert [h for _, h in hashes] == [hash(bytes.fromhex(text)) for text, _ in hashes]
    assert [bytes.fromhex(text) for text, _ in hashes] == payloads


def test_an_rinfo_changed_through_dict_is_not_given_again(run_loop):
    count = 6
    infos = []

    def on_message(i, msg, rinfo):
        infos.append(dict(rinfo))
        # A Record is read-only, but dict's own methods reach its table.
        if i == 0:
            dict.__setitem__(rinfo, 'port', 1)
        elif i == 2:
            dict.__setitem__(rinfo, 'extra', True)
        elif i == 4:
            dict.clear(rinfo)

    client, = _clients(1)
    try:
        port = client.getsockname()[1]
        _server(count, on_message, [client], [_payload(i) for i in range(count)])
        run_loop()
    finally:
        client.close()
    assert infos == [{'address': '127.0.0.1', 'family': 'IPv4', 'port': port,
                      'size': SIZE}] * count
