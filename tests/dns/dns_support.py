"""A small authoritative DNS responder for the dns tests, on loopback only.

``Responder(table)`` answers on a UDP and a TCP socket of one port (from
port 0) on 127.0.0.1 (or ::1), from a thread, until ``close()``. The table
maps a name to its records, ``{'a.test': [A('10.0.0.1'), MX(10, 'mx.a.test')]}``;
a name outside it is NXDOMAIN, a type the name lacks is an empty NOERROR
(Node's ENODATA). ``misbehave`` makes it hostile for one name:

- ``'rcode:N'``: answer with RCODE N (2 SERVFAIL, 5 REFUSED, ...);
- ``'silent'``: never answer;
- ``'spoof-id'``: first an answer with another ID, then the true one;
- ``'spoof-port'``: first an answer from another port, then the true one;
- ``'spoof-only'``: only answers with another ID and from another port;
- ``'pointer-loop'``: an answer whose name is a compression pointer to itself;
- ``'garbage'``: 7 random bytes after the true header's ID;
- ``'bad-ancount'``: the true answer claiming one record more than it has;
- ``'late:MS'``: answer the first try only, MS ms after it, to the port it
  came from; the retries never;
- ``'late-wrong-id:MS'``, ``'late-wrong-port:MS'``: as ``'late:MS'``, but the
  one answer has another ID, or comes from another port.

Answers over UDP longer than 512 bytes (or the query's EDNS size) are
truncated (TC set, no records), so the client must ask again over TCP:
``queries`` records ``(transport, name, type)`` for each question seen,
``peers`` the address each UDP question came from.
"""
import json
import os
import select
import socket
import struct
import subprocess
import threading

TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15, 'TXT': 16,
         'AAAA': 28, 'SRV': 33, 'NAPTR': 35, 'OPT': 41, 'ANY': 255, 'CAA': 257}


def encode_name(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            raw = label.encode('latin-1')
            out += bytes([len(raw)]) + raw
    return out + b'\0'


def _strings(*chunks):
    return b''.join(bytes([len(c)]) + c for c in (
        chunk.encode('latin-1') if isinstance(chunk, str) else chunk for chunk in chunks))


# Record makers: (type name, rdata bytes, ttl).
def A(address, ttl=300):
    return ('A', socket.inet_pton(socket.AF_INET, address), ttl)


def AAAA(address, ttl=300):
    return ('AAAA', socket.inet_pton(socket.AF_INET6, address), ttl)


def CNAME(target, ttl=300):
    return ('CNAME', encode_name(target), ttl)


def NS(target, ttl=300):
    return ('NS', encode_name(target), ttl)


def PTR(target, ttl=300):
    return ('PTR', encode_name(target), ttl)


def MX(priority, exchange, ttl=300):
    return ('MX', struct.pack('!H', priority) + encode_name(exchange), ttl)


def TXT(*chunks, ttl=300):
    return ('TXT', _strings(*chunks), ttl)


def SRV(priority, weight, port, target, ttl=300):
    return ('SRV', struct.pack('!HHH', priority, weight, port) + encode_name(target), ttl)


def NAPTR(order, preference, flags, service, regexp, replacement, ttl=300):
    return ('NAPTR', struct.pack('!HH', order, preference) + _strings(flags, service, regexp)
            + encode_name(replacement), ttl)


def SOA(nsname, hostmaster, serial, refresh, retry, expire, minttl, ttl=300):
    return ('SOA', encode_name(nsname) + encode_name(hostmaster)
            + struct.pack('!IIIII', serial, refresh, retry, expire, minttl), ttl)


def CAA(flags, tag, value, ttl=300):
    return ('CAA', bytes([flags, len(tag)]) + tag.encode() + value.encode(), ttl)


def parse_question(packet):
    """(id, name, qtype, edns payload size or 512) of a query."""
    qid, _flags, qdcount, _an, _ns, arcount = struct.unpack('!6H', packet[:12])
    labels, at = [], 12
    while packet[at]:
        length = packet[at]
        labels.append(packet[at + 1:at + 1 + length].decode('latin-1'))
        at += 1 + length
    qtype, _qclass = struct.unpack('!HH', packet[at + 1:at + 5])
    at += 5
    size = 512
    if arcount and packet[at] == 0 and struct.unpack('!H', packet[at + 1:at + 3])[0] == 41:
        size = max(512, struct.unpack('!H', packet[at + 3:at + 5])[0])
    return qid, '.'.join(labels), qtype, size


def _other_id(reply):
    """``reply`` with the next ID: no question's answer."""
    return struct.pack('!H', (struct.unpack('!H', reply[:2])[0] + 1) & 0xFFFF) + reply[2:]


class Responder:
    """An authoritative server for ``table`` on loopback UDP and TCP."""

    def __init__(self, table, misbehave=None, host='127.0.0.1'):
        self.table = {name.lower().rstrip('.'): records for name, records in table.items()}
        self.misbehave = {name.lower(): how for name, how in (misbehave or {}).items()}
        self.queries = []
        self.peers = []
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.udp, self.tcp = self._bind_pair(family, host)
        self.port = self.udp.getsockname()[1]
        self.spoofer = socket.socket(family, socket.SOCK_DGRAM)
        self.spoofer.bind((host, 0))
        self.host = host
        self.server = '[%s]:%d' % (host, self.port) if family == socket.AF_INET6 else \
            '%s:%d' % (host, self.port)
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @staticmethod
    def _bind_pair(family, host):
        """A UDP socket from port 0 and a listening TCP one on the same
        port (another process may hold that TCP port: then another pair)."""
        for _ in range(50):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.bind((host, 0))
            tcp = socket.socket(family, socket.SOCK_STREAM)
            try:
                tcp.bind((host, udp.getsockname()[1]))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(16)
            return udp, tcp
        raise OSError('no port free for both UDP and TCP on %s' % host)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._thread is None:
            return
        os.write(self._wake_w, b'x')
        self._thread.join(5)
        self._thread = None
        for sock in (self.udp, self.tcp, self.spoofer):
            sock.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def count(self, transport=None, name=None):
        return sum(1 for t, n, _ in self.queries
                   if transport in (None, t) and name in (None, n))

    # -- the answers -----------------------------------------------------------

    def answer(self, packet, transport):
        """The reply to ``packet`` (None: no reply), and the hostile extras."""
        qid, name, qtype, size = parse_question(packet)
        key = name.lower()
        self.queries.append((transport, key, qtype))
        how = self.misbehave.get(key, '')
        question = packet[12:12 + len(encode_name(name)) + 4]
        if how == 'silent':
            return None
        if how == 'empty':
            return b''
        if how == 'id-only':
            return struct.pack('!H', qid)
        if how == 'header-only':
            return struct.pack('!6H', qid, 0x8400, 0, 0, 0, 0)
        if how.startswith('rcode:'):
            return self._message(qid, question, int(how[6:]), [])
        if how == 'pointer-loop':
            # One answer whose owner name is a pointer to its own offset.
            at = 12 + len(question)
            record = struct.pack('!HHHIH', 0xC000 | at, 1, 1, 60, 4) + b'\x0a\0\0\1'
            return self._header(qid, 0, 1) + question + record
        if how == 'garbage':
            return struct.pack('!H', qid) + os.urandom(7)
        if how == 'bad-ancount':
            records = self.table.get(key, [])
            reply = self._message(qid, question, 0, records, name)
            return reply[:6] + struct.pack('!H', len(records) + 1) + reply[8:]
        if key not in self.table:
            return self._message(qid, question, 3, [])
        records = [r for r in self.table[key]
                   if qtype == TYPES['ANY'] or TYPES[r[0]] == qtype
                   or (r[0] == 'CNAME' and qtype != TYPES['CNAME'])]
        reply = self._message(qid, question, 0, records, name)
        if transport == 'udp' and len(reply) > size:
            return self._header(qid, 0, 0, truncated=True) + question
        return reply

    def _header(self, qid, rcode, ancount, truncated=False):
        flags = 0x8400 | (0x0200 if truncated else 0) | rcode     # QR, AA
        return struct.pack('!6H', qid, flags, 1, ancount, 0, 0)

    def _message(self, qid, question, rcode, records, name=''):
        owner = encode_name(name)
        if sum(len(owner) + 10 + len(rdata) for _, rdata, _ in records) > 65000:
            # A large answer's owner names point at the question's (RFC
            # 1035 4.1.4), as real servers' do: 4,000 A records fit in
            # one TCP message so.
            owner = struct.pack('!H', 0xC00C)
        body = b''.join(owner + struct.pack('!HHIH', TYPES[kind], 1, ttl, len(rdata))
                        + rdata for kind, rdata, ttl in records)
        return self._header(qid, rcode, len(records)) + question + body

    # -- the thread ------------------------------------------------------------

    def _serve(self):
        conns = []
        while True:
            readable, _, _ = select.select([self._wake_r, self.udp, self.tcp] + conns, [], [])
            if self._wake_r in readable:
                for conn in conns:
                    conn.close()
                return
            if self.udp in readable:
                packet, peer = self.udp.recvfrom(65535)
                self._reply_udp(packet, peer)
            if self.tcp in readable:
                conn, _ = self.tcp.accept()
                conns.append(conn)
            for conn in [c for c in conns if c in readable]:
                if not self._reply_tcp(conn):
                    conns.remove(conn)
                    conn.close()

    def _reply_udp(self, packet, peer):
        self.peers.append(peer[0])
        try:
            reply = self.answer(packet, 'udp')
        except (IndexError, struct.error, UnicodeDecodeError):
            return
        if reply is None:
            return
        how = self.misbehave.get(self.queries[-1][1], '')
        if how.startswith('late'):
            # The first try's answer, MS ms after it (from a timer thread;
            # a socket's sendto is thread-safe); the retries none.
            kind, delay = how.split(':')
            if self.count(name=self.queries[-1][1]) == 1:
                sender = self.spoofer if kind == 'late-wrong-port' else self.udp
                if kind == 'late-wrong-id':
                    reply = _other_id(reply)
                timer = threading.Timer(int(delay) / 1000, self._send_late, (sender, reply, peer))
                timer.daemon = True
                timer.start()
            return
        if how in ('spoof-id', 'spoof-only'):
            self.udp.sendto(_other_id(reply), peer)
        if how in ('spoof-port', 'spoof-only'):
            self.spoofer.sendto(reply, peer)
        if how != 'spoof-only':
            self.udp.sendto(reply, peer)

    @staticmethod
    def _send_late(sender, reply, peer):
        try:
            sender.sendto(reply, peer)
        except OSError:     # the responder was closed first
            pass

    def _reply_tcp(self, conn):
        try:
            head = conn.recv(2)
            if len(head) < 2:
                return False
            length = struct.unpack('!H', head)[0]
            packet = b''
            while len(packet) < length:
                more = conn.recv(length - len(packet))
                if not more:
                    return False
                packet += more
            reply = self.answer(packet, 'tcp')
        except (OSError, IndexError, struct.error, UnicodeDecodeError):
            return False
        if reply is not None:
            try:
                conn.sendall(struct.pack('!H', len(reply)) + reply)
            except OSError:     # the asker gave up and reset (a slow, sanitized build)
                return False
        return True


def node_json(script, *args):
    """What ``script`` prints under Node (``node -e script args``), read as JSON."""
    from support import NODE   # here: bench/dns_resolve.py imports this module without it
    done = subprocess.run([NODE, '-e', script] + list(args), capture_output=True, text=True,
                          timeout=60, check=True)
    return json.loads(done.stdout)


# Node's side of the tests that ask Node and pyuvnet the same questions:
# ``node -e NODE_SCRIPT server jobs [timeout_ms]``, jobs a JSON list of
# [method, name, options or null], the resolver's timeout 200 ms unless
# given; prints each outcome (the records, or the error's code, syscall and
# hostname) as JSON, in the jobs' order.
NODE_SCRIPT = r'''
const dns = require('dns');
const r = new dns.Resolver({timeout: +(process.argv[3] || 200), tries: 2});
r.setServers([process.argv[1]]);
const jobs = JSON.parse(process.argv[2]);
const out = [];
let left = jobs.length;
jobs.forEach(([method, name, options], i) => {
  const done = (err, result) => {
    out[i] = err ? {code: err.code, syscall: err.syscall, hostname: err.hostname} : result;
    if (--left === 0) console.log(JSON.stringify(out));
  };
  if (options) r[method](name, options, done); else r[method](name, done);
});
'''
