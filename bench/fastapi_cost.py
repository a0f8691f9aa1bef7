"""``python bench/fastapi_cost.py``: the FastAPI JSON endpoint's own cost,
user CPU µs per request, with no server: hello_apps.py's ASGI app called
in this process, one request after another on uvloop (asyncio's loop
without it), with the scope a server gives for ``GET /json`` and
receive()/send() that only hand over and keep the messages.

A server's share of a FastAPI request (issue 43's target) is its user CPU
per request in the FastAPI cell minus this figure, measured in the same
seconds: this VM's CPU speed halves and doubles in phases, so the runner
keeps this script running as a worker (``--serve``) and gives it short
slices between the servers' (bench/runner/share.py).

    python bench/fastapi_cost.py [--rounds 3] [--requests 10000] [--json FILE]
    python bench/fastapi_cost.py --instructions     # callgrind's count instead
    python bench/fastapi_cost.py --serve            # the runner's worker

``--serve`` warms up once, prints ``ready``, then for each line of stdin
holding a number of seconds runs requests for that long (one at least)
and prints ``REQUESTS CPU_SECONDS``: its thread's CPU time over them; it
ends at the end of its input.

The clock is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, to the
nanosecond): the app makes no system call, so it is user time.
getrusage's user time is the run time split by the 4 ms tick, and came
out 3-10% below it (and below the sampled user clock) over slices of
25-100 ms.

``--instructions`` counts the same requests in instructions, as
bench/http_instructions.py counts a server's (``--path /json``): this
script run twice under callgrind, with 1000 and 3000 requests after the
same warm-up, the difference of the two totals over the 2000 requests.
"""
import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH / 'servers'))

from hello_apps import JSON_PATH, app, fastapi_app  # noqa: E402
from runner.instructions import callgrind_argv, callgrind_total, require_callgrind  # noqa: E402

WARMUP = 2000
HEADERS = [(b'host', b'127.0.0.1'), (b'user-agent', b'wrk'), (b'accept', b'*/*')]
REQUEST = {'type': 'http.request', 'body': b'', 'more_body': False}


def scope():
    return {'type': 'http', 'asgi': {'version': '3.0', 'spec_version': '2.3'},
            'http_version': '1.1', 'server': ('127.0.0.1', 8000),
            'client': ('127.0.0.1', 50000), 'scheme': 'http', 'root_path': '',
            'method': 'GET', 'path': JSON_PATH, 'raw_path': JSON_PATH.encode(),
            'query_string': b'', 'headers': list(HEADERS), 'state': {}}


def cpu_seconds():
    """This thread's CPU seconds so far (see the top)."""
    return time.thread_time()


async def batch(count, seconds=None):
    """(requests, CPU seconds) of ``count`` requests, or of as many
    as ``seconds`` of wall time take (one at least)."""
    sent = []

    async def receive():
        return REQUEST

    async def send(message):
        sent.append(message)

    deadline = None if seconds is None else time.monotonic() + seconds
    before, done = cpu_seconds(), 0
    while done < count:
        await app(scope(), receive, send)
        done += 1
        if len(sent) >= 64:
            sent.clear()
            if deadline is not None and time.monotonic() >= deadline:
                break  # every 32 requests: the clock read costs nothing per request
    return done, cpu_seconds() - before


async def requests(count):
    """User CPU µs per request over ``count`` requests."""
    done, cpu = await batch(count)
    return cpu * 1e6 / done


async def warm_up():
    """One request checked, then WARMUP more."""
    sent = []

    async def send(message):
        sent.append(message)
    await app(scope(), None, send)
    if sent[0].get('status') != 200 or b'Hello' not in sent[1].get('body', b''):
        raise SystemExit(f'fastapi_cost: unexpected answer {sent!r}')
    await batch(WARMUP)


async def measure(rounds, count):
    await warm_up()
    return [await requests(count) for _ in range(rounds)]


def serve(loop, commands=sys.stdin, out=sys.stdout):
    """The worker: each line of ``commands`` a number of seconds to run
    requests for; ``REQUESTS CPU_SECONDS`` printed for each."""
    loop.run_until_complete(warm_up())
    print('ready', file=out, flush=True)
    for line in commands:
        seconds = float(line)
        done, cpu = loop.run_until_complete(batch(sys.maxsize, seconds))
        print(f'{done} {cpu:.6f}', file=out, flush=True)


def instructions(small=1000, large=3000):
    """FastAPI's instructions per request in process: the totals of two
    runs of this script under callgrind (one round of ``small``, then of
    ``large`` requests, each after the same warm-up), their difference over
    ``large - small``."""
    require_callgrind()
    totals = []
    with tempfile.TemporaryDirectory(prefix='fastapi-instr-') as folder:
        for count in (small, large):
            out = Path(folder) / f'fastapi-{count}.out'
            argv = [sys.executable, str(Path(__file__).resolve()), '--rounds', '1',
                    '--requests', str(count)]
            subprocess.run(callgrind_argv(out, argv), check=True, capture_output=True)
            totals.append(callgrind_total(out))
    return (totals[1] - totals[0]) / (large - small)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--requests', type=int, default=10000)
    parser.add_argument('--json', type=Path, help='also write the figures here')
    parser.add_argument('--instructions', action='store_true',
                        help="callgrind's instructions per request instead (two runs)")
    parser.add_argument('--serve', action='store_true',
                        help='the runner\'s worker: a line of seconds in, "REQUESTS USER_S" out')
    args = parser.parse_args()
    if fastapi_app is None:
        raise SystemExit('fastapi_cost: FastAPI is not installed (pip install fastapi)')
    if args.instructions:
        print(f'FastAPI in process: {instructions():,.0f} instructions per request '
              '(callgrind, 3000 requests less 1000)')
        return
    try:
        import uvloop
        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    if args.serve:
        serve(loop)
        loop.close()
        return
    rounds = loop.run_until_complete(measure(args.rounds, args.requests))
    loop.close()
    print(f'FastAPI in process: {statistics.median(rounds):.1f} µs user CPU per request '
          f'({min(rounds):.1f}–{max(rounds):.1f}, {len(rounds)} rounds of {args.requests})')
    if args.json:
        args.json.write_text(json.dumps({'rounds': rounds, 'requests': args.requests,
                                         'loop': type(loop).__module__.split('.')[0]}))


if __name__ == '__main__':
    main()
