"""A late answer to a DNS question, taken as Node 20 takes it (issue 70).

Node's cares_wrap wakes c-ares on a tick of the resolver's timeout (1 s at
most), counted from the opening of c-ares' first socket and restarted at
each socket event, so a try that has timed out is retried at the first
tick after its deadline (c-ares makes a deadline 250 ms at least): with
``{'timeout': 200}`` the first retry leaves about 400 ms after the first
try, and an answer before then is the question's answer. Node's c-ares,
1.34.6, also takes an answer on any of the channel's sockets: the first
try's answer, on that try's socket kept open by another question, resolves
the question after the retry has left from a fresh socket (pyuvnet's
1.34.9 is patched to take it so from the server the query was last sent
to: vendor/c-ares-patches/). From another server, Node takes it and
pyuvnet does not: 1.34.9 fixed that as a security flaw, and the patch
keeps the fix (the one case pinned as a difference).

Each program runs under /usr/bin/node first, against the same responder,
and pyuvnet must give what Node gave (the programs' outcomes, pinned with
Node 20.20.2, are in each test). Each question is asked from a timer's
callback, so that the loop's clock is the current time in both.
"""
import json

import pytest

from dns_support import A, Responder, node_json
from support import NODE, open_fd_count

import pyuvnet as net
from pyuvnet import dns

ZONE = {'late.test': [A('1.2.3.4')], 'silent.test': [A('10.0.0.1')]}

# ``node -e NODE_LATE servers options jobs``: servers and options as
# setServers() and Resolver() take them, jobs a list of [name, ms after the
# first question], all JSON; resolve4 of each, its addresses or its
# error's code printed as JSON in the jobs' order.
NODE_LATE = r'''
const dns = require('dns');
const [servers, options, jobs] = process.argv.slice(1);
const r = new dns.Resolver(JSON.parse(options));
r.setServers(JSON.parse(servers));
const out = [];
let left = JSON.parse(jobs).length;
setTimeout(() => JSON.parse(jobs).forEach(([name, after], i) => setTimeout(() => {
  r.resolve4(name, (err, found) => {
    out[i] = err ? {code: err.code} : found;
    if (--left === 0) console.log(JSON.stringify(out));
  });
}, after)), 0);
'''


def _node(servers, options, jobs):
    return node_json(NODE_LATE, json.dumps(servers), json.dumps(options), json.dumps(jobs))


def _ours(servers, options, jobs, run_loop):
    resolver = dns.Resolver(options)
    resolver.setServers(servers)
    out = [None] * len(jobs)

    def done(i, err, found=None):
        assert out[i] is None       # one callback per question
        out[i] = {'code': err.code} if err else found

    def ask_all():
        for i, (name, after) in enumerate(jobs):
            net.setTimeout(lambda i=i, name=name: resolver.resolve4(
                name, lambda *outcome: done(i, *outcome)), after)
    net.setTimeout(ask_all, 0)
    run_loop(10)
    return out


def _same_as_node(misbehave, options, jobs, run_loop):
    """The outcomes, Node's and ours the same, and how many tries of each
    name the responder saw (the same for both)."""
    with Responder(ZONE, misbehave) as responder:
        from_node = _node([responder.server], options, jobs)
        node_tries = {name: responder.count('udp', name) for name, _ in jobs}
    with Responder(ZONE, misbehave) as responder:
        ours = _ours([responder.server], options, jobs, run_loop)
        our_tries = {name: responder.count('udp', name) for name, _ in jobs}
    assert (ours, our_tries) == (from_node, node_tries)
    return ours, our_tries


needs_node = pytest.mark.skipif(NODE is None, reason='needs node, the reference')


@needs_node
def test_a_first_try_answered_after_its_timeout_and_before_the_retry_resolves(run_loop):
    # Node: ['1.2.3.4'] after 300 ms, one try sent (its retry was due at
    # the 400 ms tick).
    ours = _same_as_node({'late.test': 'late:300'}, {'timeout': 200, 'tries': 4},
                         [['late.test', 0]], run_loop)
    assert ours == ([['1.2.3.4']], {'late.test': 1})


@needs_node
def test_the_first_tries_answer_on_its_socket_after_the_retry_resolves(run_loop):
    # The silent question, asked 250 ms later on the first try's socket,
    # keeps it open after late.test's retry left from a new one at 400 ms;
    # the first try's answer comes to it at 500 ms. Node: ['1.2.3.4'], two
    # tries sent; the silent question ETIMEOUT.
    ours = _same_as_node({'late.test': 'late:500', 'silent.test': 'silent'},
                         {'timeout': 200, 'tries': 3},
                         [['late.test', 0], ['silent.test', 250]], run_loop)
    assert ours == ([['1.2.3.4'], {'code': 'ETIMEOUT'}], {'late.test': 2, 'silent.test': 3})


@needs_node
@pytest.mark.parametrize('misbehave', ['late:700', 'late:1500'],
                         ids=['after-the-retry-left-its-socket', 'after-every-try'])
def test_a_first_tries_answer_to_a_closed_socket_is_etimeout(misbehave, run_loop):
    # 700 ms: the retry left at 400 ms and the first socket, idle, was
    # closed; 1,500 ms: after the last try's timeout too. Node: ETIMEOUT,
    # two tries sent, in both.
    ours = _same_as_node({'late.test': misbehave}, {'timeout': 200, 'tries': 2},
                         [['late.test', 0]], run_loop)
    assert ours == ([{'code': 'ETIMEOUT'}], {'late.test': 2})


@needs_node
@pytest.mark.parametrize('misbehave', ['late-wrong-id:300', 'late-wrong-port:300'])
def test_a_late_answer_with_another_id_or_from_another_port_is_ignored(misbehave, run_loop):
    # The one answer, in the first try's time, is no answer of this
    # question: Node times out after its two tries.
    ours = _same_as_node({'late.test': misbehave}, {'timeout': 200, 'tries': 2},
                         [['late.test', 0]], run_loop)
    assert ours == ([{'code': 'ETIMEOUT'}], {'late.test': 2})


@needs_node
def test_a_late_answer_from_the_server_a_retry_left_resolves_in_node_only(run_loop):
    # Deliberately unlike Node (docs/DNS.md): as in the test above, but the
    # retry goes to a second server. Node: ['1.2.3.4'] from the first
    # server, one try of late.test each; pyuvnet drops the first server's
    # answer (c-ares 1.34.9's fix of GHSA-fqh5-3x7m-wp44, kept) and times
    # out after its four tries (each server's share is c-ares' choice, by
    # the servers' failures).
    jobs = [['late.test', 0], ['silent.test', 250]]
    options = {'timeout': 200, 'tries': 2}

    def run(ask):
        with Responder(ZONE, {'late.test': 'late:500', 'silent.test': 'silent'}) as first, \
                Responder(ZONE, {'late.test': 'silent', 'silent.test': 'silent'}) as second:
            outcomes = ask([first.server, second.server])
            return outcomes, (first.count('udp', 'late.test'), second.count('udp', 'late.test'))
    assert run(lambda servers: _node(servers, options, jobs)) == (
        [['1.2.3.4'], {'code': 'ETIMEOUT'}], (1, 1))
    outcomes, tries = run(lambda servers: _ours(servers, options, jobs, run_loop))
    assert outcomes == [{'code': 'ETIMEOUT'}, {'code': 'ETIMEOUT'}]
    assert tries[0] >= 1 and tries[1] >= 1 and sum(tries) == 4


def test_many_timed_out_questions_keep_their_sockets_few_and_close_them(run_loop):
    # 50 questions at once to a silent server, each tried 3 times: c-ares
    # retires a socket whose question timed out and sends the retries from
    # one new socket, not one each; all are closed with the last question.
    with Responder(ZONE, {'silent.test': 'silent'}) as responder:
        before = open_fd_count()
        peak = [before]
        sampler = net.setInterval(lambda: peak.append(open_fd_count()), 20)
        sampler.unref()
        outcomes = _ours([responder.server], {'timeout': 200, 'tries': 3},
                         [['silent.test', 0]] * 50, run_loop)
        sampler.close()
        assert outcomes == [{'code': 'ETIMEOUT'}] * 50
        assert responder.count('udp', 'silent.test') == 150
        assert max(peak) - before <= 3
        assert open_fd_count() <= before
