# The environ of pyuvnet.wsgi's requests (PEP 3333, with gunicorn's
# choices where it is silent), made in C by one builder of any protocol's
# request (request_environ): from what the parser gave an HTTP/1.x
# request's IncomingCore (the connection's part made once, a repeated
# request's environ copied whole: WsgiConnection), or from an HTTP/2
# stream's header fields (h2_call.pyx).
#
# What Python does on the rare paths (logging, Node's header errors, the
# connection's part of the environ) is handed over by ``_set_wsgi_kit``;
# start_response.pyx and call.pyx use it too.

from cpython.dict cimport PyDict_Copy, PyDict_GetItemWithError, PyDict_SetDefault
from cpython.ref cimport Py_REFCNT
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.unicode cimport PyUnicode_READ_CHAR

cdef dict wsgi_kit = {}
DEF WSGI_NAMES_KEPT = 512

# What a request header's name becomes in the environ (None: dropped),
# remembered for the names seen first, which are the ones that repeat.
cdef dict wsgi_environ_keys = {'Content-Type': 'CONTENT_TYPE',
                               'Content-Length': 'CONTENT_LENGTH'}


def _set_wsgi_kit(**kit):
    """pyuvnet.wsgi's helpers: connection_environ(server, socket),
    unquote(path), target_parts(url), forwarded(trust, environ), logger,
    validateHeaderName, validateHeaderValue, Condition, and HTTP/2's
    StreamInput, h2_log_access(environ, status) and
    h2_response_block(status, pairs, defaults, date)."""
    wsgi_kit.update(kit)


cdef object wsgi_environ_key(str name):
    """CONTENT_TYPE, CONTENT_LENGTH, else HTTP_ and the name upper-cased
    with '-' as '_'; None for a name with an underscore (it would be
    mistaken for the dashed one)."""
    cdef PyObject* found = PyDict_GetItemWithError(wsgi_environ_keys, name)
    if found != NULL:
        return <object>found
    upper = name.upper()
    if '_' in upper:
        key = None
    elif upper == 'CONTENT-TYPE':
        key = 'CONTENT_TYPE'
    elif upper == 'CONTENT-LENGTH':
        key = 'CONTENT_LENGTH'
    else:
        key = 'HTTP_' + upper.replace('-', '_')
    if len(wsgi_environ_keys) < WSGI_NAMES_KEPT:
        wsgi_environ_keys[name] = key
    return key


def _wsgi_environ(server, req, body):
    """PEP 3333's environ of ``req``; ``body`` is wsgi.input."""
    return wsgi_environ(server, <IncomingCore?>req, body)


@cython.final
cdef class WsgiConnection:
    """What the environs of a connection's requests share: the
    connection's part, and the environ of a request seen twice in a row
    (a keep-alive client mostly repeats its request line and headers, which
    the parser then gives as the same strs), copied whole while the
    requests repeat it.  A copy that the app neither kept nor changed is
    taken back (``give_back``) as the next repeat's environ."""

    cdef dict base              # the connection's part
    cdef dict last              # the repeated request's environ (wsgi.input empty), or None
    cdef dict spare             # a copy of ``last`` given back, or None
    cdef PyObject* lent         # the copy of ``last`` the app has now (only compared)
    cdef unsigned long long lent_version
    # What the last request was made of (method None: none yet).
    cdef object method, url
    cdef int major, minor
    cdef tuple raw

    cdef bint repeats(self, IncomingCore req):
        """Whether ``req`` is the last request again."""
        cdef tuple raw = req._raw
        cdef tuple known = self.raw
        cdef Py_ssize_t i, n = PyTuple_GET_SIZE(raw)
        if req.method is not self.method or req.url is not self.url \
                or req._major != self.major or req._minor != self.minor \
                or n != PyTuple_GET_SIZE(known):
            return False
        for i in range(n):
            if PyTuple_GET_ITEM(raw, i) is not PyTuple_GET_ITEM(known, i):
                return False
        return True

    cdef dict lend(self):
        """An environ equal to ``last``, to be given back after the app."""
        cdef dict environ = self.spare
        if environ is None:
            environ = PyDict_Copy(self.last)
        else:
            self.spare = None
        self.lent = <PyObject*>environ
        self.lent_version = uv.pyuvnet_dict_version(environ)
        return environ

    cdef int give_back(self, dict environ, Py_ssize_t holders) except -1:
        """The app is done with ``environ``: kept as the next repeat's when
        it is the one lent, unchanged, and ``holders`` (the caller's
        references) are all it has."""
        if <PyObject*>environ is self.lent:
            self.lent = NULL
            if uv.PYUVNET_DICT_VERSIONS and Py_REFCNT(environ) == holders \
                    and uv.pyuvnet_dict_version(environ) == self.lent_version:
                self.spare = environ
        return 0


cdef dict wsgi_environ(server, IncomingCore req, body):
    cdef ServerExchange exchange = <ServerExchange?>req.exchange
    cdef WsgiConnection connection = None
    cdef dict environ
    if exchange is not None and exchange.app_data is not None:
        connection = <WsgiConnection?>exchange.app_data
        connection.lent = NULL
        if connection.repeats(req):
            if connection.last is not None:
                if body is WSGI_EMPTY_INPUT:
                    return connection.lend()
                environ = PyDict_Copy(connection.last)
                environ['wsgi.input'] = body
                return environ
            # Seen twice in a row: its environ is kept from now on (a
            # client whose requests all differ never pays for the copy).
            environ = http1_environ(connection.base, req, body, server._trust)
            connection.last = PyDict_Copy(environ)
            connection.last['wsgi.input'] = WSGI_EMPTY_INPUT
            return environ
    if connection is None:
        # The connection's part, made at its first request; it has every
        # key of a request's own too, so that a copy of it takes them
        # without growing (the request's headers may still grow it).
        connection = WsgiConnection.__new__(WsgiConnection)
        connection.base = <dict?>wsgi_kit['connection_environ'](server, req.socket)
        if exchange is not None:
            exchange.app_data = connection
    environ = http1_environ(connection.base, req, body, server._trust)
    if exchange is not None:
        connection.last = connection.spare = None
        connection.method, connection.url, connection.raw = req.method, req.url, req._raw
        connection.major, connection.minor = req._major, req._minor
    return environ


cdef inline dict http1_environ(dict base, IncomingCore req, body, trust):
    """request_environ() of an HTTP/1.x request as its parser gave it."""
    cdef str protocol
    if req._major == 1 and req._minor == 1:
        protocol = 'HTTP/1.1'
    elif req._major == 1 and req._minor == 0:
        protocol = 'HTTP/1.0'
    else:
        protocol = 'HTTP/%d.%d' % (req._major, req._minor)
    return request_environ(base, req.method, req.url, protocol, req._raw, body, trust)


cdef dict request_environ(dict base, str method, str url, str protocol, tuple raw, body,
                          trust):
    """A copy of ``base`` with a request's own keys, whatever its protocol
    (what differs, the adapter gives: its ``protocol``, and ``raw``, its
    header fields' (name, value, ...) tuple, without HTTP/2's
    pseudo-headers); REMOTE_ADDR and wsgi.url_scheme from X-Forwarded-*
    when ``trust`` (a ProxyTrust, or None) trusts the peer."""
    cdef str path, query
    cdef Py_ssize_t mark
    if len(url) and PyUnicode_READ_CHAR(url, 0) == 47:     # '/'
        mark = url.find('?')
        if mark < 0:
            path, query = url, ''
        else:
            path, query = url[:mark], url[mark + 1:]
        if '%' in path:
            path = wsgi_kit['unquote'](path)
    else:
        path, query = wsgi_kit['target_parts'](url)
    cdef dict environ = PyDict_Copy(base)
    script = <str?>environ['SCRIPT_NAME']
    if script and path.startswith(script):
        path = path[len(script):]
    environ['REQUEST_METHOD'] = method
    environ['PATH_INFO'] = path
    environ['QUERY_STRING'] = query
    environ['SERVER_PROTOCOL'] = protocol
    environ['wsgi.input'] = body
    cdef Py_ssize_t i
    cdef PyObject* found
    for i in range(0, len(raw) - 1, 2):
        key = wsgi_environ_key(raw[i])
        if key is None:
            continue
        value = raw[i + 1]
        found = <PyObject*>PyDict_SetDefault(environ, key, value)
        if found != <PyObject*>value:
            environ[key] = <str>found + ',' + value
    if trust is not None and ('HTTP_X_FORWARDED_FOR' in environ
                              or 'HTTP_X_FORWARDED_PROTO' in environ):
        wsgi_kit['forwarded'](trust, environ)
    return environ
