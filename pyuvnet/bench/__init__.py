"""pyuvnet's comparative benchmark: ``python -m pyuvnet.bench --help``.

The sources it builds and runs (the C load generator, the bare-libuv echo
server, the echo servers of every compared system) live in the repository's
``bench/`` folder; this package is the runner. See docs/BENCHMARKS.md.
"""
