# The socket side of UDP: DgramCore, the C base of a pyuvnet.dgram Socket
# (its sole 'message' listener, and send()'s common form queued for the
# next tick in C), and RemoteInfo, the rinfo type 'message' gives.  The
# libuv handle under it, UDPHandle, and what runs per datagram are
# udp.pyx's.

from cpython.dict cimport PyDict_GetItemWithError
from cpython.unicode cimport PyUnicode_AsUTF8
from pyuvnet._internal.records import Record

cdef str MESSAGE = 'message'

cdef extern from *:
    """
    #include "pyuvnet_cpython.h"
    /* A type's attribute lookup without the __getattr__ hook its base
       class's Python __getattr__ installed (RemoteInfo's): a slot of a
       ready type rewritten, so only where pyuvnet_cpython.h allows it;
       elsewhere the hook stays (and finds what the plain lookup would). */
    static void pyuvnet_plain_getattr(PyObject *type) {
    #if PYUVNET_CPYTHON_TRICKS
        ((PyTypeObject *)type)->tp_getattro = PyObject_GenericGetAttr;
        PyType_Modified((PyTypeObject *)type);
    #else
        (void)type;
    #endif
    }
    """
    void pyuvnet_plain_getattr(object type)


cdef class RecordKey:
    """A read-only attribute of a Record subclass: its dict's ``key``, read
    in C (a dict subclass's own ``rinfo['port']`` goes through a Python
    level __getitem__ lookup; a property over itemgetter did too)."""
    cdef object key

    def __cinit__(self, key):
        self.key = key

    def __get__(self, obj, objtype):
        cdef PyObject* value
        if obj is None:
            return self
        # (PyDict_GetItem would save and restore the error indicator.)
        value = PyDict_GetItemWithError(obj, self.key)
        if value == NULL:
            raise AttributeError(self.key)
        return <object>value


class RemoteInfo(Record):
    """A dgram 'message' rinfo: a Record whose keys (address, family,
    port, size) are also attributes read in C, so that ``rinfo.port`` per
    datagram costs no failed attribute lookup first (Record's
    ``__getattr__`` runs only after one, an AttributeError made and
    dropped each time)."""

    __slots__ = ()
    address = RecordKey('address')
    family = RecordKey('family')
    port = RecordKey('port')
    size = RecordKey('size')


# Record's __getattr__ gives its subclasses CPython's getattr hook, which
# looks __getattribute__ and __getattr__ up before the plain lookup: ~300
# instructions of each ``rinfo.port`` an echo makes per datagram.  Every
# key of a RemoteInfo is one of the attributes above, so the hook has
# nothing to add: the plain lookup serves it (an unknown name raises
# AttributeError as well).
pyuvnet_plain_getattr(RemoteInfo)


cdef class DgramCore(EventEmitter):
    """The C base of ``dgram.Socket``: its sole plain 'message' listener,
    kept as listeners change, so that a datagram reaches it without a
    lookup; and ``send()``'s common form (bytes to an IP literal and a
    port, on a bound, unconnected socket with the default lookup) taken in
    C, with Node's timing: the datagram leaves on the next tick, where
    Node's lookup of an IP literal answers."""

    cdef object message_listener
    cdef public object _handle          # the UDPHandle, or None until bound
    # 4 or 6 while send() may take its C path (the facade says when), else 0.
    cdef public int _send_family
    # The oldest send of the C path waiting for its tick (next_msg None:
    # none), and those after it: (bytes, ip, port, callback), in a deque.
    # An echo has one at a time: no tuple nor deque for it.
    cdef object next_msg, next_ip, next_callback
    cdef int next_port
    cdef object pending
    # pending's append and popleft, bound once (a deque has no C API)
    cdef object pending_append, pending_popleft
    # The str last found an IP literal of _send_family: an echo answers the
    # same rinfo.address object again and again.
    cdef object checked_ip

    cdef void _listeners_changed(self, object event):
        if event == MESSAGE:
            self.message_listener = self._sole_listener(MESSAGE)

    cdef void release_closed(self, Py_ssize_t caller_refs) noexcept:
        # A closed socket whose listeners close over it (Node's echo,
        # ``sock.on('message', lambda m, r: sock.send(m, r.port,
        # r.address))``) is a reference cycle through them: when they (and
        # ``caller_refs``, the caller's) are all that refer to it, nothing
        # can reach it, and they are dropped now, as TCP's are
        # (Stream.on_released), rather than left to the cyclic GC.
        if not held_by_own_listeners_alone(self, <PyObject*>self.message_listener, caller_refs):
            return
        self.message_listener = None
        self._drop_listeners()

    def _close_handle(self):
        """Close the handle.  A socket never bound (or closed before its
        bind's lookup answered) has none: one is made to be closed (no
        socket behind it yet), so that its close callback frees this
        socket's own listeners' cycle (release_closed) as a bound one's
        does, rather than the cyclic GC; none on a closed loop."""
        if self._handle is None:
            if current_loop().uvloop == NULL:
                return
            self._handle = UDPHandle(self)
        (<UDPHandle>self._handle).close_handle()

    def send(self, msg, *args, **keywords):
        """Send one datagram, in Node's forms: ``send(msg[, offset, length],
        port[, address][, callback])`` unconnected, ``send(msg[, offset,
        length][, callback])`` connected (or the same as keywords).  ``msg``
        is bytes, a str, or a list of them (one datagram).  A socket not
        bound yet is bound first and the datagram sent once 'listening'
        came.  ``callback(err, bytes_sent)`` follows; without one a failed
        send is dropped, as in Node.  Bad arguments raise at once."""
        cdef Py_ssize_t n = len(args)
        cdef object port, address, callback = None
        if self._send_family and not keywords and type(msg) is bytes and (n == 2 or n == 3):
            port = args[0]
            address = args[1]
            if n == 3:
                callback = args[2]
            if (type(port) is int and 0 < <long>port < 65536 and type(address) is str
                    and (callback is None or callable(callback))
                    and (address is self.checked_ip
                         or is_ip_of(<str>address, self._send_family))):
                self.checked_ip = address
                if self.next_msg is None and not self.pending:
                    self.next_msg = msg
                    self.next_ip = address
                    self.next_port = <int>port
                    self.next_callback = callback
                else:
                    if self.pending is None:
                        self.pending = deque()
                        self.pending_append = self.pending.append
                        self.pending_popleft = self.pending.popleft
                    self.pending_append((msg, address, port, callback))
                (<UDPHandle>self._handle).loop.call_soon_tick(self)
                return None
        return self._send_slow(msg, *args, **keywords)

    cdef int on_tick(self) except -1:
        # One send() of the C path, at the tick its lookup would answer:
        # the oldest waiting.
        cdef tuple item
        cdef object msg, ip, callback
        cdef int port
        cdef UDPHandle udp = <UDPHandle>self._handle
        cdef Py_ssize_t r
        cdef object err
        if self.next_msg is not None:
            msg, ip, port, callback = self.next_msg, self.next_ip, self.next_port, self.next_callback
            self.next_msg = self.next_ip = self.next_callback = None
        else:
            item = <tuple>self.pending_popleft()
            msg, ip, port, callback = item
        if not Handle.is_open(udp):
            return 0        # closed meanwhile: dropped, as Node's doSend does
        r = udp.send_one(<bytes>msg, ip, port, None if callback is None else (callback, ip, port))
        if callback is None:
            return 0
        if r >= 1:
            udp.loop.call_soon(callback, (None, r - 1))
        elif r < 0:
            err = errors.exception_with_host_port(r, 'send', ip, port)
            err.errno = r       # Node's dgram errno: libuv's code (dgram/_errors.py)
            udp.loop.call_soon(callback, (err,))
        return 0


cdef bint is_ip_of(str address, int family) except -1:
    """Whether ``address`` is an IP literal of ``family`` (4 or 6)."""
    cdef unsigned char raw[16]
    cdef const char* text = PyUnicode_AsUTF8(address)
    return uv.uv_inet_pton(uv.AF_INET if family == 4 else uv.AF_INET6, text, raw) == 0

