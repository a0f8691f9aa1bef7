"""What an agent's own options do to the sockets it makes, as Node 20's
http.Agent and https.Agent do it (pinned with /usr/bin/node):

- ``timeout`` is every new socket's idle timeout from its creation (Node
  merges the agent's options into each connection's), it stays while the
  socket is reused, and a request idle past it gets 'timeout' (nothing is
  destroyed but a kept socket); a request's own ``timeout`` replaces it
  while the request runs, and a kept socket gets the agent's back (0 when
  the agent has none);
- ``keepAlive`` with ``keepAliveMsecs``: an http.Agent's connections have
  SO_KEEPALIVE from the start, with keepAliveMsecs (in whole seconds) as
  TCP_KEEPIDLE; an https.Agent's only from when the socket is first kept
  (tls.connect takes no keepAlive): keepSocketAlive() sets it.
"""
import socket as pysocket

import pytest

import pyuvnet as net
from pyuvnet import http, https
from support import linux_only, os_socket

SYSTEM_IDLE = 7200      # Linux's default TCP_KEEPIDLE


def app(req, res):
    if req.url == '/slow':
        net.setTimeout(lambda: res.end('slow'), 150)
    else:
        res.end('x')


@pytest.fixture(params=['http', 'https'])
def kind(request, tls_certs):
    """(module, server, extra agent options) for http and for https."""
    if request.param == 'http':
        return http, http.createServer(app), {}
    server = https.createServer({'key': tls_certs.key, 'cert': tls_certs.cert}, app)
    return https, server, {'rejectUnauthorized': False}


def exchanges(kind, agent_options, requests, run_loop):
    """Runs ``requests`` (a list of request option dicts) one after the
    other over one agent; ``on(event, req, socket)`` records
    (event, socket.timeout) at 'socket', 'response' and once kept ('idle',
    after the exchange); returns the log and the requests' sockets."""
    module, server, extra = kind
    log, sockets = [], []
    agent = module.Agent(dict(agent_options, **extra))
    pending = list(requests)

    def next_request():
        if not pending:
            agent.destroy()
            server.close()
            return
        options = dict(pending.pop(0), port=server.address().port, host='127.0.0.1', agent=agent)
        req = module.get(options)

        def on_response(res):
            log.append(('response', req.socket.timeout, req.reusedSocket))
            res.resume()
            res.on('end', lambda: net.setImmediate(idle, req.socket))

        def idle(socket):
            log.append(('idle', socket.timeout))
            next_request()
        req.on('socket', lambda socket: (sockets.append(socket),
                                         log.append(('socket', socket.timeout))))
        req.on('response', on_response)
        req.on('timeout', lambda: log.append(('timeout', req.socket.timeout, req.destroyed)))
    server.listen(0, '127.0.0.1', next_request)
    run_loop()
    return log, sockets


# The timeouts of the two tests below are never meant to fire: seconds, so
# that a TLS handshake under the sanitizers on a loaded machine stays inside
# them (700 ms once fired before an https answer under ASan); under 4 s,
# which the server's "Keep-Alive: timeout=5" gives a kept socket in Node's
# agent (its timeout less a second).
def test_an_agents_timeout_is_its_sockets_timeout_from_creation_and_on_reuse(kind, run_loop):
    log, sockets = exchanges(kind, {'keepAlive': True, 'timeout': 3500}, [{}, {}], run_loop)
    assert log == [('socket', 3500), ('response', 3500, False), ('idle', 3500),
                   ('socket', 3500), ('response', 3500, True), ('idle', 3500)]
    assert sockets[0] is sockets[1]


def test_a_request_idle_past_the_agents_timeout_gets_timeout_and_goes_on(kind, run_loop):
    """Node's listenSocketTimeout: the agent's timeout is the request's
    too; its 'timeout' destroys nothing (the answer still comes)."""
    log, _ = exchanges(kind, {'keepAlive': False, 'timeout': 50}, [{'path': '/slow'}], run_loop)
    timeouts = [entry for entry in log if entry[0] == 'timeout']
    # One, or more when the TLS handshake had a pause of its own.
    assert timeouts and set(timeouts) == {('timeout', 50, False)}
    assert log.index(timeouts[0]) < log.index(('response', 50, False))
    assert [entry for entry in log if entry[0] != 'timeout'] == [
        ('socket', 50), ('response', 50, False), ('idle', 50)]


def test_a_requests_timeout_replaces_the_agents_until_its_socket_is_kept(kind, run_loop):
    log, _ = exchanges(kind, {'keepAlive': True, 'timeout': 3500},
                       [{'timeout': 2000}, {'timeout': 2500}], run_loop)
    assert [entry for entry in log if entry[0] != 'socket'] == [
        ('response', 2000, False), ('idle', 3500), ('response', 2500, True), ('idle', 3500)]
    log, _ = exchanges(kind, {'keepAlive': True}, [{'timeout': 2000}], run_loop)
    assert log[1:] == [('response', 2000, False), ('idle', 0)]


def keepalive_of(socket):
    """(SO_KEEPALIVE, TCP_KEEPIDLE) of a pyuvnet socket's OS socket."""
    s = os_socket(socket.localPort, socket.remotePort)
    try:
        return (s.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_KEEPALIVE) != 0,
                s.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_KEEPIDLE))
    finally:
        s.close()


@linux_only
@pytest.mark.parametrize('agent_options, at_response, kept', [
    ({'keepAlive': True, 'keepAliveMsecs': 3000}, {'http': (True, 3), 'https': (False, SYSTEM_IDLE)},
     (True, 3)),
    ({'keepAlive': True}, {'http': (True, 1), 'https': (False, SYSTEM_IDLE)}, (True, 1)),
    # Under a second: SO_KEEPALIVE with the system's delay (Node's ~~(ms / 1000)
    # is 0; pyuvnet's setKeepAlive warns of it, as the newest Node's does).
    pytest.param({'keepAlive': True, 'keepAliveMsecs': 500},
                 {'http': (True, SYSTEM_IDLE), 'https': (False, SYSTEM_IDLE)}, (True, SYSTEM_IDLE),
                 marks=pytest.mark.filterwarnings('ignore::pyuvnet.errors.KeepAliveWarning')),
    ({'keepAlive': False, 'keepAliveMsecs': 3000},
     {'http': (False, SYSTEM_IDLE), 'https': (False, SYSTEM_IDLE)}, None),
])
def test_keep_alive_agents_set_so_keepalive_as_node(kind, agent_options, at_response, kept,
                                                    run_loop):
    module, server, extra = kind
    seen = {}
    agent = module.Agent(dict(agent_options, **extra))

    def on_response(res):
        seen['response'] = keepalive_of(req.socket)
        res.resume()
        res.on('end', lambda: net.setImmediate(after))

    def after():
        free = [s for sockets in agent.freeSockets.values() for s in sockets]
        seen['kept'] = keepalive_of(free[0]) if free else None
        agent.destroy()
        server.close()
    server.listen(0, '127.0.0.1')
    req = module.get({'port': server.address().port, 'host': '127.0.0.1', 'agent': agent},
                     on_response)
    run_loop()
    assert seen == {'response': at_response[module.__name__.rsplit('.', 1)[-1]], 'kept': kept}


def test_a_request_timeout_of_0_turns_the_agents_off_while_it_runs(kind, run_loop):
    log, _ = exchanges(kind, {'keepAlive': True, 'timeout': 700}, [{'timeout': 0}], run_loop)
    assert log[1:] == [('response', 0, False), ('idle', 700)]
