"""Results: each (scenario, system) cell's runs, medians and ratios."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field

from .scenarios import Scenario
from .systems import REFERENCES, echo_name

# Reported next to the figure when present: latency percentiles, and the
# server's user+system CPU microseconds per operation.
DETAILS = {'p50_us': 'p50 us', 'p99_us': 'p99 us', 'cpu_us': 'CPU us/op'}


@dataclass
class Cell:
    runs: list = field(default_factory=list)
    error: str | None = None    # a failed run: the cell shows no figure
    missing: str | None = None  # the system could not run at all

    @property
    def status(self):
        return 'missing' if self.missing else 'error' if self.error else 'ok'

    @property
    def reason(self):
        return self.missing or self.error

    def values(self, key):
        """The runs' figures for key; none unless every run went well."""
        return [run[key] for run in self.runs if run.get(key) is not None] \
            if self.status == 'ok' else []

    def median(self, key):
        values = self.values(key)
        return statistics.median(values) if values else None


class Results:
    def __init__(self):
        self.cells = {}         # (Scenario, system name) -> Cell, in run order
        self.instructions = {}  # system name -> dict, or an error message
        # system name -> its idle CPU share (of a core) each time it started
        # (isolate.idle_share): a server spinning while idle shows here
        self.idle_cpu = {}

    def cell(self, scenario, system):
        return self.cells.setdefault((scenario, system), Cell())

    def add(self, scenario, system, run):
        self.cell(scenario, system).runs.append(run)

    def fail(self, scenario, system, message):
        cell = self.cell(scenario, system)
        cell.error = cell.error or message  # the first failure says most

    def idle(self, system, share):
        self.idle_cpu.setdefault(system, []).append(share)

    def idle_share(self, system):
        """The median of ``system``'s idle CPU shares, or None."""
        shares = self.idle_cpu.get(system)
        return statistics.median(shares) if shares else None

    def missing(self, scenario, system, reason):
        self.cell(scenario, system).missing = reason

    def scenarios(self):
        return list(dict.fromkeys(scenario for scenario, _ in self.cells))

    def systems(self, scenario):
        return [system for s, system in self.cells if s == scenario]

    def value(self, scenario, system):
        cell = self.cells.get((scenario, system))
        return cell.median(scenario.metric) if cell else None

    def ratios(self, scenario, system):
        """{reference: this system's figure / the reference's}, None where unknown."""
        mine = self.value(scenario, system)
        out = {}
        for ref in REFERENCES[scenario.family]:
            theirs = self.value(scenario, ref)
            out[ref] = mine / theirs if mine is not None and theirs else None
        return out

    @classmethod
    def from_json(cls, record):
        """The Results a saved record (see to_json) was made from."""
        results = cls()
        for row in record['results']:
            cell = results.cell(Scenario(**row['scenario']), echo_name(record, row['system']))
            cell.runs = row['runs']
            if row['status'] == 'missing':
                cell.missing = row['reason']
            elif row['status'] == 'error':
                cell.error = row['reason']
        results.instructions = {echo_name(record, name): entry for name, entry
                                in (record.get('instructions') or {}).items()}
        results.idle_cpu = {echo_name(record, name): shares for name, shares
                            in (record.get('idle_cpu') or {}).items()}
        return results

    def to_json(self):
        rows = []
        for (scenario, system), cell in self.cells.items():
            rows.append({
                'scenario': asdict(scenario), 'title': scenario.title, 'system': system,
                'metric': scenario.metric, 'unit': scenario.unit,
                'status': cell.status, 'reason': cell.reason,
                'median': {key: cell.median(key) for key in (scenario.metric, *DETAILS)},
                'vs': self.ratios(scenario, system), 'runs': cell.runs,
            })
        return {'results': rows, 'instructions': self.instructions, 'idle_cpu': self.idle_cpu}
