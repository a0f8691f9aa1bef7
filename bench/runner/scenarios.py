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
}


def size_text(size):
    return f'{size // 1024} KiB' if size >= 1024 and size % 1024 == 0 else f'{size} B'


@dataclass(frozen=True)
class Scenario:
    mode: str
    transport: str = 'tcp'
    size: int = 1
    conns: int = 10

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
        return 'http' if self.mode == 'http' else 'echo'

    @property
    def title(self):
        conns = f'{self.conns:,}'
        return {
            'pingpong': f'{self.transport} pingpong {size_text(self.size)} x {conns} conns',
            'stream': f'{self.transport} stream {size_text(self.size)} writes x {conns} conns',
            'connrate': f'{self.transport} connect+echo+close x {conns} slots',
            'idle': f'{self.transport} memory per idle connection, {conns} conns',
            'http': f'{self.transport} HTTP hello (wrk) x {conns} conns',
        }[self.mode]


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


IDLE = Scenario('idle', 'tcp', conns=5000)
HTTP = Scenario('http', 'tcp', conns=50)
# The row that gets the instructions-per-message column.
INSTRUCTIONS = Scenario('pingpong', 'tcp', size=1024, conns=10)
