"""The Python web servers' cells (issue 43): the hello apps in each
interface (bench/servers/hello_apps.py), the other projects' servers as
their own command lines serve them (bench/servers/external_hello.py), the
--asgi cells, and issue 43's target rows (bench/runner/targets.py) from a
small synthetic record."""
import asyncio
import importlib.util
import io
import sys
from dataclasses import asdict

import pytest

from bench_support import ROOT, exchange
from runner import http as wrk, systems, targets  # noqa: E402
from runner.scenarios import HTTP_VARIANTS, Scenario, asgi_matrix, http_matrix  # noqa: E402

sys.path.insert(0, str(ROOT / 'bench' / 'servers'))
import hello_apps  # noqa: E402

HELLO = Scenario('http', 'tcp', 1, 50)
HELLO_500 = Scenario('http', 'tcp', 1, 500)
UPLOAD = Scenario('http', 'tcp', 1, 50, 'post')
FASTAPI = Scenario('http', 'tcp', 1, 50, 'fastapi')
UPLOAD_BODY = bytes(range(256)) * 256     # 64 KiB


def asgi_call(path, method='GET', body=b'', app=hello_apps.app, sent=None):
    """(status, body) of ``app`` (hello_apps.app) for one request, in
    process; ``sent`` (a list) gets its messages."""
    sent = [] if sent is None else sent
    chunks = [body[i:i + 1000] for i in range(0, len(body), 1000)] or [b'']

    async def receive():
        chunk = chunks.pop(0)
        return {'type': 'http.request', 'body': chunk, 'more_body': bool(chunks)}

    async def send(message):
        sent.append(message)
    scope = {'type': 'http', 'method': method, 'path': path, 'raw_path': path.encode(),
             'query_string': b'', 'headers': [], 'root_path': '', 'scheme': 'http',
             'http_version': '1.1', 'asgi': {'version': '3.0'}}
    asyncio.run(app(scope, receive, send))
    return sent[0]['status'], b''.join(m.get('body', b'') for m in sent[1:])


def test_the_asgi_hello_app_says_hello_counts_an_upload_and_404s_the_rest():
    assert asgi_call('/') == (200, b'Hello, world!\n')
    assert asgi_call('/', 'POST', UPLOAD_BODY) == (200, b'65536\n')
    assert asgi_call('/missing') == (404, b'Not found\n')


def test_the_counted_app_is_the_hello_with_a_header_that_changes_per_response():
    heads = []
    for _ in range(2):
        sent = []
        assert asgi_call('/', app=hello_apps.counted_app, sent=sent) == (200, b'Hello, world!\n')
        heads.append(sent[0]['headers'])
    assert heads[0][:2] == heads[1][:2] == [(b'content-type', b'text/plain'),
                                            (b'content-length', b'14')]
    (name, first), (_, second) = heads[0][2], heads[1][2]
    assert name == b'x-request' and int(second) == int(first) + 1


def test_the_asgi_hello_app_hands_json_to_fastapi():
    pytest.importorskip('fastapi')
    assert asgi_call('/json') == (200, b'{"message":"Hello, world!"}')


def test_the_wsgi_hello_app_is_the_same_application():
    def call(method, path, body=b''):
        got = []
        environ = {'REQUEST_METHOD': method, 'PATH_INFO': path, 'wsgi.input': io.BytesIO(body)}
        out = hello_apps.wsgi_app(environ, lambda status, headers: got.append(status))
        return got[0], b''.join(out)
    assert call('GET', '/') == ('200 OK', b'Hello, world!\n')
    assert call('POST', '/', UPLOAD_BODY) == ('200 OK', b'65536\n')
    assert call('GET', '/json') == ('404 Not Found', b'Not found\n')


def test_the_rsgi_hello_app_answers_through_the_protocol_object():
    class Scope:
        proto = 'http'

        def __init__(self, method, path):
            self.method, self.path = method, path

    class Protocol:
        def __init__(self, body):
            self.body = body

        async def __call__(self):
            return self.body

        def response_bytes(self, status, headers, body):
            self.answer = (status, dict(headers)['content-length'], body)

    for method, path, body, answer in (('GET', '/', b'', (200, '14', b'Hello, world!\n')),
                                       ('POST', '/', UPLOAD_BODY, (200, '6', b'65536\n')),
                                       ('GET', '/x', b'', (404, '10', b'Not found\n'))):
        protocol = Protocol(body)
        asyncio.run(hello_apps.rsgi_app(Scope(method, path), protocol))
        assert protocol.answer == answer


def test_the_asgi_cells_and_the_variants_wrk_requests():
    assert asgi_matrix() == [HELLO, HELLO_500, UPLOAD, FASTAPI]
    assert FASTAPI not in http_matrix(True)
    assert 'FastAPI' in HTTP_VARIANTS['fastapi']
    assert wrk.wrk_argv(8000, 50, 3, 'fastapi')[-1] == 'http://127.0.0.1:8000/json'
    assert wrk.wrk_argv(8000, 50, 3)[-1] == 'http://127.0.0.1:8000/'
    assert set(systems.WEB_ASGI) <= set(systems.WEB) <= {s.name for s in systems.HTTP}


@pytest.mark.parametrize('name', ('granian-asgi', 'granian-rsgi', 'fastpysgi-asgi',
                                  'fastpysgi-wsgi'))
def test_an_external_server_serves_the_hello_app_and_stops(name):
    from runner.procs import Server, alive, process_tree
    package = name.split('-')[0]
    if importlib.util.find_spec(package) is None:
        pytest.skip(f'{package} is not installed')
    system = next(s for s in systems.HTTP if s.name == name)
    with Server(system.command(), None, systems.server_env()) as server:
        port = int(server.ready_line)
        tree = process_tree(server.pid)
        hello = exchange(port, b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        upload = exchange(port, b'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
                           b'Content-Length: 65536\r\n\r\n' + UPLOAD_BODY)
    assert hello.startswith(b'HTTP/1.1 200 ') and hello.endswith(b'\r\n\r\nHello, world!\n')
    assert upload.endswith(b'\r\n\r\n65536\n')
    assert len(tree) >= 2       # this script and the server it started
    assert not any(alive(pid) for pid in tree)


# -- issue 43's rows ------------------------------------------------------

def result(scenario, system, runs):
    return {'scenario': asdict(scenario), 'system': system, 'status': 'ok', 'reason': None,
            'runs': runs}


def run(rps, user_us):
    requests = int(rps)
    return {'rps': rps, 'requests': requests, 'server_user_s': user_us * requests / 1e6,
            'server_sys_s': 0.1, 'cpu_us': user_us, 'duration_s': 1, 'p99_us': 1000.0}


def web_record(with_cost=True):
    """pyuvnet-asgi at 4 µs and 20k req/s against fastpysgi's 10 µs and
    14k; pyuvnet-wsgi at 5 µs against fastpysgi-wsgi's 5 µs; the FastAPI
    cell 70 µs (pyuvnet) and 100 µs (uvicorn); in the share's rounds, 70
    and 100 µs over FastAPI's own 60 µs."""
    cells = []
    for sc in (HELLO, HELLO_500, UPLOAD):
        cells += [result(sc, 'pyuvnet-asgi', [run(20000, 4.0)] * 3),
                  result(sc, 'fastpysgi-asgi', [run(14000, 10.0)] * 3),
                  result(sc, 'pyuvnet-wsgi', [run(15000, 5.0)] * 3),
                  result(sc, 'fastpysgi-wsgi', [run(15000, 5.0)] * 3)]
    cells += [result(FASTAPI, 'pyuvnet-asgi', [run(9000, 70.0)] * 3),
              result(FASTAPI, 'uvicorn-asgi', [run(7000, 100.0)] * 3)]
    share = {'slice_s': 0.1, 'rounds': [
        {'servers': {'pyuvnet-asgi': {'user_us': 70.0}, 'uvicorn-asgi': {'user_us': 100.0}},
         'app_us': 60.0, 'app_step_max': 0.02}] * 3}
    scripts = {'fastapi_share': share} if with_cost else {}
    return {'results': cells, 'scripts': scripts}


def web_rows(record):
    return [r for r in targets.rows(record) if r['issue'] == 43]


def test_a_run_without_the_web_cells_says_they_need_asgi():
    rows = web_rows({'results': []})
    assert len(rows) == 1 and 'needs --asgi or --full' in rows[0]['verdict']


def test_the_hello_targets_are_ratios_of_user_cpu_and_rate():
    rows = {r['target']: r for r in web_rows(web_record())}
    cpu = rows['50 conns, keep-alive: server user CPU per request, pyuvnet-asgi / '
               'fastpysgi-asgi ≤ 0.5×']
    assert cpu['ratio'] == pytest.approx(0.4) and cpu['met']
    rate = rows['50 conns, keep-alive: req/s, pyuvnet-asgi / fastpysgi-asgi ≥ 1.3×']
    assert rate['ratio'] == pytest.approx(20000 / 14000) and rate['met']
    wsgi = rows['500 conns, keep-alive: server user CPU per request, pyuvnet-wsgi / '
                'fastpysgi-wsgi ≤ 0.9×']
    assert wsgi['ratio'] == pytest.approx(1.0) and wsgi['verdict'] == 'missed by 11%'
    # granian and uvicorn did not run in this record: rows that say so.
    granian = rows['50 conns, keep-alive, POST 64 KiB upload: server user CPU per request, '
                   'pyuvnet-asgi / granian-asgi ≤ 0.5×']
    assert granian['verdict'].startswith('no figure: granian-asgi did not run')


def test_the_fastapi_share_subtracts_fastapis_own_cost_from_both_servers():
    share, = [r for r in web_rows(web_record()) if r['target'].startswith('FastAPI')]
    assert share['ratio'] == pytest.approx(10 / 40) and share['met']
    assert 'FastAPI in process 60.00 µs (60.0–60.0) in the same rounds' in share['measured']
    share, = [r for r in web_rows(web_record(with_cost=False)) if r['target'].startswith('FastAPI')]
    assert share['verdict'] == 'no figure: not run (needs --asgi or --full)'


# -- RESULTS.md's web section ---------------------------------------------

def web_run_record():
    """A saved run's record as markdown.render_web reads it."""
    return {**web_record(), 'date': '2026-11-26 15:00:00 +0000', 'host': 'vm', 'cpu': 'cpu',
            'cpus': 2, 'kernel': '6', 'pinning': 'pinned',
            'settings': {'repeats': 3, 'seconds': 3, 'warmup': 0.75}, 'elapsed_s': 10}


def test_the_web_tables_give_user_cpu_against_the_pyuvnet_server_of_the_same_interface():
    from runner import markdown
    text = markdown.render_web(web_run_record())
    hello = text.split('**tcp HTTP hello (wrk) x 50 conns, keep-alive**')[1].split('**')[0]
    rows = {line.split(' | ')[0].strip('| '): line.split(' | ') for line in hello.splitlines()
            if line.startswith('| ') and not line.startswith('| system')}
    # fastpysgi's ASGI row against pyuvnet.asgi: 10 µs over 4 µs of user CPU.
    assert rows['fastpysgi-asgi'][4].startswith('10.0 ') and rows['fastpysgi-asgi'][5] == '2.50×'
    assert rows['fastpysgi-asgi'][2] == '0.70×'           # 14k req/s over 20k
    # fastpysgi's WSGI row against pyuvnet.wsgi: level.
    assert rows['fastpysgi-wsgi'][5] == '1.00×'
    assert 'FastAPI JSON endpoint' in text and 'uvicorn-asgi' in text


def test_run_py_writes_the_web_tables_between_their_own_markers(tmp_path):
    import json
    from runner import markdown
    from runner.__main__ import main
    run_file = tmp_path / 'run.json'
    run_file.write_text(json.dumps(web_run_record()))
    page = tmp_path / 'RESULTS.md'
    page.write_text(f'{markdown.BEGIN}\necho\n{markdown.END}\n## Web\n'
                    f'{markdown.WEB_BEGIN}\nold\n{markdown.WEB_END}\n')
    main(['--markdown', str(run_file), '--web', '--into', str(page)])
    written = page.read_text()
    assert 'echo' in written and 'old' not in written
    assert written.index(markdown.WEB_BEGIN) < written.index('fastpysgi-asgi')
    with pytest.raises(SystemExit):
        main(['--web'])
