"""One HTTP/2 request as an ASGI ``http`` scope, with no Http2Stream: the
server's sessions hand their requests to request_sink_for()'s sink, and
each request's cycle, which is its stream too (uv/asgi/h2_cycle.pyx's
H2Cycle, in C), is made and closed straight from the session's nghttp2
callbacks, and writes its answer straight to the core (the Duplex, its states, listeners and
teardown ticks, then the Python cycle and the session's calls per stream
event, were most of a request's cost, issue 60). What is here is the
Python of the rare paths, which the C cycle calls: Helpers.

The messages' rules are the one ASGI cycle's of both protocols
(pyuvnet/uv/asgi/cycle.pyx, uvicorn 0.54's); what HTTP/2 adds is done
as uvicorn's zttp_h2_impl.py and hypercorn do:

- the scope's ``http_version`` is '2', its headers the request's regular
  ones (lower-case, as HTTP/2 sends them) with ``:authority`` first as
  ``host`` when no ``host`` came;
- the body flows as the app asks: up to 64 KiB wait unread with the
  stream's flow-control window given back, then the window stays shut
  until the app takes them, so a slow app holds the client back rather
  than filling memory;
- send() of a streamed body waits while 16 KiB or more of it wait to be
  framed (a Duplex's write() said False there), until all of it has been
  (a client that does not read holds the app there);
- a stream reset by the client (RST_STREAM) or whose connection went is
  ``http.disconnect`` at once; send() after it does nothing;
- ``http.response.trailers`` (the extension is offered in the scope's
  ``extensions``) go out as HTTP/2 trailers once the body has, and
  complete the response;
- ``http.response.push`` (offered too) promises a GET of its ``path``
  with its ``headers`` (and this request's ``:authority`` and scheme), and
  the app is run on the pushed request as on any other, its response the
  pushed stream's, as hypercorn does; a client that disabled push, or a
  stream gone, makes the message do nothing (the ASGI spec's "if the
  server can");
- an app that fails before it starts the response gets a 500; after (or
  when it returns a value, or without completing its answer), the stream
  is reset (INTERNAL_ERROR) once what it sent has left.

Ownership: the session holds a cycle in its ``_streams`` while nghttp2
holds the stream id; the cycle leaves them once the stream closed (or the
connection went), and the app's run holds it until the app returns.
"""
from urllib.parse import quote

from pyuvnet import _uv
from pyuvnet._internal.app_http2 import (RESPONSE_PSEUDO, TRAILER_PSEUDO, ERR_HTTP2_ERROR,
                                         ERR_HTTP2_INVALID_SESSION, headers_object, log_access,
                                         pairs_block, response_block, status_error, to_block,
                                         utc_date)

__all__ = ['request_sink_for', 'Helpers']


def request_sink_for(server):
    """The ASGI server's request sink (its sessions' cores hand it their
    requests: ``sink.serve(session)``), the server's config read once."""
    return _uv.H2Sink(server, Helpers, pairs_block)


class Helpers:
    """What the C cycle (uv/asgi/h2_cycle.pyx) calls on its rare paths:
    header blocks made and checked as Http2Stream's respond() makes them,
    access lines, errors."""

    @staticmethod
    def extra_block(defaults):
        """The server's default headers' block entries, for pairs_block()
        (None: names it cannot take, for to_block() to judge at each
        response)."""
        named = {}
        for name, value in defaults:
            named.setdefault(name.lower(), value)
        try:
            return to_block(named, RESPONSE_PSEUDO)
        except Exception:
            return None

    @staticmethod
    def response_block(status, pairs, defaults, date):
        """The head's block the longer way: pairs pairs_block() cannot take."""
        return response_block(status, pairs, defaults, date)

    @staticmethod
    def error_block(status=500):
        """The head of the 500 an app that failed before its start gets (or
        of --limit-concurrency's 503)."""
        return to_block({'content-type': 'text/plain; charset=utf-8', 'date': utc_date(),
                         ':status': status}, RESPONSE_PSEUDO)

    @staticmethod
    def trailers_block(pairs):
        return to_block(headers_object(pairs), TRAILER_PSEUDO)

    @staticmethod
    def push_block(path, pairs, scheme, authority):
        """A pushed GET's request block: the app's headers, its ``path``,
        and this request's scheme and ``:authority``."""
        headers = headers_object(pairs)
        headers.update({':method': 'GET', ':path': path, ':scheme': scheme})
        if headers.get(':authority') is None and headers.get('host') is None:
            headers[':authority'] = authority
        return to_block(headers)

    @staticmethod
    def log(scope, status):
        path = quote(scope['path'])
        if scope['query_string']:
            path += '?' + scope['query_string'].decode('ascii', 'replace')
        log_access(scope['client'], scope['method'], path, status)

    @staticmethod
    def status_error(status):
        """A response head's status outside 200-599: Node's error."""
        return status_error(status)

    @staticmethod
    def invalid_session():
        return ERR_HTTP2_INVALID_SESSION()

    @staticmethod
    def http2_error(error):
        """The session's error of a core's H2LibraryError."""
        return ERR_HTTP2_ERROR(str(error))

    @staticmethod
    def forwarded(trust, pairs, client, scheme):
        """(client, scheme) after uvicorn's proxy headers, from a peer
        ``trust`` believes."""
        found = {name: value.decode('latin-1') for name, value in pairs
                 if name in (b'x-forwarded-proto', b'x-forwarded-for')}
        if not found:
            return client, scheme       # (nothing for a trusted peer to change)
        new_client, new_scheme = trust.forwarded(client[0] if client else None,
                                                 found.get(b'x-forwarded-proto'),
                                                 found.get(b'x-forwarded-for'))
        if new_scheme in ('http', 'https'):
            scheme = new_scheme
        return new_client or client, scheme
