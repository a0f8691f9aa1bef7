"""TLSSocket's 'session' and 'keylog' events, over what Python's ``ssl``
exposes (it has no new-session or key-log callback of its own).

'session' (client): Node emits it when OpenSSL hands the client a new
resumable session: under TLS 1.2 once, after 'secureConnect'; under TLS
1.3 once per NewSessionTicket, which arrives after the handshake, with the
first data.  Python's ``SSLObject.session`` is OpenSSL's current session,
which each ticket replaces (its id is the ticket's digest), so a
``SessionWatch`` looks at it after the handshake and after each read while
someone listens, and reports a session it has not reported before.

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


class SessionWatch:
    """Reports each new resumable session of one client connection once."""

    __slots__ = ('_last_id', '_started')

    def __init__(self):
        self._last_id = None
        self._started = False

    def new_session(self, sslobj):
        """The ``ssl.SSLSession`` ``sslobj`` holds when not reported yet, else None."""
        session = sslobj.session
        if session is None:
            return None
        if not self._started:
            self._started = True
            if sslobj.session_reused:
                # As Node: the session resumed is not news; tickets after it are.
                self._last_id = session.id
                return None
        # Under TLS 1.3 the handshake's own session cannot be resumed: only
        # a ticket makes one.  Under 1.2 the handshake's session can be.
        if not session.has_ticket and (sslobj.version() == 'TLSv1.3' or not session.id):
            return None
        if session.id == self._last_id:
            return None
        self._last_id = session.id
        return session


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
