# ASGI over HTTP/2 in C: the protocol's side of a request's ASGICycle
# (uv/asgi/cycle.pyx).  Each request stream of an ASGI server's session is
# made and closed straight from the session's nghttp2 callbacks
# (uv/http2/callbacks.pyx: H2Core.sink, an H2RequestSink), its answer
# submitted straight to the core, and its app run on the handler's spare
# Task as an HTTP/1.1 request's is (uv/asgi/app_run.pyx).  A hello runs no
# Python frame of pyuvnet's own (each was some 1-3k instructions of a
# request's, issue 60), and makes one object of pyuvnet's: its H2Cycle,
# which is its stream too (ASGICycle's base is uv/http2/
# request_stream.pyx's H2RequestStream).
#
#   H2Sink       the server's config, read once (pyuvnet/asgi/_http2.py
#                makes it, and gives it the Python helpers of rare paths)
#   H2Requests   one session's: its requests made into cycles (the
#                session's sink, uv/http2/request_stream.pyx's base)
#   H2Cycle      one request stream and its cycle's HTTP/2 side: the body
#                as it came, the head, DATA, trailers and push submitted,
#                the 500 and the reset
#
# What the ASGI spec leaves open is done as pyuvnet/asgi/_http2.py's
# docstring lists.  Ownership: the session's ``_streams`` holds a cycle
# while nghttp2 holds its stream id; the cycle leaves it once the stream
# closed (or the connection went), and the app's run holds the cycle
# until the app returns.
# The session-level events (SETTINGS, PING, GOAWAY, limits, timeouts,
# close) stay the Python session's, which calls the stream's ``_on_*``,
# destroy() and close() as it calls an Http2Stream's.

cdef int H2_HIGH_WATER = 65536          # request body bytes let wait unread
cdef int32_t H2_ENABLE_PUSH = 2         # SETTINGS_ENABLE_PUSH


@cython.final
cdef class H2Sink:
    """An ASGI server's HTTP/2 requests' sink: what each cycle reads of the
    server (its handler, proxy trust, default response headers, root path,
    scheme; whether access lines are made: uvicorn's rule, taken at the
    first request, once logging is set up), and ``helpers``, the Python
    of the rare paths (pyuvnet/asgi/_http2.py's Helpers)."""

    cdef object server, helpers, trust, defaults, extra, root, scheme, versions
    cdef object pairs_block     # (pairs, status, extra, date) -> a head's block, or None
    cdef ASGIHandler handler
    cdef bint date
    cdef object logs            # None until the first request
    # The last head's block, the pairs, status and date it was made of,
    # and their Content-Length as a cycle counts it (when ``last_counted``).
    cdef list last_block
    cdef tuple last_pairs
    cdef object last_status, last_date
    cdef Py_ssize_t last_length
    cdef bint last_counted

    def __init__(self, server, helpers, pairs_block):
        config = server.config
        self.server = server
        self.helpers = helpers
        self.pairs_block = pairs_block
        self.handler = server._asgi
        self.versions = server._asgi_versions
        self.trust = config.trusted_proxies()
        self.defaults = tuple(config.response_headers())
        self.extra = helpers.extra_block(self.defaults)
        self.root = config.root_path.rstrip('/')
        self.scheme = server._scheme
        self.date = config.date_header

    cdef list head_block(self, pairs, status):
        """A response head's block of an app's header pairs (pairs_block()'s,
        or None for the longer way): the last one again when the pairs,
        status and date are the last's (an app's headers mostly repeat)."""
        date = h2_date() if self.date else None
        if (self.last_block is not None and date is self.last_date
                and status == self.last_status and h2_same_pairs(pairs, self.last_pairs)):
            return self.last_block
        if self.extra is None:
            return None
        block = self.pairs_block(pairs, status, self.extra, date)
        if block is not None and (type(pairs) is list or type(pairs) is tuple):
            self.last_block = block
            self.last_pairs = tuple(pairs)
            self.last_status = status
            self.last_date = date
            length = content_length(pairs)
            self.last_counted = length is not None
            if self.last_counted:
                self.last_length = counted_length(length)
        return block

    def serve(self, session):
        """``session``'s core hands its requests to this sink (made into
        cycles, each kept in the session's ``_streams`` as its stream)."""
        cdef H2Requests requests = H2Requests.__new__(H2Requests)
        requests.sink = self
        client, local = asgi_kit['connection_ends'](session._socket, self.server)
        requests.client = client
        # The scope's keys in the order of asgiref's spec; the Nones are
        # set per request (a copy of a dict is cheaper than a new one),
        # the method and target only when they differ from the last
        # request's.  A compact table (str_keyed(), not a literal: a held
        # request's scope is 464 bytes, not 632, issue 70).
        requests.template = str_keyed((
            ('type', 'http'), ('asgi', self.versions), ('http_version', '2'),
            ('server', local), ('client', client), ('scheme', self.scheme), ('method', None),
            ('root_path', self.root), ('path', None), ('raw_path', None),
            ('query_string', None), ('headers', None), ('state', None), ('extensions', None)))
        (<H2Core>session._core).request_bytes = True    # (the scope takes the fields as bytes)
        requests.attach(session)


@cython.final
cdef class H2Requests(H2SessionRequests):
    """One session's side of the sink (its core's ``sink`` until closed)."""

    cdef H2Sink sink
    cdef object client          # the scope's, before any X-Forwarded-For
    cdef dict template          # a scope's per-session part
    # The last request's target, method and authority (the template
    # holds its method, path, raw_path and query_string), and its header
    # pairs by position: the next request's where equal.  (Bytes, str
    # and tuples, which an app cannot change: a flood of held requests,
    # or a client's repeated ones, keep one of each, issue 70.)
    cdef str last_target, last_method, last_authority
    cdef list kept_pairs

    cdef int on_request(self, int32_t stream_id, list fields, bint ended) except -1:
        # A request's head came: its stream, held, and its app run.
        h2_run(h2_cycle_new(self, stream_id, fields, ended))
        return 0

    cdef int set_target(self, str target) except -1:
        """The template's path, raw_path and query_string, of a request
        target (the root path before the path), set when it is not the
        last request's."""
        if target is self.last_target or target == self.last_target:
            return 0
        cdef H2Sink sink = self.sink
        cdef str path
        if '?' in target or not target or target[0] != u'/':
            raw_path, query = asgi_kit['split_target'](target)
            path = raw_path.decode('latin-1')
        else:
            raw_path, query, path = target.encode('latin-1'), b'', target
        if '%' in path:
            path = asgi_kit['unquote'](path)
        cdef dict template = self.template
        template['path'] = sink.root + path if sink.root else path
        template['raw_path'] = raw_path
        template['query_string'] = query
        self.last_target = target
        return 0

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef int share_pairs(self, list pairs) except -1:
        """Each of a request's header pairs that equals the last request's
        at its position becomes that one (h2_request_head()'s pairs:
        tuples of two bytes)."""
        cdef list kept = self.kept_pairs
        cdef Py_ssize_t i, n = len(pairs)
        cdef tuple pair, old
        if kept is None:
            kept = self.kept_pairs = []
        for i in range(n):
            pair = <tuple>pairs[i]
            if i < len(kept):
                old = <tuple>kept[i]
                if (same_bytes(<bytes>pair[0], <bytes>old[0])
                        and same_bytes(<bytes>pair[1], <bytes>old[1])):
                    pairs[i] = old
                else:
                    kept[i] = pair
            elif i < PAIRS_KEPT:
                kept.append(pair)
        return 0


cdef int h2_run(H2Cycle cycle) except -1:
    """Runs the app on ``cycle``; past --limit-concurrency (which counts
    the streams under way too), uvicorn's 503 instead."""
    cdef ASGIHandler handler = cycle.handler
    if handler.limit >= 0 and len(handler.tasks) >= handler.limit:
        return cycle.unavailable()
    return handler.run(cycle)


cdef bint h2_same_pairs(pairs, tuple last) except -1:
    """Whether an app's header pairs are ``last``: a list or tuple of
    (bytes, bytes) tuples, each with the same bytes (an app makes them
    anew per response, with equal bytes)."""
    cdef Py_ssize_t i, n = len(last)
    if (type(pairs) is not list and type(pairs) is not tuple) or len(pairs) != n:
        return False
    for i in range(n):
        pair, old = pairs[i], last[i]
        if pair is old and type(old) is tuple:
            continue
        if (type(pair) is not tuple or len(<tuple>pair) != 2 or type(old) is not tuple
                or type((<tuple>pair)[0]) is not bytes or type((<tuple>pair)[1]) is not bytes
                or not same_bytes((<tuple>pair)[0], (<tuple>old)[0])
                or not same_bytes((<tuple>pair)[1], (<tuple>old)[1])):
            return False
    return True


cdef H2Cycle h2_cycle_new(H2Requests requests, int32_t stream_id, list raw, bint ended):
    """A request's cycle, its stream (held in the session's ``_streams``),
    of its head's fields (name, value, ...)."""
    cdef H2Sink sink = requests.sink
    cdef H2Cycle cycle = H2Cycle.__new__(H2Cycle)
    cycle.requests = requests
    cycle.id = stream_id
    cycle.ended = ended
    requests.streams[stream_id] = cycle
    cycle.handler = sink.handler
    cycle.sink = sink
    cycle.trailers_offered = cycle.push_offered = True
    cdef str method, authority
    method, target, authority, pairs, proxied = h2_request_head(raw)
    if method == requests.last_method:
        method = requests.last_method
    else:
        requests.last_method = method
        requests.template['method'] = method
    if authority == requests.last_authority:
        authority = requests.last_authority
    else:
        requests.last_authority = authority
    cycle.authority = authority
    requests.set_target(target)
    requests.share_pairs(pairs)
    server = sink.server
    cdef dict scope = requests.template.copy()
    scope['headers'] = pairs
    scope['state'] = dict(server._state)
    scope['extensions'] = {'http.response.trailers': {}, 'http.response.push': {}}
    if proxied and sink.trust is not None:
        scope['client'], scope['scheme'] = sink.helpers.forwarded(
            sink.trust, pairs, requests.client, sink.scheme)
    cycle.scope = scope
    if sink.logs is None:
        sink.logs = bool(server.config.access_log and asgi_kit['access_logger'].hasHandlers())
    cycle.logs = sink.logs is True
    cdef bint head = method == 'HEAD'
    cycle.head_request = cycle.bodyless = head
    return cycle


cdef object content_length(pairs):
    """The first Content-Length of an app's header pairs, as an int (None
    without one)."""
    for name, value in pairs:
        if len(name) == 14 and name.lower() in (b'content-length', u'content-length'):
            return int(value)
    return None


@cython.final
cdef class H2Cycle(ASGICycle):
    """One request stream and its side of its cycle: its body kept until
    the app takes it, its response submitted."""

    cdef H2Sink sink
    cdef object authority
    cdef list body              # chunks received, not given to the app yet (or None)
    cdef list trailers          # the pairs, when the app said it sends trailers
    cdef Py_ssize_t body_size   # bytes in ``body``
    # The flags as bytes, after the pointers: 224 bytes a cycle with the
    # gc's header, not 240 (each request an app holds keeps its cycle,
    # issue 70).
    cdef unsigned char logs, head_request
    cdef unsigned char ended    # the request's body is all in
    cdef unsigned char trailers_done
    cdef unsigned char trailers_wanted  # nghttp2 asked for them

    def _begin(self):
        """The app's run (a pushed stream's, a turn after its promise)."""
        h2_run(self)

    # -- the stream's hooks (uv/http2/request_stream.pyx) ----------------------

    cdef int on_data(self, bytes data) except -1:
        cdef Py_ssize_t size = len(data)
        self.body_size += size
        if self.body_size <= H2_HIGH_WATER:
            self.requests.core.give_back(self.id, size)
        else:
            self.unconsumed += size
        # (A list only once a chunk came: a held request keeps none.)
        if self.body is None:
            self.body = [data]
        else:
            self.body.append(data)
        return self.wake()

    cdef int on_end(self) except -1:
        self.ended = True
        return self.wake()

    def _on_want_trailers(self):
        if not self.destroyed:
            self.trailers_wanted = True
            self.send_trailers()

    cdef int on_gone(self) except -1:
        # The session is let go with the stream, not with the app: a
        # request the app holds kept its whole session (its socket, its
        # buffers) after the connection closed (issue 70).  With no
        # ``requests`` the stream's calls do nothing, as they must now;
        # but a session destroyed inside a read resets its streams a tick
        # later (H2RequestStream.destroy()), through ``requests``.
        cdef dict state = self.requests.state
        if not (state['destroyed'] and state.get('_receiving')):
            self.requests = None
        return self.wake()

    cdef int unavailable(self) except -1:
        """--limit-concurrency's answer, the app not run: uvicorn's 503 (the
        connection goes on), and the stream reset NO_ERROR if its body is
        still coming (RFC 9113 8.1)."""
        self.started = self.body_complete = self.complete = True
        if self.logs:
            self.sink.helpers.log(self.scope, 503)
        self.scope = None
        self.respond(503, self.sink.helpers.error_block(503), False)
        self.write_body(UNAVAILABLE_BODY, False)
        if not self.ended:
            self.close(H2_NO_ERROR)
        return 0

    # -- the cycle's hooks (uv/asgi/cycle.pyx) -------------------------------

    cdef bint client_left(self) except -1:
        return self.destroyed

    cdef object take_body(self):
        if not (self.body or self.ended):
            return None
        chunks, self.body, self.body_size = self.body, None, 0
        self.body_given = self.ended
        if self.unconsumed:
            # The windows open by what the app took past the 64 KiB.
            self.consume()
            self.requests.session._schedule_flush()
        return {'type': 'http.request', 'body': b''.join(chunks) if chunks else b'',
                'more_body': not self.ended}

    cdef int write_start(self, dict message) except -1:
        status = int(message['status'])
        pairs = message.get('headers', ())
        cdef H2Sink sink = self.sink
        block = sink.head_block(pairs, status)
        if block is None:
            block = sink.helpers.response_block(status, pairs, sink.defaults, sink.date)
        if block is sink.last_block:
            # (Its Content-Length counted once, when the block was made.)
            self.counted = sink.last_counted
            self.length = sink.last_length
        else:
            self.expect_length(content_length(pairs))
        self.respond(status, block, self.trailers_expected)
        if self.logs:
            sink.helpers.log(self.scope, status)
        return 0

    cdef int respond(self, status, list block, bint trailers) except -1:
        """Submits the response's head (its status checked as respond()
        checks it): END_STREAM on it when no body may follow."""
        if not 200 <= status <= 599:
            raise self.sink.helpers.status_error(status)
        cdef bint end = status == 204 or status == 205 or status == 304 or self.head_request
        if end:
            self.bodyless = True
        if trailers:
            self.trailers = []
        self.trailers_expected = trailers and not end
        if self.destroyed:
            return 0
        if self.invalid_session():
            raise self.sink.helpers.invalid_session()
        try:
            self.submit_head(block, end)
        except H2LibraryError as error:
            raise self.sink.helpers.http2_error(error) from None
        return 0

    cdef bint write_body(self, body, bint more) except -1:
        if not self.out_open:
            return False
        self.queue_body(body, more, self._wake if more else None, self.trailers_expected)
        return more and self.requests.core.queued_on(self.id) >= H2_WRITE_HIGH_WATER

    cdef bint write_blocked(self) except -1:
        return not self.destroyed and self.requests.core.queued_on(self.id) > 0

    cdef int write_trailers(self, pairs, bint more) except -1:
        self.trailers.extend(pairs)
        if not more:
            self.trailers_done = True
            self.send_trailers()
        return 0

    cdef int send_trailers(self) except -1:
        if not (self.trailers_wanted and self.trailers_done) or self.destroyed:
            return 0
        self.trailers_wanted = False
        self.requests.session._submit('submit_trailers', self.id,
                                      self.sink.helpers.trailers_block(self.trailers))
        return 0

    cdef int write_push(self, dict message) except -1:
        if self.destroyed:
            return 0
        cdef H2Requests requests = <H2Requests>self.requests
        session = requests.session
        core = requests.core
        if (self.scope is None or self.id % 2 == 0 or session.closed
                or requests.core.owner is None or not core.remote_setting(H2_ENABLE_PUSH)):
            return 0
        block = self.sink.helpers.push_block(message['path'], message.get('headers', ()),
                                             self.scope['scheme'], self.authority)
        try:
            promised = h2_push_promise(core, self.id, block)
        except H2LibraryError:
            return 0        # (out of stream ids, say: as a refused push)
        session._schedule_flush()
        # The pushed request's fields as a received block's: the promise's own.
        raw = [part for name, value, _no_index in block for part in (name, value)]
        pushed = h2_cycle_new(requests, promised, raw, True)
        # The app runs on it a turn later, as on a pushStream()'s callback.
        nextTick(pushed._begin)
        return 0

    cdef int answer_500(self) except -1:
        if self.logs:
            self.sink.helpers.log(self.scope, 500)
        self.respond(500, self.sink.helpers.error_block(), False)
        self.write_body(ERROR_BODY, False)
        return 0

    cdef int abort(self) except -1:
        # RST_STREAM INTERNAL_ERROR once what was sent has left.
        if not self.destroyed:
            self.out_open = False
            self.close(H2_INTERNAL_ERROR)
        return 0

    cdef int let_go(self) except -1:
        # The scope is let go with the app, not with the stream: the
        # streams of one read close together after their flush, and
        # what they hold till then the gc promotes (its full passes
        # were some 8 us a request at h2load -m 100, issue 60).
        self.scope = None
        return 0
