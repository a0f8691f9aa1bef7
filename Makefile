# `make test` and `make bench` set up what they need on a Debian or Ubuntu
# machine (libuv's development files, a C compiler, Python's headers, a
# virtualenv with pyuvnet built in place by `pip install -e`) and then run.
# See docs/BUILDING.md.
#
#   make test   [PYTHON=python3] [PYTEST_ARGS=...] [TEST_JOBS=N]
#   make bench  [PYTHON=python3] [BENCH_ARGS=...]
#   make bench-check       the benchmark's timing self-checks (not in make test)
#   make develop           only the setup: pyuvnet built in place, test extras
#   make libuv-choice      which libuv the next build uses, and why
#   make libuv             libuv's pinned source into vendor/libuv (when the submodule is empty)
#   make sdist             the sdist, in dist/ (with libuv's source, fetched if needed)
#   make bundled-test      the CI check of the sdist and its wheels (libuv compiled in)
#   make clean

PYTHON ?= python3
PYTEST_ARGS ?=
BENCH_ARGS ?=
# pytest-xdist's workers for `make test`: one more than the cores, at most 8.
# Most of the suite waits (on sockets, children, timers), not on the CPU, so
# three workers on two cores halve the wall time; TEST_JOBS=0 runs the suite
# in one process.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); n=$$((n + 1)); [ $$n -gt 8 ] && n=8; echo $$n)

# Never a global interpreter: pyuvnet goes into the project's virtualenv,
# .venv (made with $(PYTHON)), unless $(PYTHON) already runs inside a
# virtualenv, which is then used as it is.
IN_VENV := $(shell $(PYTHON) -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null && echo yes)
ifeq ($(IN_VENV),yes)
PY := $(PYTHON)
VENV :=
else
PY := .venv/bin/python
VENV := .venv/bin/python
endif

# Which interpreter a python is: its version and its base installation (a
# virtualenv's is the interpreter it was made with).
PY_ID = -c 'import sys; print(sys.version.split()[0], sys.base_prefix)'
# PYTHON= given (on the command line or in the environment) while .venv was
# made with another interpreter: .venv is made again with the one asked
# for, and pyuvnet rebuilt for it. Without PYTHON=, .venv stays as it is.
ifneq ($(origin PYTHON),file)
ifneq ($(VENV),)
ASKED_ID := $(shell $(PYTHON) $(PY_ID) 2>/dev/null)
ifeq ($(ASKED_ID),)
$(error PYTHON=$(PYTHON) does not run here: give the path of an interpreter (PYTHON=/usr/bin/python3.12), or leave PYTHON= out to keep .venv as it is)
endif
VENV_STALE := $(shell [ -x .venv/bin/python ] && \
	[ "$$(.venv/bin/python $(PY_ID) 2>/dev/null)" != "$(ASKED_ID)" ] && echo yes)
endif
endif
# The interpreter pyuvnet is built for, part of the install key below:
# before .venv exists, the one it will be made with (else the first build's
# key would differ from the second's, and the second would build again).
BUILT_FOR := $(if $(VENV_STALE),$(ASKED_ID),$(shell { $(PY) $(PY_ID) || $(PYTHON) $(PY_ID); } 2>/dev/null))

# Which libuv pyuvnet is built against stays what the last build chose
# (build/libuv, 'system' or 'bundled') until PYUVNET_LIBUV= asks for
# another: `make sdist` fills vendor/libuv, which would otherwise turn the
# next build to the bundled libuv without a word. The first build lets
# setup.py choose (bundled when vendor/libuv holds libuv's source).
LIBUV_KEPT := $(shell cat build/libuv 2>/dev/null)
LIBUV := $(or $(PYUVNET_LIBUV),$(if $(PYUVNET_LIBUV_SOURCE),bundled),$(LIBUV_KEPT))
LIBUV_SAYS = $(if $(LIBUV),$(LIBUV) libuv$(if $(PYUVNET_LIBUV)$(PYUVNET_LIBUV_SOURCE),, (kept from the last build; PYUVNET_LIBUV=system or bundled switches)),the libuv setup.py chooses (docs/BUILDING.md))

# The editable install puts the tree itself on sys.path (a .pth path entry),
# so that mypy, pyright and IDEs find pyuvnet from any folder; setuptools'
# default mode is an import hook that only the interpreter follows.
EDITABLE := editable_mode=compat

# pip rebuilds the extensions on every editable install, so the install is
# redone only when a source or the libuv choice changes. The choice (the
# interpreter, the libuv, the install's mode) is kept in build/install-key,
# rewritten only when it differs. A build writes it again once it has
# recorded its libuv in build/libuv (a make of its own, which reads that
# choice as the next make will), so that `make docs` after the first
# `make test` finds the key unchanged and does not build again.
SOURCES := setup.py pyproject.toml $(shell find pyuvnet -name '*.pyx' -o -name '*.pxd' -o -name '*.h')
KEY := $(PY) $(BUILT_FOR) $(LIBUV) $(PYUVNET_LIBUV_SOURCE) $(EDITABLE) $(if $(LIBUV),,$(wildcard vendor/libuv/include/uv.h))

# The libuv the last build used, in setup.py's own words (its one
# "pyuvnet: using ..." line), said once before the tests or the benchmark.
SAY_BUILT_LIBUV = echo "make: pyuvnet is built against $$(sed -n 's/^ *pyuvnet: using //p' build/pip-install.log 2>/dev/null | head -n 1)"

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_ROOT_USER_ACTION := ignore

.PHONY: test bench bundled-test develop deps libuv sdist clean FORCE

test: build/.installed-test
	@$(SAY_BUILT_LIBUV)
	$(PY) -m pytest -q -n $(TEST_JOBS) $(PYTEST_ARGS)

bench: build/.installed-bench bench-deps
	@$(SAY_BUILT_LIBUV)
	@command -v node >/dev/null 2>&1 || echo "make: Node.js is not installed, so the benchmark leaves Node out (apt-get install nodejs, or https://nodejs.org)"
	$(PY) bench/run.py $(BENCH_ARGS)

# The Python web servers' cells alone (issue 43): pyuvnet.asgi and pyuvnet.wsgi
# against uvicorn, granian and fastpysgi, and FastAPI's own cost; some minutes.
WEB_SYSTEMS = pyuvnet-asgi,pyuvnet-wsgi,uvicorn,granian,fastpysgi
.PHONY: bench-asgi
bench-asgi:
	$(MAKE) bench BENCH_ARGS="--asgi --only $(WEB_SYSTEMS) $(BENCH_ARGS)"

# HTTP/2 (issue 60), loaded by h2load (apt: nghttp2-client) over h2c:
# pyuvnet.http2's core API against Node's http2 server, `pyuvnet serve`
# (ASGI and WSGI) against hypercorn and granian (the bench extras), and a
# 64 MiB download over HTTP/2 against HTTP/1.1; some minutes.
.PHONY: bench-h2
bench-h2: build/.installed-bench
	@command -v h2load >/dev/null 2>&1 || { echo "make: bench-h2 needs h2load (sudo apt-get install nghttp2-client)"; exit 1; }
	$(PY) bench/h2load_serve.py $(BENCH_ARGS)

# HTTP/2 under attack (issue 70): the floods and resource attacks of
# ../shared/audits/h2 (attacks.py, its honest client timing requests
# throughout, peak RSS of the server's processes) against pyuvnet.http2's
# server, `pyuvnet serve` over h2c and serve with --limit-concurrency 1000,
# and beside them Node 20 (when /usr/bin/node is there), hypercorn and
# granian (the bench extras), then its table; load-heavy, half an hour, not
# in CI. H2AUDIT_TARGETS names the servers; H2AUDIT_ARGS adds to
# attacks.py's arguments (--attacks NAME,..., --duration);
# docs/RELIABILITY.md has the figures.
H2AUDIT ?= ../shared/audits/h2
H2AUDIT_OUT ?= build/audit-h2
H2AUDIT_COMMA := ,
H2AUDIT_NODE = $(if $(wildcard /usr/bin/node),node$(H2AUDIT_COMMA))
H2AUDIT_TARGETS ?= $(H2AUDIT_NODE)pyuv,serve,serve_lc,hypercorn,granian
.PHONY: audit-h2
audit-h2: build/.installed-bench
	@test -f $(H2AUDIT)/attacks.py || { echo "make: audit-h2 needs the audits at $(H2AUDIT) (H2AUDIT=DIR)"; exit 1; }
	@mkdir -p $(H2AUDIT_OUT)
	H2AUDIT_OUT=$(abspath $(H2AUDIT_OUT)) $(PY) $(H2AUDIT)/attacks.py --targets $(H2AUDIT_TARGETS) \
		--out $(abspath $(H2AUDIT_OUT))/results.jsonl $(H2AUDIT_ARGS)
	$(PY) $(H2AUDIT)/summarize.py $(H2AUDIT_OUT)/results.jsonl

# The tools the asked run loads or counts with: wrk for the HTTP cells
# (the headline's and the default run's web servers, unless --no-headline
# and --no-web; --http, --full), h2load for the headline's HTTP/2 row,
# valgrind for --instructions; installed with apt-get when root, else named
# (the runner then marks those rows "missing" with the reason). TOOL=PACKAGE
# where apt's package is named otherwise.
BENCH_HEADLINE = $(if $(filter --no-headline --only --paired-echo --chart --markdown --latency,$(BENCH_ARGS)),,h2load=nghttp2-client)
BENCH_TOOLS = $(if $(filter --http --full --asgi,$(BENCH_ARGS))$(if $(filter --no-web,$(BENCH_ARGS)),,web)$(BENCH_HEADLINE),wrk) $(BENCH_HEADLINE) $(if $(filter --instructions,$(BENCH_ARGS)),valgrind)
.PHONY: bench-deps
bench-deps:
	@missing=""; \
	for tool in $(BENCH_TOOLS); do command -v $${tool%%=*} >/dev/null 2>&1 || missing="$$missing $${tool#*=}"; done; \
	$(call APT_INSTALL_MISSING,echo "make: this run uses$$missing: install it (sudo apt-get install$$missing)$(COMMA) or its rows read \"missing\"")

# A length-prefixed protocol read with read(4) then read(n) on 'readable'
# (issue 68): the server's CPU per 1 KiB message, pyuvnet against Node 20;
# about a minute, not in CI. BENCH_ARGS: --messages, --size, --repeats.
.PHONY: bench-length-prefixed
bench-length-prefixed: build/.installed-test
	$(PY) bench/length_prefixed.py $(BENCH_ARGS)

# pyuvnet_copy against glibc's memcpy, by page offset (bench/copy_aliasing.c).
.PHONY: bench-copy
bench-copy:
	@$(PY) -c "import os, sys; sys.path.insert(0, 'bench'); from pathlib import Path; \
		from runner import build; program = str(build.copy_aliasing(Path('pyuvnet/uv').resolve())); \
		os.execv(program, [program])"

# The benchmark harness's self-checks that assert timing or CPU shares
# (marked load_sensitive, left out of `make test`): alone, and the failed
# ones once more, since a loaded machine can fail one without a bug.
.PHONY: bench-check
bench-check: build/.installed-test
	$(PY) -m pytest -q --load-sensitive tests/bench $(PYTEST_ARGS) || { \
		echo "make: bench-check: the failed ones again (a loaded machine can fail a timing check)"; \
		$(PY) -m pytest -q --load-sensitive --last-failed tests/bench $(PYTEST_ARGS); }

bundled-test:
	bash .ci/run wheels

develop: build/.installed-test
	@$(SAY_BUILT_LIBUV)

.PHONY: libuv-choice
libuv-choice:
	@echo "make: pyuvnet is built against $(LIBUV_SAYS)"

libuv: | $(VENV)
	$(PY) tools/fetch_libuv.py

sdist: libuv
	$(PY) -m pip install -q build
	$(PY) -m build --sdist

build/install-key: FORCE
	@mkdir -p build
	@echo '$(KEY)' | cmp -s - $@ || echo '$(KEY)' >$@

# Quiet (the target that follows says which libuv was used); the whole log on failure.
build/.installed-test: build/install-key $(SOURCES) | deps $(VENV)
	@echo "make: building pyuvnet in place, some minutes the first time: pip install -e '.[test]' (log: build/pip-install.log)"
	@PYUVNET_LIBUV=$(LIBUV) $(PY) -m pip install -v -e '.[test]' --config-settings $(EDITABLE) \
		>build/pip-install.log 2>&1 \
		|| { cat build/pip-install.log; echo "make: pip install failed"; exit 1; }
	@grep -h '^ *pyuvnet: ' build/pip-install.log | grep -v '^ *pyuvnet: using ' | sed 's/^ *//' || true
	@# What was chosen, kept for the next builds (see LIBUV above), and the key with it.
	@if grep -q '^ *pyuvnet: using system libuv' build/pip-install.log; then echo system; \
		else echo bundled; fi >build/libuv
	@$(MAKE) --no-print-directory -s build/install-key
	@touch $@

# The benchmark's extras on top of that build, without building again:
# pip takes the installed pyuvnet as it is and adds what its 'bench' extra
# asks for, so `make bench` after `make test` compiles nothing.
build/.installed-bench: build/.installed-test
	@echo "make: installing the benchmark's peers: pip install 'pyuvnet[bench]' (pyuvnet stays as built)"
	@$(PY) -m pip install 'pyuvnet[bench]' >build/pip-install-bench.log 2>&1 \
		|| { cat build/pip-install-bench.log; echo "make: pip install failed"; exit 1; }
	@touch $@

$(VENV): $(if $(VENV_STALE),FORCE)
ifneq ($(VENV_STALE),)
	@echo "make: .venv was made with another Python; making it again with $(PYTHON) ($(ASKED_ID))"
	rm -rf .venv
endif
	$(PYTHON) -m venv .venv

# The end of a recipe that collected Debian package names in the shell
# variable $$missing: nothing to do, apt-get install them when root, or
# else run the shell command given (which says what to install).
COMMA := ,
define APT_INSTALL_MISSING
if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "make: apt-get install$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		$(1); \
	fi
endef

# What the build needs from the system, installed with apt-get when root.
# libuv's development files are needed unless libuv's source is at hand
# (vendor/libuv or PYUVNET_LIBUV_SOURCE), as setup.py chooses.
deps:
	@missing=""; \
	if [ "$$PYUVNET_LIBUV" = system ] || { [ "$$PYUVNET_LIBUV" != bundled ] && [ -z "$$PYUVNET_LIBUV_SOURCE" ] && [ ! -f vendor/libuv/include/uv.h ]; }; then \
		pkg-config --exists libuv 2>/dev/null || missing="$$missing libuv1-dev pkg-config"; \
	fi; \
	command -v cc >/dev/null 2>&1 || missing="$$missing gcc libc6-dev"; \
	pyver=$$($(PYTHON) -c 'import sys; print("python%d.%d" % sys.version_info[:2])'); \
	$(PYTHON) -c 'import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
		|| missing="$$missing $$pyver-dev"; \
	if [ -n "$(VENV)" ] && [ ! -x "$(VENV)" ]; then \
		$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing $$pyver-venv"; \
	fi; \
	$(call APT_INSTALL_MISSING,echo "make: missing$$missing: install them (sudo apt-get install$$missing; on macOS: brew install libuv pkg-config)"; \
		echo "make: or$(COMMA) instead of libuv's package$(COMMA) compile libuv in: make libuv")

clean:
	rm -rf build dist pyuvnet/*.so pyuvnet/*.pyd *.egg-info

# `make typecheck`: the stubs against the built extension (stubtest), the
# stubs' generated sections current (tools/gen_stubs.py), mypy --strict on
# the stubs and examples/ (the docs' snippets: tests/project/test_snippets.py).
# docs/typing.md says how to keep the stubs in step.
.PHONY: typecheck stubs
typecheck: build/.installed-test
	@$(PY) -c 'import mypy' 2>/dev/null || $(PY) -m pip install -q 'mypy>=1.18'
	$(PY) tools/gen_stubs.py --check
	$(PY) -m mypy.stubtest --mypy-config-file tools/mypy.ini --allowlist tools/stubtest-allowlist.txt pyuvnet
	$(PY) -m mypy --config-file tools/mypy.ini --strict pyuvnet/*.pyi pyuvnet/*/*.pyi pyuvnet/*/*/*.pyi examples

# `make stubs`: rewrite the stubs' generated sections (the snake_case twins
# from the twins() rows, the events' overloads) after a change to either.
stubs: build/.installed-test
	$(PY) tools/gen_stubs.py

# `make docs`: the documentation site, Sphinx with warnings as errors, in
# build/docs/html (docs/index.md says why Sphinx).
.PHONY: docs
docs: build/.installed-test
	@$(PY) -c 'import sphinx, furo, myst_parser' 2>/dev/null || $(PY) -m pip install -q 'sphinx>=7' furo myst-parser
	@# The doctrees (Sphinx's cache, which records the build's paths) stay
	@# out of the site: check_docs.py fails a site that holds them.
	rm -rf build/docs/html/.doctrees
	$(PY) -m sphinx -W --keep-going -q -b html -d build/docs/doctrees docs build/docs/html
	$(PY) tools/check_docs.py build/docs/html
	@echo "make: the site is in build/docs/html/ (open build/docs/html/index.html)"


# -- reliability (issue 13; docs/RELIABILITY.md) ---------------------------
#   make stress     tests/stress, short mode (PYUVNET_STRESS=long for releases)
#   make asan       pyuvnet and libuv under ASan+UBSan (build/asan), the suite and short stress
#   make memcheck   valgrind on the lifetime tests (tests/sanitizers/valgrind-python.supp);
#                   less the one that streams for 20 s of wall clock, which valgrind's
#                   slowdown cannot meet
PYUVNET_STRESS ?= short
.PHONY: stress asan memcheck

# The stress run also fuzzes the API and the HTTP parser (alone and over sockets)
# longer: 100 draws per case (short), 2,000 (long);
# a long case takes minutes on a loaded machine, past the suite's 120 s per test.
FUZZ_EXAMPLES = $(if $(filter long,$(PYUVNET_STRESS)),2000,100)
STRESS_TIMEOUT = $(if $(filter long,$(PYUVNET_STRESS)),--timeout=3600,)

# STRESS_TESTS: what runs; CI's short run takes tests/stress alone, since
# its suite runs the fuzz files already (with 20 to 60 draws).
STRESS_TESTS ?= tests/stress tests/net/test_api_fuzz.py tests/http/test_http_parser_fuzz.py \
	tests/http/test_http_socket_fuzz.py

stress: build/.installed-test
	PYUVNET_STRESS=$(PYUVNET_STRESS) PYUVNET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(PY) -m pytest -q -p no:cacheprovider $(STRESS_TIMEOUT) $(STRESS_TESTS) $(PYTEST_ARGS)

asan: | deps
	PYTHON=$(PYTHON) bash tests/sanitizers/asan.sh $(PYTEST_ARGS)

memcheck: build/.installed-test
	@command -v valgrind >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends valgrind >/dev/null
	PYTHONMALLOC=malloc valgrind -q --error-exitcode=99 --suppressions=tests/sanitizers/valgrind-python.supp \
		--suppressions=/usr/lib/valgrind/python3.supp \
		$(PY) -m pytest -q -p no:cacheprovider -p no:faulthandler tests/net/tcp/test_tcp_lifetime.py \
		tests/net/tcp/test_tcp_unreferenced.py \
		--deselect tests/net/tcp/test_tcp_unreferenced.py::test_streaming_to_an_unreferenced_socket_with_gc_in_between \
		$(PYTEST_ARGS)
