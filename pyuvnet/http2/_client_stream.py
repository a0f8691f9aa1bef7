"""ClientHttp2Stream: a request's stream on the client (Http2Stream is in
_stream.py): its response head, 1xx heads, trailers and pushes."""
from .._internal.http2.constants import CONSTANTS
from ._stream import Http2Stream

__all__ = ['ClientHttp2Stream']


class ClientHttp2Stream(Http2Stream):
    """Node's ``ClientHttp2Stream``: a request's stream on the client;
    'response'(headers, flags, rawHeaders), 'headers' (1xx), 'trailers',
    'ready' once it has its id; a pushed stream's head is 'push' instead
    of 'response'."""

    def _on_headers(self, headers, flags, raw):
        status = headers.get(':status')
        if status is not None and 100 <= status < 200:
            if status == 100:
                self.emit('continue')     # as Node's: before 'headers'
            self.emit('headers', headers, flags, raw)
        elif status is not None and not self._got_response:
            self._got_response = True
            self.endAfterHeaders = bool(flags & CONSTANTS['NGHTTP2_FLAG_END_STREAM'])
            if status == 421 and not self._pushed:
                # As Node's: a Misdirected Request takes the request's
                # origin off the session's originSet.
                sent = self.sentHeaders or {}
                self.session._origin_set.discard('%s://%s' % (sent.get(':scheme'),
                                                              sent.get(':authority')))
            self.emit('push' if self._pushed else 'response', headers, flags, raw)
        else:
            self._on_trailers(headers, flags, raw)

    _got_response = False
    _end_with_head = False      # request(): endStream, HEADERS carry END_STREAM
    _pushed = False     # a server's push (Http2Session._h2_push_promise): its head is 'push'
