"""TLSSocket's 'session' and 'keylog' events (Python's ``ssl`` has no
new-session or key-log callback of its own).

'session' (client): Node emits it for each new resumable session OpenSSL
hands the client: under TLS 1.2 once, after 'secureConnect'; under TLS
1.3 once per NewSessionTicket, which arrives after the handshake, with
the first data.  OpenSSL's new-session callback (uv/tls/sessions.pyx)
queues each as DER on the connection's SSLObject, and the socket emits
them once the OpenSSL call returned (a listener must not run inside it).

'keylog': Node emits each NSS key log line (``CLIENT_RANDOM ...`` under
TLS 1.2, the ``*_TRAFFIC_SECRET_*`` lines under 1.3) as bytes ending in a
newline.  Python's ``ssl`` can only append them to a file
(``SSLContext.keylog_filename``), flushed line by line.  So one private
file per process (mode 0600 in a 0700 directory) takes the lines of every
context that logs, and a socket reads whatever is new right after each of
its own OpenSSL calls: the loop runs one connection's handshake at a time,
so those lines are that connection's.  The file is emptied after each
read and removed at exit.  Sockets that do not log only pay a check of
``KEYLOG.active``.
"""
import atexit
import os
import shutil
import tempfile
import weakref

from .. import _uv


class ServerSessions:
    """A tls.Server connection's external session cache (Node's
    'newSession' / 'resumeSession'), filled by OpenSSL's callbacks
    (uv/tls/sessions.pyx) and emptied by the socket: ``asked`` the
    session id the ClientHello offered (None before it came), ``waiting``
    while 'resumeSession' has not answered, ``answer`` its session data,
    ``new`` the (id, data) of the sessions OpenSSL made."""

    __slots__ = ('server', 'asked', 'waiting', 'answer', 'new')

    def __init__(self, server):
        self.server = server
        self.asked = None
        self.waiting = False
        self.answer = None
        self.new = []

    def ask(self, session_id):
        """Whether the handshake waits for 'resumeSession' to look up
        ``session_id`` (only when it is one and someone listens)."""
        self.asked = session_id
        self.waiting = bool(session_id) and self.server is not None and bool(
            self.server.listenerCount('resumeSession'))
        return self.waiting

    def take_answer(self):
        answer, self.answer = self.answer, None
        return answer


class KeyLog:
    """The process's key log file and the reading end of it."""

    _HEADER = b'#'      # Python writes a comment line when it opens the file

    def __init__(self):
        self.active = False
        self._folder = None
        self._path = None
        self._fd = None
        self._enabled = weakref.WeakSet()     # the SSLContexts that log

    def enable(self, ssl_context):
        """Make ``ssl_context`` (and so every connection on it) log its keys."""
        if ssl_context in self._enabled:
            return
        if self._fd is None:
            self._folder = tempfile.mkdtemp(prefix='pyuvnet-keylog-')    # 0700
            self._path = os.path.join(self._folder, 'keylog')
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            atexit.register(self.close)
        ssl_context.keylog_filename = self._path
        self._enabled.add(ssl_context)
        self.active = True

    def take_lines(self):
        """The lines written since the last call (each ending in b'\\n'),
        and the file emptied."""
        if self._fd is None:
            return []
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            chunk = os.read(self._fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        if not chunks:
            return []
        # Writers append (O_APPEND), so they go on at the new end, 0.
        os.ftruncate(self._fd, 0)
        text = b''.join(chunks)
        return [line + b'\n' for line in text.split(b'\n')
                if line and not line.startswith(self._HEADER)]

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            shutil.rmtree(self._folder, ignore_errors=True)


KEYLOG = KeyLog()
_uv._set_tls_kit(KEYLOG, ServerSessions)
