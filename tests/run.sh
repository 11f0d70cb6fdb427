#!/usr/bin/env bash
# Runs every test of the project and ends with one line "N passed, N failed".
#   tests/run.sh BUILD_DIR...   unit tests and fuzz-corpus replays of each build
#                               dir, then the integration tests (tests/integration/*.sh)
#                               against the sensor of the last build dir given
#                               (the sanitizer build under `make test`).
# TESTS_ONLY=pattern runs only the unit/integration tests whose name matches.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
failed_names=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# Runs one test program; adds up its "N passed, N failed" line. A program
# that crashes or prints no summary counts as one failure.
run_one() {
    local name=$1; shift
    local out="$log/out" rc p f
    "$@" >"$out" 2>&1; rc=$?
    local summary
    summary=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "FAIL $name: no summary (exit $rc)"; tail -n 30 "$out" | sed 's/^/  /'
        failed=$((failed + 1)); failed_names+=("$name"); return
    fi
    p=$(sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$summary")
    f=$(sed -E 's/.*(^|: )([0-9]+) passed, ([0-9]+) failed.*/\3/' <<<"$summary")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $name ($summary, exit $rc)"; grep -v -E '^ok ' "$out" | tail -n 40 | sed 's/^/  /'
        failed_names+=("$name")
    else
        echo "ok   $name: $p passed"
    fi
}

match() { [ -z "${TESTS_ONLY:-}" ] || [[ $1 == *${TESTS_ONLY}* ]]; }

for build in "$@"; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        match "$(basename "$t")" || continue
        run_one "$build/$(basename "$t")" "$t"
    done
    for r in "$build"/fuzz/replay_*; do
        [ -x "$r" ] || continue
        n=${r##*/replay_}
        match "replay_$n" || continue
        run_one "$build/replay_$n" "$r" "fuzz/corpus/$n"
    done
done

last=${!#}
export SIPSNARE="${SIPSNARE:-$PWD/$last/sipsnare}"
for s in tests/integration/test_*.sh; do
    [ -f "$s" ] || continue
    match "$(basename "$s" .sh)" || continue
    run_one "integration/$(basename "$s" .sh)" bash "$s"
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
