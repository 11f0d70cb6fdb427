#!/usr/bin/env bash
# test_number_perl.sh - `sipsnare number` against Perl's Number::Phone::Country.
# Every libphonenumber example number (tests/data/numbers/examples.tsv, ~1100
# numbers of ~245 regions and the non-geographic codes) is dialed in 11 ways
# (+, 00, 011, 0011, 810, line 9 + 00, line 9 + 011, Brazilian carrier codes
# 0021 and 0014, bare, + with separators): more than 12,000 dial strings. For
# each, the destination country of `sipsnare number` (home BR) must be the one
# Number::Phone::Country::phone2country() gives for the true number, wherever
# Perl returns a country code; and the canonical number must be the true one.
# Ends with "test_number_perl: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
: "${SIPSNARE:=$PWD/build/sipsnare}"
NAME=test_number_perl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! perl -MNumber::Phone::Country -e 1 2>/dev/null; then
    echo "FAIL Number::Phone::Country is not installed (libnumber-phone-perl)"
    echo "$NAME: 0 passed, 1 failed"; exit 1
fi

# dial strings and what each should give
perl -MNumber::Phone::Country=noexport -ne '
    next if /^#/; chomp;
    my ($region, $d) = split /\t/;
    my $want = Number::Phone::Country::phone2country("+$d") // "";
    my $sep = $d; $sep =~ s/^(\d{2})(\d{3})(\d+)$/+$1 $2-$3/;
    for my $v ("+$d", "00$d", "011$d", "0011$d", "810$d", "900$d", "9011$d",
               "0021$d", "0014$d", $d, $sep) {
        print "$v\t+$d\t$want\t$region\t", ($v eq $d ? "bare" : "pref"), "\n";
    }' tests/data/numbers/examples.tsv >"$work/cases"
cut -f1 "$work/cases" >"$work/in"
if ! "$SIPSNARE" number --json --home BR <"$work/in" >"$work/out" 2>"$work/err"; then
    echo "FAIL sipsnare number exited non-zero"; cat "$work/err"
    echo "$NAME: 0 passed, 1 failed"; exit 1
fi

# A: the destination country of every canonical number sipsnare chose is
#    what Perl says for that number (wherever Perl has a country code);
# B: the canonical number is the true one (or, for a dial string that reads
#    as two valid numbers, the true one is among the alternatives).
paste "$work/cases" "$work/out" | perl -MJSON::PP -MNumber::Phone::Country=noexport -F'\t' -lane '
    BEGIN { %s = map { $_ => 0 } qw(n bad cmp agree pref same alt bare baresame); }
    my ($dial, $true, $want, $region, $k, $json) = @F;
    my $o = eval { decode_json($json) } || {};
    $s{n}++;
    if (($o->{input} // "") ne $dial) { print "FAIL output out of order at $dial"; $s{bad}++; next; }
    my $e164 = $o->{e164} // ""; my $country = $o->{country} // "";
    my $perl = $e164 ne "" ? (Number::Phone::Country::phone2country($e164) // "") : "";
    if ($perl =~ /^[A-Z]{2}$/) {
        $s{cmp}++;
        if ($country eq $perl) { $s{agree}++ }
        elsif ($s{ndis}++ < 15) { print "  country: $dial -> $e164 $country, Perl says $perl" }
    }
    my $is_bare = $k eq "bare";
    $s{$k}++;
    if ($e164 eq $true) { $s{$k eq "bare" ? "baresame" : "same"}++; $s{alt}++ unless $is_bare; }
    else {
        $s{alt}++ if !$is_bare && grep { $_ eq $true } @{$o->{alternatives} // []};
        print "  number: $dial -> $e164 ($o->{prefix}), want $true ($region, Perl $want)" if $s{nsame}++ < 25 || !grep { $_ eq $true } @{$o->{alternatives} // []};
    }
    END {
        printf "dial strings %d; countries compared with Perl %d, agree %d (%.2f%%)\n", $s{n}, $s{cmp}, $s{agree}, $s{cmp} ? 100 * $s{agree} / $s{cmp} : 0;
        printf "true number chosen: with a prefix %d/%d (%.2f%%), chosen or offered %d (%.2f%%); bare %d/%d (%.2f%%)\n",
            $s{same}, $s{pref}, 100 * $s{same} / $s{pref}, $s{alt}, 100 * $s{alt} / $s{pref}, $s{baresame}, $s{bare}, 100 * $s{baresame} / $s{bare};
        open my $fh, ">", "'"$work"'/stats" or die;
        print $fh join(" ", @s{qw(n bad cmp agree pref same alt bare baresame)}), "\n";
    }'
read -r n bad cmp agree pref same alt bare baresame <"$work/stats"
passed=0 failed=0
t() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $*"; fi; }
t test "$n" -ge 2000                 # enough dial strings
t test "$bad" -eq 0                  # one output line per input, in order
t test "$cmp" -ge 2000               # Perl gave a country for enough of them
t test "$agree" -eq "$cmp"           # the country agrees wherever Perl has one
t test "$alt" -eq "$pref"            # the true number is chosen or offered
t test $((same * 1000)) -ge $((pref * 990))        # chosen: at least 99%
t test $((baresame * 100)) -ge $((bare * 97))      # bare numbers: at least 97%
echo "$NAME: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
