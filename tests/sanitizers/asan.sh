#!/usr/bin/env bash
# `make asan`: pyuvnet and libuv compiled with -fsanitize=address,undefined,
# in a copy of the tree with its own virtualenv (build/asan/), so the normal
# in-place build is left alone; then the test suite and the short stress
# mode run under the sanitizers. Any report fails the run.
#
# libuv's source: PYUVNET_LIBUV_SOURCE, else vendor/libuv when checked out,
# else the copy that uvloop's sdist carries (fetched once with pip).
#
# Usage: tests/sanitizers/asan.sh [pytest arguments for the suite run]
# PYUVNET_ASAN_STRESS=no leaves the stress run out (CI's time budget).
# PYUVNET_ASAN_JOBS: the suite's pytest-xdist workers (as make test's
# TEST_JOBS: one more than the cores, at most 8; 0 runs one process).
# PYUVNET_ASAN_STAGE=build only builds; =test only tests the last build
# (CI builds while other work runs, and tests later).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=${PYTHON:-python3}
OUT=$ROOT/build/asan
UVLOOP_SDIST=uvloop==0.23.0
mkdir -p "$OUT"

stage=${PYUVNET_ASAN_STAGE:-all}
case $stage in all|build|test) ;; *) echo "asan: PYUVNET_ASAN_STAGE is build, test or all, not $stage"; exit 2 ;; esac
tree=$OUT/tree
py=$OUT/venv/bin/python

if [ "$stage" != test ]; then
    if [ -n "${PYUVNET_LIBUV_SOURCE:-}" ]; then
        src=$PYUVNET_LIBUV_SOURCE
    elif [ -f "$ROOT/vendor/libuv/include/uv.h" ]; then
        src=$ROOT/vendor/libuv
    else
        src=$(ls -d "$OUT"/uvloop-*/vendor/libuv 2>/dev/null | head -n1 || true)
        if [ -z "$src" ]; then
            # --no-binary for uvloop only: its build requirements stay wheels.
            "$PYTHON" -m pip download -q --no-deps --no-binary uvloop "$UVLOOP_SDIST" -d "$OUT"
            tar -C "$OUT" -xzf "$OUT"/uvloop-*.tar.gz
            src=$(ls -d "$OUT"/uvloop-*/vendor/libuv | head -n1)
        fi
    fi
    echo "asan: libuv source $src"

    # The tree as it is, less build products and the in-place modules.
    rm -rf "$tree"
    mkdir -p "$tree"
    tar -C "$ROOT" -cf - --exclude=./.git --exclude=./build --exclude=./.venv \
        --exclude='*.so' --exclude='*.egg-info' --exclude=__pycache__ --exclude=.pytest_cache . |
        tar -C "$tree" -xf -
    # The C Cython generated in the checkout, which it regenerates only where
    # a source is newer: after `make develop` (and in CI) no cythonizing here.
    if [ -d "$ROOT/build/cython" ]; then
        mkdir -p "$tree/build"
        cp -a "$ROOT/build/cython" "$tree/build/"
    fi

    # A virtualenv of another Python (an earlier run's PYTHON) is made anew.
    if ! [ -x "$py" ] || [ "$("$py" -c 'import sys; print(sys.version)')" != \
            "$("$PYTHON" -c 'import sys; print(sys.version)')" ]; then
        rm -rf "$OUT/venv"
        "$PYTHON" -m venv "$OUT/venv"
    fi
    # The tree is installed as make develop installs it (a path entry, which
    # type checkers follow: tests/project/test_typing_outside_the_tree.py).
    # -O1: what ASan's authors suggest, and a quarter less compiling than -O2.
    # -g1: the line tables only, which is all a report's frames need (file,
    # line and inlined callers, as with -g); some 70 s less compiling in CI.
    flags="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g1"
    echo "asan: building with $flags (log: build/asan/pip-install.log)"
    (cd "$tree" && CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
        PYUVNET_LIBUV=bundled PYUVNET_LIBUV_SOURCE=$src \
        "$py" -m pip install -v -e '.[test]' --config-settings editable_mode=compat \
        >"$OUT/pip-install.log" 2>&1) \
        || { tail -n 50 "$OUT/pip-install.log"; echo "asan: build failed"; exit 1; }
fi
so=$(ls "$tree"/pyuvnet/_uv.*.so)
grep -q __asan_report < <(nm -D "$so") || { echo "asan: $so is not instrumented"; exit 1; }
[ "$stage" != build ] || exit 0

# libasan must come first in the process; CPython itself is not built with
# it, so its own allocations at exit are not leaks of ours (detect_leaks=0).
# PYTHONMALLOC=malloc puts Python objects on ASan's heap too, so a freed
# object that libuv still points at is caught.
export LD_PRELOAD=$(gcc -print-file-name=libasan.so)
# A report must reach the log: a test's stderr is pytest's capture file,
# lost with the process the report ends, which leaves only "a worker
# crashed" (or nothing at all). ASan's reports go to files of their own
# (log_path), shown at the end; UBSan's runtime (gcc's libubsan, a runtime
# apart) does not take log_path, so the suite runs with --capture=sys, and
# what C writes to fd 2 goes to the log as it happens.
reports=$OUT/reports
rm -rf "$reports"
mkdir -p "$reports"
# handle_segv=0: a child the tests crash on purpose dies of its own SIGSEGV
# (ASan would turn it into SIGABRT); memory errors are found by ASan's own
# checks, not by its SEGV handler.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_init_order=1:handle_segv=0:log_path=$reports/asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export PYTHONMALLOC=malloc
# The sanitizers run the suite several times slower (TLS handshakes most):
# run_loop's hang guard is stretched to match (tests/conftest.py).
export PYUVNET_TEST_SLOWDOWN=4
cd "$tree"
echo "asan: the test suite"
# Three tests bound by wall-clock order (a timer's start; two writes
# arriving as two reads; an attempt timing out before the next wins) that
# the sanitizers' slowdown upsets on a loaded machine.
status=0
jobs=${PYUVNET_ASAN_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); n=$((n + 1)); [ $n -gt 8 ] && n=8; echo $n)}
# The workers start together, and each would rewrite every test module's
# asserts itself (some 30 s of CPU apiece under the sanitizers): one
# collection first writes that bytecode once for all, where bytecode is
# written (not under PYTHONDONTWRITEBYTECODE).
if [ "$jobs" != 0 ] && [ -z "${PYTHONDONTWRITEBYTECODE:-}" ]; then
    "$py" -m pytest -q --collect-only -p no:cacheprovider "$@" >/dev/null || true
fi
# (pytest's cache is on: a retry runs the failed ones with --last-failed.)
"$py" -m pytest -q --capture=sys -n "$jobs" \
    --deselect 'tests/loop/test_aio_bridge.py::test_timers_count_from_when_they_are_set' \
    --deselect tests/net/tcp/test_tcp_read.py::test_once_data_listener_is_called_once \
    --deselect tests/net/autoselectfamily/test_autoselectfamily_timeouts.py::test_a_timed_out_attempt_is_closed_when_the_next_one_wins \
    "$@" || status=$?
if [ "${PYUVNET_ASAN_STRESS:-yes}" != no ]; then
    echo "asan: the stress tests, short mode"
    PYUVNET_STRESS=short "$py" -m pytest -q -p no:cacheprovider --capture=sys tests/stress || status=$?
fi
for report in "$reports"/*; do
    [ -e "$report" ] || break
    echo "asan: a report, $report:"
    cat "$report"
    status=1
done
exit $status
