#!/bin/sh
# gen-example-numbers.sh - writes tests/data/numbers/examples.tsv: every
# example number of libphonenumber (Debian libphonenumber-dev), one per
# region and type: "<region>\t<E.164 digits>\t<type>". The test
# tests/integration/test_number_perl.sh dials each of them in many ways.
# Example numbers are data of libphonenumber (Apache-2.0).
#   scripts/gen-example-numbers.sh [OUT]
set -eu
cd "$(dirname "$0")/.."
out=${1:-tests/data/numbers/examples.tsv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/gen.c" <<'C'
#include <stdio.h>
#include "enrich/phonenumber_adapter.h"
static void cb(const char *region, const char *digits, int type, void *arg)
{
    (void)arg;
    printf("%s\t%s\t%s\n", region, digits, pn_type_name(type));
}
int main(void)
{
    return pn_examples(cb, NULL) > 0 ? 0 : 1;
}
C
c++ -std=c++17 -O1 -Isrc -c src/enrich/phonenumber_adapter.cc -o "$tmp/a.o"
cc -std=c11 -Isrc "$tmp/gen.c" "$tmp/a.o" -lphonenumber -lstdc++ -o "$tmp/gen"
{
    echo "# libphonenumber $(dpkg-query -W -f='${Version}' libphonenumber8 2>/dev/null || echo '?') example numbers: region, E.164 digits, type"
    "$tmp/gen"
} >"$out"
echo "wrote $(grep -vc '^#' "$out") numbers to $out"
