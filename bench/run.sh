#!/usr/bin/env bash
# Runs every benchmark program built in BUILD/bench (default build). Each one
# measures sipsnare against a baseline in the same run and prints ratios.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
for b in "$build"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
for s in bench/*.sh; do
    # bench_year.sh (a year of traffic, tens of GB) runs alone: make bench-year
    case $s in bench/run.sh|bench/bench_year.sh) continue;; esac
    [ -f "$s" ] || continue
    echo "== $(basename "$s" .sh)"
    SIPSNARE="$PWD/$build/sipsnare" BUILD="$build" bash "$s"
done
