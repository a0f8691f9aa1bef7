"""The same questions through Node's dns.Resolver (setServers to the test's
responder) and pyuvnet's give the same records and the same error codes."""
import json
import subprocess

import pytest

from dns_records import NODE_ANSWERS, NODE_FAILURES
from dns_support import NODE_SCRIPT
from support import NODE, node  # noqa: F401 (node: a fixture)

import pyuvnet as net
from pyuvnet import dgram, dns

pytestmark = pytest.mark.skipif(NODE is None, reason='needs node, the reference')



def test_node_and_pyuvnet_read_the_same_records(responder, resolver, run_loop):
    jobs = [[m, n, o] for m, n, o, _ in NODE_ANSWERS] + [[m, n, None] for m, n, _, _ in NODE_FAILURES]
    node = subprocess.run([NODE, '-e', NODE_SCRIPT, responder.server, json.dumps(jobs)],
                          capture_output=True, text=True, timeout=30, check=True)
    from_node = json.loads(node.stdout)
    ours = [None] * len(jobs)
    for i, (method, name, options) in enumerate(jobs):
        def done(err, result=None, i=i):
            ours[i] = ({'code': err.code, 'syscall': err.syscall, 'hostname': err.hostname}
                       if err else result)
        getattr(resolver, method)(name, *([options] if options else []), done)
    run_loop(10)
    assert ours == from_node


NODE_REPEAT = r'''
const dns = require('dns');
const r = new dns.Resolver({timeout: 200, tries: 2});
r.setServers([process.argv[1]]);
let left = +process.argv[2];
const again = () => { if (left-- > 0) r.resolve4('a.test', again); };
again();
'''


def test_a_repeated_question_reaches_the_server_each_time_as_from_node(responder, resolver,
                                                                        run_loop):
    # Node turns c-ares' query cache off (qcache_max_ttl = 0), so a record
    # changed on the server is seen by the next question, not its TTL later.
    subprocess.run([NODE, '-e', NODE_REPEAT, responder.server, '3'], capture_output=True,
                   timeout=30, check=True)
    from_node = responder.count(name='a.test')
    left = [3]

    def again(*_):
        if left[0]:
            left[0] -= 1
            resolver.resolve4('a.test', again)
    again()
    run_loop(10)
    assert from_node == 3
    assert responder.count(name='a.test') - from_node == 3


def test_node_reads_the_records_a_pyuvnet_dgram_server_answers(responder, run_loop, node):
    # The server is a pyuvnet.dgram socket (the responder only builds each
    # reply): Node's resolver reads every record and error from it as
    # from any server (issue 56: a Node resolver asking pyuvnet-served records).
    jobs = [[m, n, o] for m, n, o, _ in NODE_ANSWERS] + [[m, n, None] for m, n, _, _ in NODE_FAILURES]
    expected = [answer for _, _, _, answer in NODE_ANSWERS] + [
        {'code': code, 'syscall': syscall, 'hostname': name}
        for _, name, code, syscall in NODE_FAILURES]
    server = dgram.createSocket('udp4')
    peers = []

    def on_message(msg, rinfo):
        reply = responder.answer(msg, 'udp')
        if reply is not None:
            server.send(reply, rinfo.port, rinfo.address)

    def start():
        peers.append(node(NODE_SCRIPT, '127.0.0.1:%d' % server.address().port,
                          json.dumps(jobs)))

    def until_node_is_done():
        if peers and peers[0].proc.poll() is not None:
            watch.close()
            server.close()
    server.on('message', on_message)
    server.bind(0, '127.0.0.1', start)
    watch = net.setInterval(until_node_is_done, 20)
    run_loop(20)
    assert peers[0].result() == expected

