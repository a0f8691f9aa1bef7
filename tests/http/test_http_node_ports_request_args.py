"""Node 20's test-http-*.js for http.request()'s arguments and http.Agent's
own, ported (each docstring names the file): what is refused at once, with
which code and message, before any connection is made; what the defaults
are.  The expected values are what Node 20 gives for the same calls."""
import math

import pytest

import pyuvnet.http as http
import pyuvnet.https as https
from pyuvnet import errors


def made(options, then=None):
    """http.request(options) aborted at once (no connection kept); returns
    then(req) when given."""
    req = http.request(options)
    req.on('error', lambda error: None)
    value = then(req) if then else None
    req.destroy()
    return value


BASE = {'host': '127.0.0.1', 'port': 1}


@pytest.mark.parametrize('path', ['/bad path', '/tab\there', '/nl\n', '/\u0100', '/\x00'])
def test_a_path_with_unescaped_characters_is_refused(path, run_loop):
    """test-http-client-unescaped-path.js: any character outside
    U+0021..U+00FF."""
    with pytest.raises(http.ERR_UNESCAPED_CHARACTERS) as raised:
        http.request(dict(BASE, path=path))
    assert str(raised.value) == 'Request path contains unescaped characters'
    assert raised.value.code == 'ERR_UNESCAPED_CHARACTERS'
    made(dict(BASE, path='/caf\u00e9?q=%20'))   # latin-1 is sent as is
    run_loop()


@pytest.mark.parametrize('protocol', ['https:', 'file:'])
def test_a_protocol_that_is_not_the_agents_is_refused(protocol):
    """Node's ERR_INVALID_PROTOCOL and its message (lib/_http_client.js),
    http through https's agent too."""
    with pytest.raises(http.ERR_INVALID_PROTOCOL) as raised:
        http.request(dict(BASE, protocol=protocol))
    assert str(raised.value) == 'Protocol "%s" not supported. Expected "http:"' % protocol
    with pytest.raises(http.ERR_INVALID_PROTOCOL):
        http.request('ftp://127.0.0.1/')
    with pytest.raises(http.ERR_INVALID_PROTOCOL) as raised:
        https.request({'protocol': 'http:', 'host': 'x'})
    assert str(raised.value) == 'Protocol "http:" not supported. Expected "https:"'


@pytest.mark.parametrize('url', ['www.nodejs.org', 'localhost', '127.0.0.1', 'http://:80/',
                                 'http://127.0.0.1:port/'])
def test_a_url_that_does_not_parse_is_refused(url):
    """test-http-invalid-urls.js: get() and request() of http and https,
    ERR_INVALID_URL 'Invalid URL', nothing connected."""
    for module in (http, https):
        for call in (module.get, module.request):
            with pytest.raises(http.ERR_INVALID_URL) as raised:
                call(url, lambda res: None)
            assert str(raised.value) == 'Invalid URL' and raised.value.input == url


@pytest.mark.parametrize('port, shown', [('abc', "type str ('abc')"), (70000, 'type int (70000)')])
def test_a_bad_port_is_refused(port, shown):
    """Node's validatePort in ClientRequest (lib/_http_client.js):
    ERR_SOCKET_BAD_PORT, 'Port should be ...'."""
    with pytest.raises(errors.ERR_SOCKET_BAD_PORT) as raised:
        http.request({'host': '127.0.0.1', 'port': port})
    assert str(raised.value) == 'Port should be >= 0 and < 65536. Received %s.' % shown


def test_a_negative_max_header_size_is_out_of_range():
    """test-http-max-header-size.js (the client's option)."""
    with pytest.raises(errors.ERR_OUT_OF_RANGE) as raised:
        http.request(dict(BASE, maxHeaderSize=-1))
    assert str(raised.value) == ('The value of "maxHeaderSize" is out of range. It must be >= 0 '
                                 '&& <= 9007199254740991. Received -1')


def test_agent_none_is_the_global_agent_and_other_values_are_refused(run_loop):
    """test-http-client-reject-unexpected-agent.js: None (Node's null or
    undefined) is the global agent; a string or a plain dict is
    ERR_INVALID_ARG_TYPE."""
    assert made(dict(BASE, agent=None), lambda req: req.agent) is http.globalAgent
    for agent in ('x', {}):
        with pytest.raises(errors.ERR_INVALID_ARG_TYPE) as raised:
            http.request(dict(BASE, agent=agent))
        assert str(raised.value).startswith('The "options.agent" property must be one of '
                                            'Agent-like Object, undefined, or false.')
    run_loop()


def test_request_defaults(run_loop):
    """test-http-client-defaults.js: GET '/', Host 'host:port'; a method
    in lower case is sent upper case (test-http-request-methods.js)."""
    assert made(BASE, lambda req: (req.method, req.path, req.host, req.protocol,
                                   req.getHeader('host'))) == \
        ('GET', '/', '127.0.0.1', 'http:', '127.0.0.1:1')
    assert made(dict(BASE, method='post'), lambda req: req.method) == 'POST'
    run_loop()


def test_http_agent_names_are_nodes():
    """test-http-agent-getname.js: host:port:localAddress, then the
    family (4 or 6) and the socketPath, each after a ':'."""
    agent = http.Agent()
    assert agent.getName({}) == 'localhost::'
    assert agent.getName({'host': '0.0.0.0', 'port': 80, 'localAddress': '192.168.1.1'}) == \
        '0.0.0.0:80:192.168.1.1'
    assert agent.getName({'socketPath': '/tmp/s'}) == 'localhost:::/tmp/s'
    assert agent.getName({'host': 'h', 'port': 1, 'family': 6}) == 'h:1::6'
    assert agent.getName({'host': 'h', 'family': 4, 'socketPath': '/tmp/s'}) == 'h:::4:/tmp/s'


def test_agent_option_defaults_and_checks():
    """test-http-agent-maxsockets.js / test-http-agent-maxtotalsockets.js /
    test-http-agent-scheduling.js (the constructor): maxSockets 0 is no
    limit; noDelay is on in the options; maxTotalSockets must be a
    number; scheduling 'fifo' or 'lifo'; connection options are kept."""
    agent = http.Agent(maxSockets=0)
    assert agent.maxSockets == math.inf
    assert http.Agent().options == {'noDelay': True, 'path': None}
    assert (agent.maxFreeSockets, agent.keepAliveMsecs, agent.scheduling) == (256, 1000, 'lifo')
    with pytest.raises(errors.ERR_INVALID_ARG_TYPE):
        http.Agent(maxTotalSockets='x')
    with pytest.raises(errors.ERR_INVALID_ARG_VALUE):
        http.Agent(scheduling='x')
    assert http.Agent(host='h', port=8).options == {'host': 'h', 'port': 8, 'noDelay': True,
                                                    'path': None}
