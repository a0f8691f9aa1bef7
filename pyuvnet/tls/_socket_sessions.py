"""TLSSocket's sessions, mixed into it: getSession() and 'session' (a client's
sessions as OpenSSL's DER, tls/_session_events.py), a tls.Server's external
session cache ('newSession', 'resumeSession'), renegotiate() and enableTrace().
The OpenSSL calls are in uv/tls/sessions.pyx, renegotiation.pyx and trace.pyx;
the pump (uv/tls/pump.pyx and its base, uv/tls/pump_data.pyx) calls the
underscored methods."""
import ssl
import time

from .. import _uv
from .._internal import validate as validate
from ..errors import NodeError
from ._context import tls_setting
from ._keys import ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, openssl_error
from ._socket_queries import require_sessions


def _ignore(err):
    pass


class ERR_TLS_SESSION_ATTACK(NodeError):
    """A client renegotiated more than tls.CLIENT_RENEG_LIMIT times within
    tls.CLIENT_RENEG_WINDOW seconds (Node's message)."""
    _template = 'TLS session renegotiation attack detected'


class SessionMethods:
    """Mixed into TLSSocket, whose ``_ssl`` (the ssl.SSLObject, None once
    destroyed), ``_session_watch`` and ``_renegotiation`` these use."""

    def getSession(self):
        """The connection's session as OpenSSL's DER (bytes), which this or
        another process resumes with ``connect(session=)``; None before the
        handshake and once destroyed.  Under TLS 1.3 the handshake's own
        session cannot be resumed: the server's tickets, after the
        handshake, make resumable ones ('session').  Raises
        ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where OpenSSL cannot be
        reached."""
        require_sessions('getSession')
        return _uv.tls_session_bytes(self._ssl) if self._ssl is not None else None

    def _emit_new_session(self):
        if self._is_server:
            self._announce_server_sessions(None)
            return
        # The sessions OpenSSL's new-session callback queued during the
        # last OpenSSL call (tls/sessions.pyx): one per TLS 1.3 ticket.
        queue = self._session_watch
        while queue and not self._destroyed:
            self.emit('session', queue.pop(0))

    # A tls.Server's external session cache (Node's 'newSession' and
    # 'resumeSession'; tls_session.ServerSessions holds the state).

    def _ask_resume_session(self):
        # The handshake stopped at the ClientHello's session id: the
        # server's 'resumeSession'(id, callback(err, data)) answers, now or
        # later; an error destroys the socket, no data means a full handshake.
        state = self._session_watch
        answered = []

        def callback(err=None, session_data=None):
            if answered or self._destroyed:
                return
            answered.append(True)
            state.waiting = False
            if err:
                self.destroy(err)
                return
            state.answer = bytes(session_data) if session_data else None
            self._continue_handshake()
        self.server.emit('resumeSession', state.asked, callback)

    def _hold_secure(self):
        """Emit 'newSession'(id, data, callback) for the sessions the
        handshake made: under TLS 1.2 the server's last flight and 'secure'
        wait for every callback (True: they wait), as Node's; under 1.3
        they follow 'secure'."""
        if not self._session_watch.new:
            return False
        if self._ssl.version() == 'TLSv1.3':
            _uv.nextTick(self._emit_new_session)
            return False
        held = []

        def done():
            if held and all(calls):
                held.clear()
                self._secure_now()
        calls = self._announce_server_sessions(done)
        if all(calls):
            return False        # answered at once, or nobody listens
        held.append(True)
        return True

    def _announce_server_sessions(self, done):
        """'newSession' for each session made; one list per listened
        callback, which gets True when it is called (and ``done`` runs,
        unless None)."""
        state = self._session_watch
        fresh, state.new = state.new, []
        calls = []
        for session_id, data in fresh:
            if self.server is None or self._destroyed:
                break
            called = []

            def callback(called=called):
                if not called:
                    called.append(True)
                    if done is not None:
                        done()
            if self.server.emit('newSession', session_id, data, callback):
                calls.append(called)
        return calls

    def _start_session_watch(self):
        # From the first 'session' listener on, as Node enables its
        # callback then: sessions before it are not reported.
        if self._ssl is not None and _uv.tls_sessions_available():
            self._session_watch = self._ssl._pyuvnet_new_sessions = []

    def renegotiate(self, options, callback=None):
        """Renegotiate the TLS 1.2 session (a client; pyuvnet's and Node's
        servers allow tls.CLIENT_RENEG_LIMIT of them within
        tls.CLIENT_RENEG_WINDOW seconds, other OpenSSL 3 servers refuse).  ``options``: ``rejectUnauthorized`` for the new
        handshake.  Returns True once started: 'secure' is emitted when it
        is done, then ``callback(None)``.  Under TLS 1.3 (which has no
        renegotiation) False, and ``callback`` gets OpenSSL's error on the
        next tick (ERR_SSL_WRONG_SSL_VERSION), as Node 20; None once
        destroyed.  Raises ERR_INVALID_ARG_TYPE for ``options`` not a dict
        or ``callback`` not callable, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM
        where OpenSSL cannot be reached."""
        validate.validate_object(options, 'options')
        if callback is not None:
            validate.validate_function(callback, 'callback')
        if self._destroyed or self._ssl is None:
            return None
        require_sessions('renegotiate')
        if 'rejectUnauthorized' in options:
            self._reject_unauthorized = bool(options['rejectUnauthorized'])
        failure = _uv.tls_renegotiate(self._ssl)
        if failure is not None:
            reason, message = failure
            if callback is not None:
                _uv.nextTick(callback, openssl_error('SSL', reason.upper().replace(' ', '_'),
                                                     message))
            return False
        self._renegotiation = callback or _ignore
        # OpenSSL takes no data to send while the new handshake runs: the
        # writes wait, corked, for its end.
        self.cork()
        try:
            self._ssl.do_handshake()        # the new ClientHello
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as exc:
            self._renegotiation = None
            self._tls_failure(exc)
            return False
        self._flush_out()
        return True

    # A server's handshakes, as Node counts them: the start of the last
    # one (monotonic seconds), the renegotiations in the current window,
    # whether the first handshake is done.
    _last_handshake = None
    _renegotiations = 0
    _first_handshake_done = False

    def _handshake_info(self, started):
        # Called from inside OpenSSL (tls/renegotiation.pyx) at each handshake's
        # start and end on a server connection: only records, in the list
        # the pump hands to _renegotiation_progress after the read.  The
        # limit and window are read now, as Node reads them.
        if not started:
            if self._first_handshake_done:
                self._server_renegotiation().append('secure')
            self._first_handshake_done = True
            return
        now = time.monotonic()
        last, self._last_handshake = self._last_handshake, now
        if last is None:
            return
        if now - last >= tls_setting('CLIENT_RENEG_WINDOW'):
            self._renegotiations = 1
        else:
            self._renegotiations += 1
        if self._renegotiations > tls_setting('CLIENT_RENEG_LIMIT'):
            self._server_renegotiation().append('attack')

    def _server_renegotiation(self):
        if self._renegotiation is None:
            self._renegotiation = []
        return self._renegotiation

    def _server_renegotiation_progress(self):
        # As Node: each renegotiation done is a 'secure'; one over the
        # limit an 'error' (ERR_TLS_SESSION_ATTACK) for the listeners the
        # socket has, which decide (Node's own listener swallows it).
        events, self._renegotiation = self._renegotiation, None
        for event in events:
            if self._destroyed:
                return
            if event == 'secure':
                self.emit('secure')
            elif self.listenerCount('error'):
                self.emit('error', ERR_TLS_SESSION_ATTACK())

    def _renegotiation_progress(self):
        # After each read while renegotiating: done once OpenSSL no longer
        # has it pending; the peer is judged again, as after a handshake.
        if self._renegotiation.__class__ is list:
            self._server_renegotiation_progress()
            return
        if self._ssl is None or _uv.tls_renegotiate_pending(self._ssl):
            return
        callback, self._renegotiation = self._renegotiation, None
        self._authorized = False
        self._authorization_error = None
        self._peer_cert = None
        error = self._verify_peer(self._ssl)
        if error is not None and self._reject_unauthorized:
            self.destroy(error)
            return
        self.uncork()
        self.emit('secure')
        callback(None)

    def enableTrace(self):
        """Print every TLS message of this connection to stderr from now
        on, in OpenSSL's words (SSL_trace, as Node's).  None once
        destroyed.  Raises ERR_FEATURE_UNAVAILABLE_ON_PLATFORM where
        OpenSSL cannot be reached or was built without SSL_trace."""
        require_sessions('enableTrace')
        if not _uv.tls_trace_available():
            raise ERR_FEATURE_UNAVAILABLE_ON_PLATFORM('enableTrace (an OpenSSL without SSL_trace)')
        if self._ssl is not None:
            _uv.tls_enable_trace(self._ssl)
