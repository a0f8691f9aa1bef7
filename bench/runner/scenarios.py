"""What is measured: the matrix of load shapes."""
from __future__ import annotations

from dataclasses import dataclass

# mode -> (the figure in the load generator's JSON, its unit)
METRICS = {
    'pingpong': ('rps', 'req/s'),
    'stream': ('mib_s', 'MiB/s'),
    'connrate': ('conn_s', 'conn/s'),
    'idle': ('kib_per_conn', 'KiB/conn'),
    'http': ('rps', 'req/s'),
    'ws': ('rps', 'msg/s'),  # the headline's WebSocket echo (headline.py)
}


def size_text(size):
    return f'{size // 1024} KiB' if size >= 1024 and size % 1024 == 0 else f'{size} B'


# The pipelined variant: requests per write (loadgen --mode http --pipeline).
PIPELINE_DEPTH = 16
# The upload variant: each request a POST of this many bytes (bench/wrk_post.lua).
POST_SIZE = 64 * 1024
HTTP_VARIANTS = {
    '': 'keep-alive',
    'pipeline': f'keep-alive, pipelined x{PIPELINE_DEPTH}',
    'close': 'Connection: close',
    'post': f'keep-alive, POST {size_text(POST_SIZE)} upload',
    'fastapi': 'keep-alive, FastAPI JSON endpoint',
}
# The path each variant requests (bench/servers/hello_apps.py's routes).
HTTP_PATHS = {'fastapi': '/json'}
# The concurrency matrix (--full): each point's server CPU per operation.
MATRIX_CONNS = {'pingpong': (1, 10, 100, 1_000, 10_000), 'connrate': (10, 100, 1_000)}


@dataclass(frozen=True)
class Scenario:
    mode: str
    transport: str = 'tcp'
    size: int = 1
    conns: int = 10
    variant: str = ''  # HTTP: a key of HTTP_VARIANTS; 'proxy': through a proxy

    @property
    def metric(self):
        return METRICS[self.mode][0]

    @property
    def unit(self):
        return METRICS[self.mode][1]

    @property
    def lower_is_better(self):
        return self.mode == 'idle'

    @property
    def family(self):
        if self.variant == 'proxy':
            return 'proxy'
        return 'http' if self.mode == 'http' else 'echo'

    @property
    def title(self):
        conns = f'{self.conns:,}'
        if self.variant == 'proxy':
            return 'proxy: ' + Scenario(self.mode, self.transport, self.size, self.conns).title
        return {
            'pingpong': f'{self.transport} pingpong {size_text(self.size)} x {conns} conns',
            'stream': f'{self.transport} stream {size_text(self.size)} writes x {conns} conns',
            'connrate': f'{self.transport} connect+echo+close x {conns} slots',
            'idle': f'{self.transport} memory per idle connection, {conns} conns',
            'http': f'{self.transport} HTTP hello ({self.client}) x {conns} conns, '
                    f'{HTTP_VARIANTS[self.variant]}',
        }[self.mode]

    @property
    def least_times(self):
        """(warm-up, measured) seconds this shape needs at the least,
        whatever --seconds says: 1 s each per 10,000 connections, as the
        first round of 10,000 requests alone takes a good part of a second;
        and for 1,000 connecting slots 1 s and 2 s, as they overflow the
        511-connection accept backlog and refused SYNs come back only after
        the kernel's 1 s retransmit timeout."""
        if self.mode == 'connrate' and self.conns >= 1000:
            return 1.0, 2.0
        share = self.conns / 10_000
        return share, share

    @property
    def client(self):
        """What loads an HTTP cell: wrk, except the pipelined one, which
        bench/loadgen.c's http mode loads: it records every request's
        latency, where wrk records one per batch and prints a pipelined
        p99 of 0 when its coordinated-omission correction loses it."""
        return 'loadgen' if self.variant == 'pipeline' else 'wrk'

    @property
    def operation(self):
        """What the server's CPU time is divided by, for the CPU column."""
        return {'pingpong': 'round trip', 'stream': f'{size_text(self.size)} echoed',
                'connrate': 'connection', 'http': 'request'}.get(self.mode)


def echo_matrix(full, transports=('tcp', 'unix')):
    """The load shapes run against every echo server, per transport."""
    shapes = [Scenario('pingpong', size=1024, conns=10),
              Scenario('pingpong', size=64, conns=100),
              Scenario('stream', size=64 * 1024, conns=10),
              Scenario('connrate', conns=10)]
    if full:
        shapes += [Scenario('pingpong', size=16 * 1024, conns=10),
                   Scenario('pingpong', size=1024, conns=1),
                   Scenario('pingpong', size=1024, conns=1000)]
    return [Scenario(s.mode, t, s.size, s.conns) for t in transports for s in shapes]


def concurrency_matrix():
    """The --full matrix's points, TCP: ping-pong 1 KiB and connect rate at
    growing concurrency (some are rows of echo_matrix too)."""
    return [Scenario('pingpong', size=1024, conns=n) for n in MATRIX_CONNS['pingpong']] + \
        [Scenario('connrate', conns=n) for n in MATRIX_CONNS['connrate']]


def proxy_matrix():
    """The proxy rows (--full, TCP): load generator -> proxy -> the C echo
    server, small messages and a stream."""
    return [Scenario('pingpong', size=1024, conns=10, variant='proxy'),
            Scenario('stream', size=64 * 1024, conns=10, variant='proxy')]


def http_matrix(full):
    """The HTTP runs: 50 connections keep-alive; with --full also 500, and
    each pipelined, with Connection: close and as 64 KiB uploads."""
    if not full:
        return [HTTP]
    return [Scenario('http', conns=n, variant=v) for n in (50, 500) for v in HTTP_VARIANTS
            if v != 'fastapi']


def asgi_matrix():
    """The Python web servers' cells (--asgi, and --full): the hello at 50
    and 500 connections, the 64 KiB upload, and the FastAPI JSON endpoint
    (which only the ASGI servers serve)."""
    return [HTTP, Scenario('http', conns=500), Scenario('http', conns=50, variant='post'),
            Scenario('http', conns=50, variant='fastapi')]


def web_matrix():
    """The default run's Python web server cells: the hello and the FastAPI
    endpoint at 50 connections (asgi_matrix's first and last)."""
    return [HTTP, Scenario('http', conns=50, variant='fastapi')]


IDLE = Scenario('idle', 'tcp', conns=5000)
HTTP = Scenario('http', 'tcp', conns=50)
# The row that gets the instructions-per-message column.
INSTRUCTIONS = Scenario('pingpong', 'tcp', size=1024, conns=10)
