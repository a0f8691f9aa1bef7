"""Issue 43's FastAPI share, measured in paired rounds (bench/runner/share.py):
the in-process worker's protocol (bench/fastapi_cost.py --serve), the
app's arithmetic, one real round against pyuvnet's ASGI server, and the
target row and table made from a recorded result (the slices' order:
test_bench_echo_pairs.py)."""
import asyncio
import io
import signal
import sys
from pathlib import Path

import pytest

from bench_support import ROOT, load_by_path, loadgen  # noqa: F401 (a fixture)
from runner import markdown, share, targets  # noqa: E402
from runner.isolate import state  # noqa: E402
from runner.procs import Server  # noqa: E402

needs_proc = pytest.mark.skipif(not Path('/proc/self/task').is_dir() or
                                not hasattr(signal, 'SIGSTOP'),
                                reason='needs Linux /proc and job-control signals')
# A stand-in worker: the protocol, with fixed figures and no FastAPI.
FAKE_WORKER = ('import sys\nprint("ready", flush=True)\n'
               'for line in sys.stdin:\n    print(7, float(line) / 10, flush=True)')


def test_the_apps_figure_is_its_time_over_its_requests_in_the_window():
    slices = [(1000, 0.1), (0, 0.0), (500, 0.1)]  # a slice with no request is left out
    figures = share.app_figures(slices, sampled_s=0.21)
    assert figures['app_us'] == pytest.approx(0.2e6 / 1500)     # its batches' clock
    assert figures['app_sampled_us'] == pytest.approx(140.0)    # 0.21 s / 1,500
    assert figures['app_slices_us'] == pytest.approx([100.0, 200.0])
    assert figures['app_step_max'] == pytest.approx(100 / 150)  # |100 - 200| over their mean
    assert share.app_figures(slices)['app_sampled_us'] is None
    assert share.app_figures([(0, 0.0)]) is None


def test_the_worker_answers_each_line_with_its_requests_and_user_time():
    pytest.importorskip('fastapi')
    cost = load_by_path('fastapi_cost', ROOT / 'bench' / 'fastapi_cost.py')
    out = io.StringIO()
    loop = asyncio.new_event_loop()
    try:
        cost.serve(loop, io.StringIO('0.05\n0.01\n'), out)
    finally:
        loop.close()
    ready, *answers = out.getvalue().splitlines()
    assert ready == 'ready' and len(answers) == 2
    for answer in answers:
        requests, user = answer.split()
        assert int(requests) >= 1 and 0 < float(user) < 1
    # 0.05 s of requests takes more of them than 0.01 s does.
    assert int(answers[0].split()[0]) > int(answers[1].split()[0])


def test_the_cost_worker_client_runs_slices_and_reaps_the_worker():
    worker = share.CostWorker(None, None, argv=[sys.executable, '-c', FAKE_WORKER])
    try:
        assert worker.run(0.5) == (7, 0.05)
        assert worker.run(0.2) == (7, 0.02)
    finally:
        worker.close()
    assert worker.proc.returncode == 0


@pytest.mark.parametrize('script, message', [
    ('import sys\nsys.stderr.write("no fastapi here\\n")\nsys.exit(3)',
     'exited with status 3: no fastapi here'),
    ('print("warming", flush=True)', "printed 'warming', not ready"),
], ids=['dies', 'not-ready'])
def test_a_worker_that_does_not_start_says_why(script, message):
    with pytest.raises(share.WorkerFailed, match=message):
        share.CostWorker(None, None, ready_seconds=10, argv=[sys.executable, '-c', script])


def test_a_worker_that_stops_answering_fails_the_slice():
    worker = share.CostWorker(None, None, argv=[sys.executable, '-c',
                                                'print("ready", flush=True)\ninput()'])
    try:
        with pytest.raises(share.WorkerFailed, match='exited with status 0'):
            worker.run(0.01)
    finally:
        worker.close()


@pytest.mark.load_sensitive
@needs_proc
def test_a_round_measures_the_server_and_the_app_in_the_same_window(loadgen):  # noqa: F811
    """pyuvnet's ASGI server and the worker, alternating in 50 ms slices:
    both have a figure from the window, and the server is stopped again
    once the round is over."""
    pytest.importorskip('fastapi')
    server = Server([sys.executable, str(ROOT / 'bench' / 'servers' / 'pyuvnet_asgi_hello.py')],
                    None)
    worker = share.CostWorker(None, None)
    try:
        server.proc.send_signal(signal.SIGSTOP)
        figures = share.one_round({'pyuvnet-asgi': server}, worker, loadgen, None,
                                  slice_s=0.05, server_s=0.2)
        assert state(server.pid) in ('T', 't')
    finally:
        worker.close()
        server.stop()
    mine = figures['servers']['pyuvnet-asgi']
    assert 'error' not in mine, mine
    assert mine['requests'] > 0 and mine['rps'] > 0
    # The server's user CPU per request is sampled (wrk's figures' clock),
    # so is the app's; both are some µs at least.
    assert mine['user_us'] is None or mine['user_us'] > 1
    assert figures['app_us'] > 1 and figures['app_requests'] > 0
    # The window (0.4 s) holds a few of the app's 50 ms slices (fewer when a
    # loaded machine stretches the cycles), not the warm-up's.
    assert 1 <= len(figures['app_slices_us']) <= 6


# -- the row and the table, from a recorded result -----------------------

def shares_record(pairs, app=100.0):
    """A record whose rounds give pyuvnet-asgi and uvicorn-asgi these
    (share, share) pairs over FastAPI's ``app`` µs, the app's figure moving
    5% inside each round."""
    rounds = [{'servers': {'pyuvnet-asgi': {'user_us': app + mine, 'requests': 3000},
                           'uvicorn-asgi': {'user_us': app + theirs, 'requests': 2000}},
               'app_us': app, 'app_slices_us': [app, app * 1.05], 'app_step_max': 0.05}
              for mine, theirs in pairs]
    return {'results': [], 'scripts': {'fastapi_share': {
        'slice_s': 0.1, 'server_s': 0.5, 'conns': 50, 'rounds': rounds}}}


def share_row(record):
    return targets.fastapi_share_row(record)


def test_the_share_ratio_is_the_median_of_each_rounds_ratio():
    # Per round 0.1, 0.2, 0.5: median 0.2; the medians' ratio would be 10 / 40.
    row = share_row(shares_record([(5.0, 50.0), (10.0, 50.0), (20.0, 40.0)]))
    assert row['ratio'] == pytest.approx(0.2) and row['met']
    assert row['measured'].startswith('0.20× (0.10–0.50)')
    assert 'share pyuvnet-asgi 10.00 µs (5.0–20.0), uvicorn-asgi 50.00 µs (40.0–50.0)' \
        in row['measured']
    assert '3 rounds of 0.1 s slices, consecutive app slices apart by 5%' in row['measured']


def test_a_share_above_the_bound_is_missed_and_a_round_without_a_uvicorn_share_is_counted():
    row = share_row(shares_record([(20.0, 50.0), (30.0, 50.0), (5.0, -2.0), (25.0, 50.0)]))
    assert row['ratio'] == pytest.approx(0.5) and row['verdict'] == 'missed by 67%'
    assert "1 rounds with uvicorn's share ≤ 0 left out" in row['measured']


def test_records_without_paired_rounds_give_no_figure():
    old = {'results': [], 'scripts': {'fastapi_cost': {'rounds': [90.0, 140.0]}}}
    assert "only fastapi_cost.py's rounds" in share_row(old)['verdict']
    assert share_row({'results': []})['verdict'] == 'no figure: not run (needs --asgi or --full)'
    failed = {'results': [], 'scripts': {'fastapi_share': {'failed': 'the FastAPI worker died'}}}
    assert share_row(failed)['verdict'] == 'no figure: the FastAPI worker died'


def test_the_web_page_tables_each_servers_share():
    text = '\n'.join(markdown.share_table(shares_record([(5.0, 50.0), (10.0, 50.0)])))
    assert '2 rounds, each server and FastAPI in process interleaved in 0.1 s slices' in text
    lines = [line.strip('| ').split(' | ') for line in text.splitlines()[4:] if line]
    rows = {cells[0]: [cell.strip() for cell in cells[1:]] for cells in lines}
    assert rows['pyuvnet-asgi'] == ['108 (105–110)', '7.5 (5.0–10.0)', '1.00× (1.00–1.00)']
    # pyuvnet's share over uvicorn's, per round: 5 / 50 and 10 / 50.
    assert rows['uvicorn-asgi'] == ['150 (150–150)', '50.0 (50.0–50.0)', '0.15× (0.10–0.20)']
