"""Hostile and broken servers never crash, leak or hang the resolver: a
spoofed ID or source port is ignored (the true answer still counts), a
compression-pointer loop and garbage are EBADRESP, a silent server is
ETIMEOUT after about timeout x tries, a refused port ECONNREFUSED, and
cancel() ends what is in flight with ECANCELLED. The sockets c-ares opens
are closed again."""
import gc
import time

from support import open_fd_count, refused_port

from pyuvnet import _uv, dns


def test_answer_with_a_spoofed_id_is_ignored(responder, resolver, ask):
    assert ask(resolver, 'resolve4', 'spoofid.test') == (None, ['10.9.9.9'])


def test_answer_from_a_spoofed_port_is_ignored(responder, resolver, ask):
    assert ask(resolver, 'resolve4', 'spoofport.test') == (None, ['10.9.9.9'])


def test_only_spoofed_answers_time_out(resolver, ask):
    err, _ = ask(resolver, 'resolve4', 'spoofonly.test')
    assert err.code == 'ETIMEOUT'


def test_compression_pointer_loop_is_a_bad_response(resolver, ask):
    err, _ = ask(resolver, 'resolve4', 'loop.test')
    assert (err.code, err.syscall) == ('EBADRESP', 'queryA')


def test_garbage_answer_fails_without_crashing(resolver, ask):
    err, _ = ask(resolver, 'resolve4', 'garbage.test')
    assert err.code in ('EBADRESP', 'ETIMEOUT')


def test_silent_server_times_out_after_timeout_times_tries(responder, ask):
    resolver = dns.Resolver({'timeout': 100, 'tries': 3})
    resolver.setServers([responder.server])
    started = time.monotonic()
    err, _ = ask(resolver, 'resolve4', 'silent.test')
    elapsed = time.monotonic() - started
    assert (err.code, err.hostname) == ('ETIMEOUT', 'silent.test')
    assert responder.count('udp', 'silent.test') == 3
    # Each try waits its timeout at least (c-ares may lengthen later tries).
    assert elapsed >= 0.3


def test_refused_port_is_econnrefused(ask):
    resolver = dns.Resolver({'timeout': 200, 'tries': 1})
    resolver.setServers(['127.0.0.1:%d' % refused_port()])
    err, _ = ask(resolver, 'resolve4', 'a.test')
    assert (err.code, str(err)) == ('ECONNREFUSED', 'queryA ECONNREFUSED a.test')


def test_cancel_ends_questions_in_flight_with_ecancelled(responder, run_loop):
    resolver = dns.Resolver({'timeout': 5000, 'tries': 1})
    resolver.setServers([responder.server])
    codes = []
    resolver.resolve4('silent.test', lambda err, *rest: codes.append(err.code))
    resolver.resolveMx('silent.test', lambda err, *rest: codes.append(err.code))
    resolver.cancel()
    run_loop()
    assert codes == ['ECANCELLED', 'ECANCELLED']


def test_no_socket_outlives_the_questions(responder, resolver, run_loop):
    before = open_fd_count()
    done = []
    for name in ('a.test', 'nx.test', 'big.test', 'loop.test', 'silent.test'):
        resolver.resolve4(name, lambda err, *rest: done.append(err))
    run_loop(10)
    assert len(done) == 5
    del resolver
    import gc
    gc.collect()
    run_loop()
    assert open_fd_count() <= before


def test_a_dropped_resolver_with_a_question_in_flight_still_answers(responder, run_loop):
    codes = []

    def ask_and_drop():
        resolver = dns.Resolver({'timeout': 100, 'tries': 1})
        resolver.setServers([responder.server])
        resolver.resolve4('silent.test', lambda err, *rest: codes.append(err.code))
    ask_and_drop()
    run_loop()
    assert codes == ['ETIMEOUT']


def test_an_idle_resolver_does_not_keep_the_loop_running(resolver, ask, run_loop):
    ask(resolver, 'resolve4', 'a.test')
    started = time.monotonic()
    run_loop()
    assert time.monotonic() - started < 1


def test_answer_count_larger_than_the_answers_fails_any(resolver, ask):
    # Node's test-dns-resolveany-bad-ancount.js: EBADRESP or ETIMEOUT.
    err, _ = ask(resolver, 'resolveAny', 'ancount.test')
    assert err.code in ('EBADRESP', 'ETIMEOUT')
    assert (err.syscall, err.hostname) == ('queryAny', 'ancount.test')


def test_a_loop_closed_with_a_question_in_flight_frees_the_resolvers_handles(responder):
    # The loop's close() closes c-ares' polls and timer as its own; the
    # resolver then refuses new questions instead of touching them.
    import pyuvnet as net
    from pyuvnet import _uv
    loop = net.Loop()
    saved = _uv._thread_state.loop
    _uv._thread_state.loop = loop
    try:
        resolver = dns.Resolver({'timeout': 5000, 'tries': 1})
        resolver.setServers([responder.server])
        resolver.resolve4('silent.test', lambda *args: None)
        loop.run_once()         # libuv starts polling c-ares' socket
    finally:
        _uv._thread_state.loop = saved
    loop.close()
    try:
        resolver.resolve4('a.test', lambda *args: None)
    except RuntimeError as exc:
        assert 'closed' in str(exc)
    else:
        raise AssertionError('a closed loop took a question')
    del resolver
    import gc
    gc.collect()


def _resolvers_alive():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, (dns.Resolver, _uv.ChannelCore)))


def test_resolvers_made_asked_cancelled_and_dropped_are_freed_without_the_gc(responder,
                                                                             run_loop):
    # Each resolver's callbacks close over it; none needs the cyclic GC:
    # its channel, sockets and handles go when its last question ends.
    answers = []

    def make(name, cancel):
        resolver = dns.Resolver({'timeout': 200, 'tries': 1})
        resolver.setServers([responder.server])
        resolver.resolve4(name, lambda err, *rest: answers.append(
            (err and err.code, resolver.getServers())))
        if cancel:
            resolver.cancel()
    # The thread's loop made first (run_loop() runs it empty): its own fds,
    # when this test is the first of its process, are not the resolvers'.
    run_loop()
    gc.collect()
    before_fds = open_fd_count()
    before = _resolvers_alive()
    gc.disable()
    try:
        dns.Resolver()          # made and dropped, never asked
        for name, cancel in (('a.test', False), ('silent.test', True), ('nx.test', False),
                             ('a.test', True)):
            make(name, cancel)
        run_loop(10)
        assert sorted(str(code) for code, _ in answers) == ['ECANCELLED', 'ECANCELLED',
                                                            'ENOTFOUND', 'None']
        assert _resolvers_alive() == before
    finally:
        gc.enable()
    run_loop()      # the polls' and timers' close callbacks
    assert open_fd_count() <= before_fds
