"""Every record type of Node 20's resolver against a local authoritative
responder, with the records Node gave for the same zone (dns_records.py),
and the failures with Node's code, syscall, hostname and message."""
import pytest

from dns_records import NODE_ANSWERS, NODE_FAILURES, MX_RECORDS
from dns_support import A

from pyuvnet import dns


@pytest.mark.parametrize('method, name, options, expected', NODE_ANSWERS,
                         ids=['%s-%s%s' % (m, n, '-ttl' if o else '') for m, n, o, _ in NODE_ANSWERS])
def test_records_are_nodes(resolver, ask, method, name, options, expected):
    args = (name, options) if options else (name,)
    err, records = ask(resolver, method, *args)
    assert err is None
    assert records == expected


@pytest.mark.parametrize('method, name, code, syscall', NODE_FAILURES)
def test_failures_carry_nodes_code_syscall_and_hostname(resolver, ask, method, name, code, syscall):
    err, _ = ask(resolver, method, name)
    assert isinstance(err, OSError)
    assert (err.code, err.syscall, err.hostname, err.errno) == (code, syscall, name, None)
    assert str(err) == '%s %s %s' % (syscall, code, name)


def test_resolve_dispatches_on_rrtype_and_defaults_to_a(resolver, ask):
    assert ask(resolver, 'resolve', 'a.test', 'MX') == (None, MX_RECORDS)
    assert ask(resolver, 'resolve', 'a.test') == (None, ['10.0.0.1', '10.0.0.2'])


def test_txt_chunks_and_names_are_latin1_as_nodes_one_byte_strings(resolver, ask):
    err, records = ask(resolver, 'resolveTxt', 'a.test')
    assert records[1] == ['caf\xe9']


def test_answers_are_queried_over_udp(responder, resolver, ask):
    ask(resolver, 'resolve4', 'a.test')
    assert responder.count('udp', 'a.test') == 1
    assert responder.count('tcp') == 0


def test_a_record_changed_on_the_server_is_seen_by_the_next_question(responder, resolver, ask):
    # No answer is kept for its TTL (Node's c-ares runs without its cache).
    assert ask(resolver, 'resolve4', 'a.test') == (None, ['10.0.0.1', '10.0.0.2'])
    responder.table['a.test'] = [A('10.9.9.9')]
    assert ask(resolver, 'resolve4', 'a.test') == (None, ['10.9.9.9'])
    assert responder.count('udp', 'a.test') == 2


def test_truncated_answer_is_asked_again_over_tcp(responder, resolver, ask):
    err, records = ask(resolver, 'resolveTxt', 'big.test')
    assert err is None
    assert records == [['x' * 200]] * 20
    assert responder.count('udp', 'big.test') >= 1
    assert responder.count('tcp', 'big.test') == 1


def test_callback_never_runs_inside_the_call(resolver, run_loop):
    seen = []
    resolver.resolve4('bad..name', lambda err, *rest: seen.append(err.code))
    assert seen == []
    run_loop()
    assert seen == ['EBADNAME']


def test_many_questions_in_flight_each_get_their_answer(resolver, run_loop):
    answers = {}
    for i in range(50):
        name = 'a.test' if i % 2 else 'nx.test'
        resolver.resolve4(name, lambda err, result=None, i=i: answers.__setitem__(
            i, err.code if err else result))
    run_loop(10)
    assert len(answers) == 50
    assert all(answers[i] == (['10.0.0.1', '10.0.0.2'] if i % 2 else 'ENOTFOUND') for i in range(50))


def test_module_functions_use_the_default_resolver(responder, ask):
    saved = dns.getServers()
    dns.setServers([responder.server])
    try:
        assert dns.getServers() == [responder.server]
        assert ask(dns, 'resolveMx', 'a.test') == (None, MX_RECORDS)
        assert ask(dns, 'resolve_mx', 'a.test') == (None, MX_RECORDS)
    finally:
        dns.setServers(saved)


def test_snake_case_twins_are_the_same_methods():
    assert dns.Resolver.resolve_mx is dns.Resolver.resolveMx
    assert dns.Resolver.set_local_address is dns.Resolver.setLocalAddress
    assert dns.resolve_txt is dns.resolveTxt
    assert dns.lookup_service is dns.lookupService


def test_each_resolver_asks_its_own_servers(run_loop):
    # Node's test-dns-multi-channel.js.
    from dns_support import A, Responder
    answers = []
    with Responder({'example.org': [A('1.2.3.4')]}) as first, \
            Responder({'example.org': [A('5.6.7.8')]}) as second:
        for server in (first, second):
            resolver = dns.Resolver()
            resolver.setServers([server.server])
            resolver.resolve4('example.org', lambda err, found: answers.append(found))
        run_loop()
    assert sorted(answers) == [['1.2.3.4'], ['5.6.7.8']]


def test_non_ascii_names_are_asked_in_punycode(responder, resolver, ask):
    assert ask(resolver, 'resolve4', 'caf\xe9.test') == (None, ['10.7.7.7'])
    assert responder.count('udp', 'xn--caf-dma.test') == 1


def test_set_local_address_is_the_questions_source(responder, resolver, ask):
    resolver.setLocalAddress('127.0.0.2')
    assert ask(resolver, 'resolve4', 'a.test') == (None, ['10.0.0.1', '10.0.0.2'])
    assert responder.peers == ['127.0.0.2']


def test_a_local_address_this_host_lacks_fails_the_question_with_econnrefused(resolver, ask):
    # Node 20: c-ares cannot bind the question's socket there, queryA
    # ECONNREFUSED at once. An address whose first octet is >= 128 also
    # pins the address's packing (once an int shift overflowing, which
    # the sanitizers' lane aborts on).
    resolver.setLocalAddress('203.0.113.9')
    err, _ = ask(resolver, 'resolve4', 'a.test')
    assert (err.code, err.syscall, err.hostname) == ('ECONNREFUSED', 'queryA', 'a.test')
