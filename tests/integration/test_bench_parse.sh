#!/usr/bin/env bash
# test_bench_parse.sh - the parser benchmark's own checks. Before it times
# anything, bench/bench_parse verifies that sipsnare's lazy extraction,
# libosip2 and the ceiling each find the expected 13 fields in its four
# messages, and stops on the first wrong one; `bench_parse once` runs those
# checks and then the sipsnare and ceiling extraction loops. Here they run
# in the build under test (the sanitizer build under `make test`), so a
# benchmark that would time wrong answers, or read out of bounds, fails the
# tests instead of printing a ratio. No timing: the figures come from
# `make bench` (docs/PERFORMANCE.md).
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." # bench_parse reads tests/data/attack-tools
BENCH_PARSE=${BENCH_PARSE:-$(dirname "$SIPSNARE")/bench/bench_parse}

check "bench_parse is built ($BENCH_PARSE)" test -x "$BENCH_PARSE"
out=$("$BENCH_PARSE" once 2>&1)
rc=$?
check "sipsnare, libosip2 and the ceiling find every expected field (exit $rc)" test "$rc" -eq 0
check "and say nothing" test -z "$out"
[ -z "$out" ] || printf '%s\n' "$out" | head -20
