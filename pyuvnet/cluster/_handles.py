"""The primary's side of a server its workers share (Node's
round_robin_handle.js and shared_handle.js): one per address, made on a
worker's first ``queryServer``; ``add(worker, reply)`` answers a worker
that listens (or binds a UDP socket), ``remove(worker)`` is True once no
worker is left."""
from .. import _uv, errors
from ..dgram import Socket as DgramSocket
from ._messages import send
from .. import BoundSocket
from .. import Server


def wire_errno(err):
    # Node's messages carry libuv's (negative) error numbers.
    return -abs(getattr(err, 'errno', None) or errors.uv_code('EINVAL'))


def listen_options(message):
    options = {'port': message.get('port', 0), 'backlog': message.get('backlog') or 511}
    if message.get('address') is not None:
        options['host'] = message['address']
    for name in ('ipv6Only', 'reusePort'):
        if message.get(name):
            options[name] = True
    return options


class RoundRobinHandle:
    """SCHED_RR in the primary: one listening Server; each connection goes
    to the first free worker (one in hand at a time, Node's handoff)."""

    def __init__(self, key, message):
        self.key = key
        self.all = {}
        self.free = {}          # insertion order is the round-robin order
        self.pending = []
        self.in_flight = {}     # worker id -> the connection it has not answered for
        self.errno = None
        self.server = Server({'pauseOnConnect': True}, self._distribute)
        self.server.once('error', self._on_error)
        self.server.listen(listen_options(message))

    def _on_error(self, err):
        self.errno = wire_errno(err)
        for w, reply in list(self.all.values()):
            reply(self.errno)
        self.all.clear()

    def add(self, w, reply):
        if self.errno is not None:
            reply(self.errno)
            return
        self.all[w.id] = (w, reply)

        def done():
            address = self.server.address()
            reply(0, {'sockname': dict(address) if address else None})
            self._handoff(w)
        if self.server.listening:
            done()
        else:
            self.server.once('listening', done)

    def remove(self, w):
        """Forget ``w``; True once no worker is left (the server closed)."""
        member = self.all.pop(w.id, None) is not None
        self.free.pop(w.id, None)
        # A worker still connected (disconnect()) answers for the connection
        # it holds as usual; one whose channel is gone never will, and the
        # next worker gets it (Node leaves it open, unanswered).
        lost = None if w.isConnected() else self.in_flight.pop(w.id, None)
        if lost is not None:
            self.pending.insert(0, lost)
        if self.all:
            if lost is not None and self.free:
                self._handoff(self.free.pop(next(iter(self.free))))
            return False
        for sock in self.pending:
            sock.destroy()
        self.pending = []
        if member:
            self.server.close()
        return member

    def _distribute(self, sock):
        self.pending.append(sock)
        if self.free:
            worker_id = next(iter(self.free))
            self._handoff(self.free.pop(worker_id))

    def _handoff(self, w):
        if w.id not in self.all:
            return          # the worker closed this server
        if not self.pending:
            self.free[w.id] = w
            return
        sock = self.pending.pop(0)

        def answered(reply, fd):
            if self.in_flight.pop(w.id, None) is not sock:
                return      # the connection went to another worker already
            if reply.get('accepted'):
                sock.destroy()      # the worker has its own copy
            elif self.all:
                self._distribute(sock)
            else:
                sock.destroy()      # every worker has left this server
            self._handoff(w)
        if not w.isConnected():
            self._distribute(sock)      # its 'disconnect' is on its way
            return
        self.in_flight[w.id] = sock
        send(w.process, {'act': 'newconn', 'key': self.key}, sock, answered)


class SharedHandle:
    """SCHED_NONE in the primary: a socket bound once, handed to each worker,
    which listens on it itself."""

    def __init__(self, key, message):
        self.key = key
        self.workers = set()
        self.errno = 0
        self.server = None
        options = listen_options(message)
        bind = {name: options[name] for name in ('port', 'ipv6Only', 'reusePort') if name in options}
        hosts = [options['host']] if 'host' in options else ['::', '0.0.0.0']
        for host in hosts:
            try:
                bound = BoundSocket(dict(bind, host=host))
            except errors.NodeError as err:
                self.errno = wire_errno(err)
                continue
            self.errno = 0
            # A Server that holds the bound socket without listening: what
            # the channel sends as a net.Server.
            self.server = Server()
            listener = self.server._new_listener()
            _uv.tcp_open(listener, bound._adopt())
            self.server._handle = listener
            break

    def add(self, w, reply):
        self.workers.add(w.id)
        reply(self.errno, None, self.server)

    def remove(self, w):
        if w.id not in self.workers:
            return False
        self.workers.discard(w.id)
        if self.workers:
            return False
        if self.server is not None:
            self.server.close()
        return True


class SharedUdpHandle(SharedHandle):
    """A UDP socket the workers share (Node's SharedHandle over
    dgram._createSocketHandle): bound here once, never read here, and sent
    to each worker binding the same address, which receives on it.  Its
    ``server`` (what add() sends, remove() closes) is that dgram socket."""

    def __init__(self, key, message):
        self.key = key
        self.workers = set()
        self.server = DgramSocket(message['addressType'])
        address = message.get('address') or ('0.0.0.0' if message['addressType'] == 'udp4'
                                              else '::')
        # The handle alone, bound without receiving: the workers read it.
        self.errno = self.server._udp().bind(address, message.get('port') or 0,
                                             message.get('flags') or 0)
        if self.errno:
            self.server.close()
            self.server = None
