"""A request that makes its own connection (``createConnection``), as Node
20 does it (pinned with /usr/bin/node):

- given no agent, it has none (``req.agent`` is None, Node's undefined): it
  asks for 'Connection: close', and its socket never enters an agent's
  pool, the global one's included;
- given an agent too, the agent connects: createConnection is not called.
"""
import pyuvnet as net
from pyuvnet import http


def test_create_connection_without_agent_uses_none_and_closes(run_loop):
    seen = {}
    server = http.createServer(lambda req, res: (seen.update(connection=req.headers.get('connection')),
                                                 res.end('x')))

    def listening():
        port = server.address().port
        made = []

        def connect(options):
            made.append(options['port'])
            return net.connect(options['port'], options['host'])
        req = http.request({'host': '127.0.0.1', 'port': port, 'createConnection': connect},
                           lambda res: (res.resume(), res.on('end', lambda: server.close())))
        seen['agent'] = req.agent
        seen['made'] = made
        req.end()
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert seen['agent'] is None and len(seen['made']) == 1 and seen['connection'] == 'close'
    assert http.globalAgent.freeSockets == {} and http.globalAgent.sockets == {}


def test_an_agent_given_connects_instead_of_create_connection(run_loop):
    agent = http.Agent()
    calls = []
    server = http.createServer(lambda req, res: res.end('x'))

    def listening():
        req = http.request({'host': '127.0.0.1', 'port': server.address().port, 'agent': agent,
                            'createConnection': lambda options: calls.append(options)},
                           lambda res: (res.resume(), res.on('end', server.close)))
        calls.append(req.agent is agent)
        req.end()
    server.listen(0, '127.0.0.1', listening)
    run_loop()
    assert calls == [True]
