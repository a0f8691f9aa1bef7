"""pyuvnet's comparative benchmark runner: ``python bench/run.py --help``
(or ``make bench``).

It builds and runs the sources beside it in ``bench/``: the C load
generator, the bare-libuv echo server, and the echo servers of every
compared system. It is not part of the pyuvnet package. See
docs/BENCHMARKS.md.
"""
