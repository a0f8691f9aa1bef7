"""RFC 9113 and RFC 7541 conformance, h2spec's way: each case of
h2_conformance_support.py (a rule's violation, or what a rule allows) is
sent as raw bytes to pyuvnet's http2 server, and its answer (GOAWAY code,
RST_STREAM codes, responses, the connection closed) must be Node 20's to
the same bytes, pinned in h2_conformance_node.json. Regenerate that file
with ``python tools/audits/h2_conformance.py --pin``; the audit also runs
the cases against ``pyuvnet serve`` over h2c and prints ``findings: N``."""
import concurrent.futures
import json
import pathlib

import pytest

import pyuvnet as net
from pyuvnet import http2
from h2_conformance_support import (CASES, KNOWN_DIFFERENCES, SERVE_KNOWN_DIFFERENCES, expected,
                                    probe)
from http2_support import listen

PINNED = json.loads((pathlib.Path(__file__).with_name('h2_conformance_node.json')).read_text())

def answering_server(errors):
    """The audit's server: 200 once the request's body ended."""
    server = http2.createServer()

    def on_stream(stream, headers, flags, raw):
        stream.on('error', lambda error: errors.append(error.code))
        stream.resume()

        def answer():
            # As the audit's servers: a stream the session's end closed
            # meanwhile cannot answer (Node 20 throws the same).
            try:
                stream.respond({':status': 200})
                stream.end(b'ok')
            except Exception as error:
                if getattr(error, 'code', None) != 'ERR_HTTP2_INVALID_STREAM':
                    raise
                errors.append(error.code)
        stream.on('end', answer)
    server.on('stream', on_stream)
    server.on('sessionError', lambda error, session: errors.append(error.code))
    return server


def run_cases(run_loop, cases):
    """{case id: outcome}: the cases side by side, each on its own
    connection, from threads, while the loop serves them."""
    server = answering_server([])
    port = listen(run_loop, server)
    pool = concurrent.futures.ThreadPoolExecutor(8)
    futures = {case.id: pool.submit(probe, ('127.0.0.1', port), case,
                                    expect=expected(case, PINNED)) for case in cases}

    def poll():
        if all(future.done() for future in futures.values()):
            net.clearInterval(timer)
            server.close()
    timer = net.setInterval(poll, 20)
    try:
        run_loop(60)
    finally:
        pool.shutdown(wait=True)
    return {case_id: future.result() for case_id, future in futures.items()}


GROUPS = sorted({case.group for case in CASES}, key=lambda g: [
    int(part) if part.isdigit() else part for part in g.replace('hpack/', '99.').split('.')])


def test_every_case_is_pinned():
    assert sorted(PINNED) == sorted(case.id for case in CASES)
    assert set(KNOWN_DIFFERENCES) <= set(PINNED) | set(SERVE_KNOWN_DIFFERENCES)
    assert len(CASES) >= 100


@pytest.mark.parametrize('group', GROUPS)
def test_answers_as_node_20(run_loop, group):
    cases = [case for case in CASES if case.group == group]
    answers = run_cases(run_loop, cases)
    wrong = {case.id: {'pyuvnet': answers[case.id], 'expected': expected(case, PINNED)}
             for case in cases if answers[case.id] != expected(case, PINNED)}
    assert wrong == {}


def test_a_peer_protocol_error_is_the_sessions_error_as_node(run_loop):
    # An even stream id: Node 20 ends the session with GOAWAY INTERNAL_ERROR
    # and 'sessionError' ERR_HTTP2_ERROR "Protocol error".
    errors = []
    server = answering_server(errors)
    port = listen(run_loop, server)
    case = next(case for case in CASES if case.id == '5.1.1/an even stream id')
    pool = concurrent.futures.ThreadPoolExecutor(1)
    future = pool.submit(probe, ('127.0.0.1', port), case)

    def poll():
        if future.done() and errors:
            net.clearInterval(timer)
            server.close()
    timer = net.setInterval(poll, 20)
    run_loop(20)
    pool.shutdown(wait=True)
    assert future.result()['goaway'] == 'INTERNAL_ERROR'
    assert errors == ['ERR_HTTP2_ERROR']
