"""A server that holds every POST /noread request, as the HTTP/2 audit's
servers do (../shared/audits/h2/pyuv_h2_server.py and asgi_app.py: a
300 s timer each, the body never read), and reports the cyclic
collector's view of them, for bench/h2_held_streams.py.

    h2_held.py                  pyuvnet.http2's core API over h2c; prints its port
    pyuvnet serve h2_held:app --http2 ...      the same routes as an ASGI app

Routes: /noread is held (each 1,000th prints ``{"held": n}``); /gc
collects, then prints ``{"tracked": ..., "collect_ms": [...], "types":
{...}}`` (every object the collector tracks, and the thread CPU time of
five full collections) and answers; anything else answers ``hello``.
Each line goes to stdout, flushed.
"""
import asyncio
import collections
import gc
import json
import os
import time
import tracemalloc

HELD = [0]


def report():
    """What the collector tracks now, after a full collection, and what a
    full collection costs (thread CPU time: the machine's load aside)."""
    gc.collect()
    objects = gc.get_objects()
    types = collections.Counter(type(obj).__name__ for obj in objects)
    tracked = len(objects)
    del objects
    with open('/proc/self/statm') as statm:
        rss = int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None
    times = []
    for _ in range(5):
        start = time.thread_time()
        gc.collect()
        times.append(round((time.thread_time() - start) * 1000, 2))
    print(json.dumps({'tracked': tracked, 'collect_ms': sorted(times), 'types': dict(types),
                      'rss': rss, 'traced': traced}), flush=True)


def held():
    HELD[0] += 1
    if HELD[0] % 1000 == 0:
        print(json.dumps({'held': HELD[0]}), flush=True)


def on_stream(stream, headers, flags, raw=None):
    import pyuvnet as net

    stream.on('error', lambda err: None)
    path = headers.get(':path')
    if path == '/noread':
        def late():
            stream.respond({':status': 200})
            stream.end(b'late')
        net.setTimeout(late, 300000).unref()
        held()
        return
    if path == '/gc':
        report()
    stream.respond({':status': 200})
    stream.end(b'hello')


async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    if scope['path'] == '/noread':
        held()
        await asyncio.sleep(300)
    elif scope['path'] == '/gc':
        report()
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-length', b'5')]})
    await send({'type': 'http.response.body', 'body': b'hello'})


def main():
    import pyuvnet as net
    from pyuvnet import http2

    from common import HOST, announce

    # Node's unbounded default (a pyuvnet server's is 100 streams a
    # connection): the bench holds 11,000 on one.
    server = http2.createServer({'settings': {'maxConcurrentStreams': 2 ** 32 - 1}})
    server.on('stream', on_stream)
    server.on('sessionError', lambda err, session=None: None)
    server.listen(0, HOST, lambda: announce(server.address().port))
    net.run()


if __name__ == '__main__':
    main()
