"""Http2Stream, one HTTP/2 stream as a stream.Duplex (its server and client
kinds are _server_stream.py's and _client_stream.py's). What is written goes to the session's nghttp2 queue (the
write's callback runs once nghttp2 framed it, so a closed flow-control window
holds write() at False until 'drain'); what is read opens the stream's
window only as the reader takes it."""
from .. import _uv
from .._internal.aliases import twins
from .._internal.timer_duration import set_idle_timeout, unref_timer
from .._uv import H2AfterEnd, nextTick
from ..errors import AbortError
from ..events import EventEmitter
from ..stream import Duplex
from .._internal.http2.constants import CONSTANTS
from .._internal.http2.errors import (ERR_HTTP2_ERROR, ERR_HTTP2_INVALID_STREAM, ERR_HTTP2_STREAM_ERROR,
                                      ERR_HTTP2_TRAILERS_ALREADY_SENT, ERR_HTTP2_TRAILERS_NOT_READY,
                                      error_code_name)
from .._internal.http2.headers import TRAILER_PSEUDO, headers_arg, to_block
from ._request_options import check_priority_options

__all__ = ['Http2Stream']

NO_ERROR = CONSTANTS['NGHTTP2_NO_ERROR']
CANCEL = CONSTANTS['NGHTTP2_CANCEL']
INTERNAL_ERROR = CONSTANTS['NGHTTP2_INTERNAL_ERROR']
# A stream's Duplex options, as Node's: destroyed by the session, not at
# end; the session's streams copy the states they make. Node 20's read
# buffer (16 KiB): past it no _read() reads ahead, so a paused reader holds
# one window of DATA (_reading).
_STREAM_STATES = Duplex._states_template({'autoDestroy': False, 'allowHalfOpen': True,
                                          'readableHighWaterMark': 16384})


@twins('setTimeout', 'sendTrailers', 'bufferSize',
       fields=('rstCode', 'sentHeaders', 'sentTrailers', 'sentInfoHeaders', 'headersSent', 'endAfterHeaders'))
class Http2Stream(Duplex):
    """Node's ``Http2Stream``: a Duplex whose writes are the stream's DATA
    and whose reads are the peer's. ``id``, ``session``, ``rstCode`` (set
    once closed), ``sentHeaders``, ``sentTrailers``, ``sentInfoHeaders``,
    ``closed``, ``pending``, ``state``; ``close(code)``, ``setTimeout()``,
    ``sendTrailers()``. Events: 'close', 'aborted', 'error', 'trailers',
    'wantTrailers', 'timeout', and Duplex's."""

    def __init__(self, session, stream_id, options=None):
        if options:
            super().__init__(dict(options, autoDestroy=False, allowHalfOpen=True))
        else:
            # The session's own streams: Duplex's options, known valid, set
            # up without being read again (once per stream).
            self._init_duplex_as(_STREAM_STATES)
        self.session = session
        self.id = stream_id
        # Node's fields (instance attributes: the public-names table lists
        # a class's camelCase names with their snake_case twins).
        self.rstCode = None
        self.sentHeaders = None
        self.sentTrailers = None
        self.sentInfoHeaders = None
        self.headersSent = False
        self.endAfterHeaders = False      # the peer's head came with END_STREAM
        self.aborted = False
        # The private fields a request sets, set here so that every stream
        # adds its attributes in one order (CPython's inline values).
        self._request_headers = None    # a server's request head (_push.py)
        self._ng_closed = False         # nghttp2 closed the stream (or it never opened)
        # The peer closed the stream cleanly while its body was unread: as in
        # Node, the stream looks open until its 'end', and an answer given then
        # goes nowhere instead of raising.
        self._closed_unread = False
        self._wait_for_trailers = False
        self._finish_heard = False      # a server's _close_unread_request listens to 'finish'
        # (Read on every write, at the end and at the close: instance
        # attributes, which CPython 3.11 reads at once, where a class
        # default is looked up.)
        self._timer = None      # setTimeout()'s, refreshed by this stream's reads and writes
        self._closing = False   # close() is ending the writable side

    # The other private fields start as these (class defaults: most
    # streams keep them; __init__ sets those a request sets).
    _trailers_ready = False
    _unconsumed = 0             # DATA bytes read, not yet given back to the window
    # As Node's readStart()/readStop(): the DATA is given back to the
    # stream's window as it comes from a _read() until a push() finds the
    # reader full; held from then (and before the first _read()) while
    # the reader is not in flow.
    _reading = False

    @property
    def closed(self):
        """As Node's: True once close() was called or the stream was closed
        (by the peer, nghttp2, or destroy())."""
        return self.rstCode is not None or self._ng_closed or self.destroyed

    @property
    def pending(self):
        """True until the stream has its id."""
        return self.id is None

    @property
    def bufferSize(self):
        """Node's: the bytes write() took and did not call back yet
        (writableLength) plus those of the write handed to the session
        and not called back (Node's writeQueueSize), so that write counts
        twice, as in Node; a write waiting for the stream's id is not
        handed yet."""
        w = self._writableState
        return w.length if self.id is None else w.length + w.writelen

    @property
    def state(self):
        """Node's stream.state, from nghttp2: ``state`` (its RFC state, 1
        idle to 7 closed), ``weight``, ``sumDependencyWeight``,
        ``localClose``, ``remoteClose``, ``localWindowSize``; {} once
        destroyed (or not yet opened)."""
        core = self.session._core
        if core is None or self.id is None or self.destroyed:
            return {}
        return core.stream_state(self.id)

    def setTimeout(self, msecs, callback=None):
        """'timeout' after ``msecs`` ms without this stream's reads or
        writes, as Node's (0: none, and ``callback`` comes off 'timeout');
        the stream is not closed, that is the listener's call. Nothing once
        the stream closed."""
        if self.destroyed:
            return self
        return set_idle_timeout(self, msecs, callback, self._arm_timer)

    def _arm_timer(self, msecs):
        if self._timer is not None:
            self._timer.close()
        self._timer = unref_timer(self._on_timeout, msecs)

    def _on_timeout(self):
        if not self.destroyed:
            self.emit('timeout')

    def _stop_timer(self):
        # As Node's closeStream(): a closed stream's timer and its 'timeout'
        # listeners go.
        self._timer.close()
        self._timer = None
        self.removeAllListeners('timeout')

    def close(self, code=NO_ERROR, callback=None):
        """Closes the stream with RST_STREAM ``code``; ``callback`` on
        'close'. As Node's, a code other than NO_ERROR and CANCEL is this
        stream's 'error' too (ERR_HTTP2_STREAM_ERROR) once nghttp2 closed it."""
        if not isinstance(code, (int, float)) or isinstance(code, bool):
            # As Node's validateInteger(): a type first, then a range.
            from ..errors import ERR_INVALID_ARG_TYPE
            raise ERR_INVALID_ARG_TYPE('code', 'number', code)
        if isinstance(code, float) or not 0 <= code <= 2 ** 32 - 1:
            from ..errors import ERR_OUT_OF_RANGE
            raise ERR_OUT_OF_RANGE('code', 'an integer' if isinstance(code, float) and
                                   not code.is_integer() else '>= 0 && <= 4294967295', code)
        if callback is not None and not callable(callback):
            from ..errors import ERR_INVALID_ARG_TYPE
            raise ERR_INVALID_ARG_TYPE('callback', 'function', callback)
        if callback is not None:
            self.once('close', callback)
        if self._ng_closed or self.rstCode is not None:
            return
        self.rstCode = code
        if self._timer is not None:
            self._stop_timer()
        if self.session._core is None:
            self._ng_closed = True
            self.destroy()
            return
        if self.id is None:
            # As Node's: a request not sent yet ends its readable side now
            # and is reset once it has its id.
            self._end_aborted()
            self.push(None)
            self.once('ready', lambda: self._reset_after_pending(code))
            return
        w = self._writableState
        ending = w.ending
        self._closing = True
        try:
            self._end_aborted()
        finally:
            self._closing = False
        if ending and code == NO_ERROR and not w.finished:
            # As Node's closeStream(): an end() given before, the writes it
            # waits on (past the peer's window, say) leave first.
            EventEmitter.once(self, 'finish', lambda: self._reset_after_pending(code))
            return
        # As Node's: what the stream has pending leaves before its
        # RST_STREAM (nghttp2 would send the RST_STREAM first), once
        # nghttp2 may send (not inside one of its callbacks). Destroyed when
        # nghttp2 reports the stream closed (_on_close).
        nextTick(self._reset_after_pending, code)

    def _reset_after_pending(self, code):
        if self._ng_closed or self.session._core is None:
            return
        self.session._flush()
        if not self._ng_closed:
            self.session._reset_stream(self.id, code)

    def priority(self, options):
        """Node's priority(): ``options`` (weight 16, parent 0, exclusive,
        silent) checked as Node 20 checks them; unless ``silent``, a
        PRIORITY frame (RFC 7540's scheme, which RFC 9113 deprecates: the
        peer may ignore it, as nghttp2 1.70 does) once the stream has its id."""
        from ..errors import ERR_INVALID_ARG_TYPE
        if self.destroyed or self._ng_closed:
            raise ERR_HTTP2_INVALID_STREAM()
        if not isinstance(options, dict):
            raise ERR_INVALID_ARG_TYPE('options', 'object', options)
        check_priority_options(options)
        if not options.get('silent'):
            weight = options.get('weight')
            self._send_priority(int(options.get('parent') or 0),
                                16 if weight is None else int(weight), bool(options.get('exclusive')))

    def _send_priority(self, parent, weight, exclusive):
        if self.id is None:
            self.once('ready', lambda: self._send_priority(parent, weight, exclusive))
            return
        if parent == self.id:
            raise ERR_HTTP2_ERROR('Invalid argument')   # nghttp2 1.61's answer, in Node 20
        # nghttp2's bounds: a weight is 1 to 256.
        self.session._submit_extra(_uv.h2_priority, self.id, parent, min(max(weight, 1), 256),
                                   exclusive)

    def sendTrailers(self, headers):
        """The trailing headers, once 'wantTrailers' was emitted."""
        if self.destroyed or self._ng_closed:
            raise ERR_HTTP2_INVALID_STREAM()
        if self.sentTrailers is not None:
            raise ERR_HTTP2_TRAILERS_ALREADY_SENT()
        if not self._trailers_ready:
            raise ERR_HTTP2_TRAILERS_NOT_READY()
        headers = headers_arg(headers)
        block = to_block(headers, TRAILER_PSEUDO)
        self.sentTrailers = headers
        self.session._submit('submit_trailers', self.id, block)

    # -- Duplex's hooks --------------------------------------------------------

    def _write(self, chunk, encoding, callback):
        if self.id is None:      # a request not opened yet
            self.once('ready', lambda: self._write(chunk, encoding, callback))
            return
        if not self.headersSent:
            self._before_data()
        if self._timer is not None:
            self._timer.refresh()
        session = self.session
        # (Writable gives bytes; bytes() of bytes looks up and calls __bytes__.)
        if not session._core.write(self.id, chunk if type(chunk) is bytes else bytes(chunk),
                                   callback):
            # As Node's: a write to a stream the peer closed cleanly (its
            # body unread) goes nowhere and never completes (no 'finish').
            if not self._closed_unread:
                callback(ERR_HTTP2_INVALID_STREAM())
            return
        session._last_writes.append(self)
        if not session._flush_scheduled:
            session._schedule_flush()

    def _writev(self, chunks, callback):
        # As Node's: writes buffered together (a cork(), say) leave as one.
        self._write(b''.join([entry['chunk'] for entry in chunks]), None, callback)

    def _final(self, callback):
        if self.id is None:
            self.once('ready', lambda: self._final(callback))
            return
        if self.rstCode is not None and not self._closing:
            # As Node's: an end that waited on writes past close() sends no
            # END_STREAM; the RST_STREAM goes first.
            callback()
            return
        if not self.headersSent:
            self._before_data()
        core = self.session._core
        if self._wait_for_trailers and core is not None and not core.queued(self.id):
            # As Node's: with no DATA left to send, the end is done at once
            # ('finish' queued), and 'wantTrailers' comes after it, as the
            # stream's last DATA frame leaves.
            if core.end_data(self.id, None, True):
                self.session._schedule_flush()
            callback()
            return
        if core is None or not core.end_data(self.id, callback, self._wait_for_trailers):
            callback()      # the head was sent with END_STREAM: nothing to end
            return
        self.session._schedule_flush()

    def _read(self, size):
        # The reader wants more: give what it took back to the window.
        self._reading = True
        if self._unconsumed and self.session._core is not None:
            self.session._core.consume(self.id, self._unconsumed)
            self._unconsumed = 0
            self.session._schedule_flush()

    def _destroy(self, error, callback):
        if not self._ng_closed:
            code = self.rstCode
            if code is None:
                # As Node's closeStream() from _destroy(): a stream
                # destroyed while its writable side was open is 'aborted',
                # and that side ends (a later write is write after end).
                if not self._writableState.ending:
                    if not self.aborted:
                        self.aborted = True
                        self.emit('aborted')
                    self.end()
                # As Node's: the session's GOAWAY or destroy code first; an
                # abort (a request's signal) is CANCEL.
                session = self.session
                code = session._goaway_code or session._destroy_code or (
                    NO_ERROR if error is None else CANCEL if isinstance(error, AbortError)
                    else INTERNAL_ERROR)
                if error is None and code != NO_ERROR and code != CANCEL:
                    # As Node's: a session's code is the stream's error
                    # (destroy(None, PROTOCOL_ERROR), say).
                    error = ERR_HTTP2_STREAM_ERROR(error_code_name(code))
            self.rstCode = code
            if self.id is not None:
                self._reset(code)
        if self._timer is not None:
            self._stop_timer()
        # The request's head, kept for pushStream(), goes: a request an
        # app holds after its end costs the stream alone.
        self._request_headers = None
        if self._finish_heard:
            # Destroyed, it will not finish: off its 'finish', this stream's
            # own method, it is freed at close, not by the gc.
            self._finish_heard = False
            self.removeListener('finish', self._close_unread_request)
        # Out of the session's streams (once per stream: inline).
        session = self.session
        streams = session._streams
        if streams.get(self.id) is self:
            del streams[self.id]
        if session.closed:     # (_maybe_destroy's first test: a call less per stream)
            session._maybe_destroy()
        callback(error)

    def _reset(self, code):
        self._ng_closed = True
        # (A session being destroyed resets all but its newest stream:
        # Http2Session.destroy().)
        session = self.session
        if self.id is not None and (not session.destroyed or session._unreset is not self):
            # As Node's: the frames already queued leave before the
            # RST_STREAM. Inside nghttp2's callbacks it may not send: the
            # RST_STREAM then waits for the flush that follows the read,
            # but a session destroyed there queues it now, ahead of the
            # GOAWAY that ends it. (Once nghttp2 was terminated, what it
            # has queued is that GOAWAY: the reset goes ahead of it.)
            if not session._receiving:
                if session._core is None or not session._core.terminated:
                    session._flush()
            elif not session.destroyed:
                nextTick(session._reset_stream, self.id, code)
                return
            session._reset_stream(self.id, code)

    def _before_data(self):
        """A server's write before respond() responds with :status 200."""

    # -- the session's calls -------------------------------------------------

    def _on_data(self, data):
        self.session._touch()
        if self._timer is not None:
            self._timer.refresh()
        # (A reader in flow reads: its 'stream' listener ran at once, where
        # Node's runs after the read, and resume() waits a tick for _read().)
        if self._reading or self._readableState.flowing:
            self.session._core.consume(self.id, len(data))
            if not self.push(data):
                self._reading = False
        else:
            self._unconsumed += len(data)
            self.push(data)

    def _on_end(self):
        # (Not for a request's head with END_STREAM: the core pushes that
        # end where it makes the stream, uv/http2/server_streams.pyx.)
        self.push(None)

    def _on_headers(self, headers, flags, raw):
        # A server stream's second header block is the request's trailers.
        self._on_trailers(headers, flags, raw)

    def _on_trailers(self, headers, flags, raw):
        self.emit('trailers', headers, flags, raw)

    def _on_want_trailers(self):
        w = self._writableState
        if w.prefinished and not w.finished:
            # The end was done at once (_final()): as Node's, 'finish' comes
            # first, its tick already queued.
            nextTick(self._on_want_trailers)
            return
        self._trailers_ready = True
        if not self.emit('wantTrailers'):
            # As Node's: with no listener, the stream ends with no trailers.
            self.sendTrailers({})

    def _on_connection_lost(self):
        # As Node: the open streams close with CANCEL; a stream's readable
        # side ends ('end' once read, then 'close').
        if not self._readableState.ended:
            self.push(None)
        self.close(CANCEL)

    def _on_close(self, code):
        """nghttp2 closed the stream with ``code`` (0 after a clean end)."""
        self._ng_closed = True
        if self._timer is not None:
            self._stop_timer()
        if self.rstCode is None:
            self.rstCode = code
        # (The properties destroyed, readableEnded and readable, read from
        # the states: this runs once per stream.)
        r = self._readableState
        if r.destroyed and self._writableState.destroyed:
            return
        code = self.rstCode
        if code != NO_ERROR:
            # As Node: a reset while this side was still writing aborts
            # and ends it ('aborted', 'finish').
            self._end_aborted()
            if code == CANCEL:
                if r.flowing and not r.ended and not r.length:
                    # As Node's: a reader in flow gets its 'end' first.
                    self.push(None)
                    EventEmitter.once(self, 'end', H2AfterEnd(self))
                    return
                self.destroy()
                return
            self.destroy(ERR_HTTP2_STREAM_ERROR(error_code_name(code)))
            return
        if r.endEmitted or not r.readable or r.destroyed or r.errorEmitted or r.errored:
            # Errored (a write after end, say): Node's close comes after its
            # 'error' (it sends on a later turn) and finds it unreadable.
            self._end_aborted()
            nextTick(self.destroy)
            return
        if r.ended:
            # The peer's END_STREAM came before the close, in the same read.
            # Node has run the 'end' listeners between those two frames, so
            # what they do (answer, say) comes before the close: it looks
            # open until then.
            self._closed_unread = True
        else:
            # A RST_STREAM NO_ERROR with the readable side open: as Node's,
            # the writable side is aborted first, then the close ends the
            # readable side.
            self._end_aborted()
            self.push(None)
        # Destroyed once read (H2AfterEnd: the writable side ended if it was
        # open, destroy() a tick later). As Node's onStreamClose(): a
        # server's request nobody reads is dumped; a client's response
        # waits for its reader.
        EventEmitter.once(self, 'end', H2AfterEnd(self))
        if r.flowing is None and self.session.type == 0:
            self.resume()
        else:
            # As Node's: a paused reader with nothing left unread still
            # gets its 'end' (and the stream its destroy).
            self.read(0)

    def _end_aborted(self):
        # As Node's closeStream(): a stream closed cleanly while its
        # writable side was open is 'aborted', and that side ends ('finish').
        if not self._writableState.ending:      # writableEnded
            if not self.aborted:
                self.aborted = True
                self.emit('aborted')
            self.end()
