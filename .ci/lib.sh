# Sourced by .ci/run: its messages, the pytest summaries it totals, and
# the scheduler of the lanes that run alongside its main line. Expects
# WORK (the run's scratch folder) and START (its $SECONDS at the start).

# Each section closes with its CPU time (user + system of what it ran) and
# its wall time: on a loaded machine the CPU is the fair measure, and CI's
# two cores bound the wall time by half the total CPU. Read from /proc
# (the children this shell, or this lane's, has waited for), not from
# `times`, which $(...) would run in a subshell without children.
CLK_TCK=$(getconf CLK_TCK)
# A lane's CPU joins the main line's children's when bash reaps the lane,
# whichever section is open then: each lane leaves its total in
# lane-NAME.ticks as it ends, and the main line takes those out of its own.
cpu_now() {
    local f ticks=0 lane
    read -r -a f <"/proc/$BASHPID/stat"
    if [ "$BASHPID" = "$$" ]; then
        for lane in "$WORK"/lane-*.ticks; do
            [ -e "$lane" ] && ticks=$((ticks + $(<"$lane")))
        done
    fi
    CPU_NOW=$(( (f[15] + f[16] - ticks) / CLK_TCK ))
}
# A lane's own CPU and its children's, in clock ticks.
lane_ticks() { local f; read -r -a f <"/proc/$BASHPID/stat"; echo $((f[13] + f[14] + f[15] + f[16])); }
SECTION=
section_close() {
    [ -n "$SECTION" ] || return 0
    cpu_now
    printf -- '-------- %s: %d s of CPU in %d s\n' "$SECTION" $((CPU_NOW - SECTION_CPU)) $((SECONDS - SECTION_START))
    SECTION=
}
section() {
    section_close
    printf '\n======== %s (%ds) ========\n' "$*" $((SECONDS - START))
    cpu_now
    SECTION=$* SECTION_CPU=$CPU_NOW SECTION_START=$SECONDS
}
die() { echo ".ci/run: FAIL: $*" >&2; exit 1; }
note() { echo ".ci/run: $*"; }

# Every pytest run's closing line goes to $WORK/summaries (lanes included);
# the total is counted from it at the end.
# run_pytest LOG COMMAND...: runs the command (which runs pytest -q, once or
# more), shows its output, and keeps the closing line of every run.
run_pytest() {
    local log=$1 rc=0 lines
    shift
    "$@" 2>&1 | tee "$log" || rc=$?
    lines=$(summary_lines "$log") || exit 1
    echo "$lines" >>"$WORK/summaries"
    [ "$rc" = 0 ] || die "tests failed: $(tail -1 <<<"$lines")"
}

# summary_lines LOG: the closing lines of the pytest runs in LOG (there
# must be one).
summary_lines() {
    local lines
    lines=$(grep -E '^[0-9]+ (passed|failed)|^=* ?[0-9]+ (passed|failed)' "$1" || true)
    [ -n "$lines" ] || die "no pytest summary line in $1"
    echo "$lines"
}

# run_suite LOG COMMAND...: a whole suite (make test, make asan), whose
# failed tests, if any, run once more alone (the command with
# PYTEST_ARGS=--last-failed added and one process), where a test that
# failed only because the machine was loaded (two lanes on two cores,
# several test processes) passes. Every test retried is named, and one
# that fails again fails CI; so does any sanitizer report, never retried.
# Of the first run, the passed tests are counted; of the retry, all.
run_suite() {
    local log=$1 rc=0 lines
    shift
    "$@" 2>&1 | tee "$log" || rc=$?
    lines=$(summary_lines "$log") || exit 1
    if [ "$rc" = 0 ]; then
        echo "$lines" >>"$WORK/summaries"
        return
    fi
    ! grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$log" ||
        die "a sanitizer reported an error (above): not retried"
    grep -oE '[0-9]+ passed' <<<"$(tail -1 <<<"$lines")" >>"$WORK/summaries" || true
    note "RETRY: $(grep -cE '^(FAILED|ERROR) ' "$log") tests failed in the whole run; each runs again alone:"
    grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /'
    run_pytest "${log%.log}-retry.log" "$@" TEST_JOBS=0 PYUVNET_ASAN_JOBS=0 \
        PYTEST_ARGS="--last-failed --last-failed-no-failures none"
}

# total WORD: the sum of "N WORD" over every closing line kept.
total() {
    grep -oE "[0-9]+ $1" "$WORK/summaries" 2>/dev/null | awk '{n += $1} END {print n + 0}'
}

# alongside NAME FUNCTION: runs the function in the background, its output
# kept in $WORK/lane-NAME.log until join NAME shows it.
declare -A LANE_PID
alongside() {
    note "$1 runs alongside from here (${SECONDS}s)"
    set -m      # a background job under job control leads its own process group
    ( SECTION=; "$2"; section_close; lane_ticks >"$WORK/lane-$1.ticks" ) >"$WORK/lane-$1.log" 2>&1 &
    set +m
    LANE_PID[$1]=$!
    LANES+=($!)
}

# join NAME: waits for that lane, shows what it printed, fails if it failed.
join() {
    local rc=0
    # The lane's CPU, once waited for, is this shell's too: the lane's own
    # log gives it section by section, so the section now open is closed
    # before, and the next opened after.
    section_close
    wait "${LANE_PID[$1]}" || rc=$?
    section "$1 (ran alongside; its output follows)"
    SECTION=
    cat "$WORK/lane-$1.log"
    [ "$rc" = 0 ] || die "$1 failed (above)"
}

LANES=()            # the process groups of the lanes running alongside
# Each lane is a process group, so that a failure ends its pytest and
# compilers too, not only the lane's shell. (A lane that already ended
# cannot be killed: that is no failure.)
end_lanes() { local pgid; for pgid in "${LANES[@]}"; do kill -- "-$pgid" 2>/dev/null || true; done; }

# wait_for NAME: until $WORK/NAME exists (a step of another lane is done;
# a lane that fails ends CI, and this wait with it).
wait_for() {
    while [ ! -e "$WORK/$1" ]; do sleep 1; done
}

# wait_for_step NAME LANE: until LANE has made $WORK/NAME; if the lane ends
# without it, it failed: its output is shown and CI fails.
wait_for_step() {
    while [ ! -e "$WORK/$1" ]; do
        if ! kill -0 "${LANE_PID[$2]}" 2>/dev/null; then
            [ -e "$WORK/$1" ] && return
            join "$2"
            die "$2 ended before $1"
        fi
        sleep 1
    done
}
