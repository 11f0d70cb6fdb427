#!/usr/bin/perl
# gen-callingcodes.pl - writes src/enrich/callingcodes.c, the country calling
# code table of src/enrich/number.c, from the data of Perl's
# Number::Phone::Country as installed by Debian's libnumber-phone-perl.
#
#   perl scripts/gen-callingcodes.pl > src/enrich/callingcodes.c
#
# What is taken (data only, re-expressed as C tables; no code is copied):
#   - %Number::Phone::Country::idd_codes: calling-code prefix -> country, or a
#     list of countries sharing the code, or a name of a non-geographic
#     service (mapped to the X?- labels below);
#   - %Number::Phone::Country::NANP_areas: NANP area code -> country;
#   - %Number::Phone::Country::prefix_codes: per country its calling code,
#     international (IDD) prefix, national (trunk) prefix and IDD pattern;
#   - from Number::Phone::StubCountry::<CC> of each country sharing a calling
#     code: the validity patterns (derived by Number::Phone from
#     libphonenumber) and the national-prefix pattern, rewritten as POSIX
#     extended regular expressions.
# Number::Phone is (c) 2004-2023 David Cantrell, (c) 2003 MaxMind LLC, free
# software under the same terms as Perl itself (Artistic 1.0 or GPL 1+); its
# StubCountry data is derived from libphonenumber (Apache-2.0). The generated
# file carries this notice.
use strict;
use warnings;
use Number::Phone::Country qw(noexport);

my $dir = $INC{'Number/Phone/Country.pm'};
$dir =~ s{/Country\.pm$}{/StubCountry};
my $version = $Number::Phone::Country::Data::VERSION // 'unknown';

# Non-geographic services (names Number::Phone uses) -> our labels.
# XI-* international services, XS-* satellite networks, XN-* NANP
# non-geographic (these come from the NANP code in number.c).
my %label = (
    'InternationalFreephone'                  => 'XI-FREEPHONE',
    'SharedCostServices'                      => 'XI-SHAREDCOST',
    'InternationalPremiumRate'                => 'XI-PREMIUM',
    'UniversalPersonalTelecoms'               => 'XI-UPT',
    'TelecomsForDisasterRelief'               => 'XI-DISASTER',
    'ITPCS'                                   => 'XI-TRIAL',
    'InternationalNetworks882'                => 'XI-NETWORKS',
    'InternationalNetworks883'                => 'XI-NETWORKS',
    'InternationalNetworks883::MTTGlobalNetworks' => 'XI-NETWORKS',
    'InternationalNetworks883::Mobistar'      => 'XI-NETWORKS',
    'InternationalNetworks882::Telespazio'    => 'XS-SATELLITE',
    'InternationalNetworks882::Thuraya'       => 'XS-SATELLITE',
    'Inmarsat'                                => 'XS-INMARSAT',
    'GMSS'                                    => 'XS-SATELLITE',
    'GMSS::ICO'                               => 'XS-SATELLITE',
    'GMSS::Iridium'                           => 'XS-SATELLITE',
    'GMSS::Globalstar'                        => 'XS-SATELLITE',
    '001'                                     => 'XI-NONGEO',
);

my %idd = %Number::Phone::Country::idd_codes;
my (@rows, %need_validator);
for my $p (sort keys %idd) {
    my $v = $idd{$p};
    my ($first, @cands);
    if (ref $v eq 'ARRAY') {
        $first = $v->[0];
        # Number::Phone tries each country that has a StubCountry module.
        @cands = grep { -f "$dir/$_.pm" } @$v;
        $need_validator{$_} = 1 for @cands;
    } elsif ($v =~ /^[A-Z]{2}$/) {
        $first = $v;
    } else {
        $first = $label{$v} or die "gen-callingcodes: unknown service name '$v' for +$p\n";
    }
    # The calling code of a prefix: its shortest prefix that is itself a key.
    my $cc = $p;
    for my $l (1 .. length $p) {
        if (exists $idd{substr($p, 0, $l)}) { $cc = substr($p, 0, $l); last; }
    }
    push @rows, [$p, length $cc, $first, join(' ', @cands)];
}

# Perl regex (x mode, only (?:...), \d, [..], {n,m}, |) -> POSIX ERE.
sub ere {
    my ($re) = @_;
    $re =~ s/\s+//g;
    $re =~ s/\\A//g;
    $re =~ s/\(\?:/(/g;
    $re =~ s/\\d/[0-9]/g;
    die "gen-callingcodes: cannot translate pattern: $re\n" if $re =~ /\\|\(\?/;
    return $re;
}
sub cstr {
    my ($s) = @_;
    return 'NULL' unless defined $s;
    $s =~ s/(["\\])/\\$1/g;
    # split long strings for readability of the generated file
    my @parts = $s =~ /(.{1,100})/g;
    return '""' unless @parts;
    return join("\n        ", map { "\"$_\"" } @parts);
}

my @validators;
for my $c (sort keys %need_validator) {
    my $src = do { local (@ARGV, $/) = ("$dir/$c.pm"); <> };
    my ($block) = $src =~ /my \$validators = (\{.*?\n\s*\});/s
        or die "gen-callingcodes: no validators in $c.pm\n";
    my $h = eval $block or die "gen-callingcodes: $c: $@\n";
    # is_valid(): any of these kinds matches the whole national number
    my @alts = map { ere($h->{$_}) } grep { defined $h->{$_} && $h->{$_} =~ /\S/ }
        qw(specialrate geographic mobile pager toll_free personal_number voip);
    my ($np) = $src =~ /\$number =~ s\/\^\(\?:(.*?)\)\/\/;/;
    push @validators, [$c, '^((' . join(')|(', @alts) . '))$',
                       defined $np ? '^(' . ere($np) . ')' : undef];
}

my %pc = %Number::Phone::Country::prefix_codes;
my @plans;
for my $c (sort keys %pc) {
    next unless $c =~ /^[A-Z]{2}$/ && $c ne 'UK';
    my ($code, $idd_code, $ndd, $re) = @{$pc{$c}};
    next unless defined $code && $code =~ /^\d+$/;
    my $pat;
    if (defined $re) {
        $pat = "$re";                        # qr// stringifies as (?^msx:...)
        $pat =~ s/^\(\?\^?[a-z]*(?:-[a-z]*)?:(.*)\)$/$1/s;
        $pat = '^(' . ere($pat) . ')';
    }
    push @plans, [$c, $code, $idd_code, $ndd, $pat];
}

my %nanp = %Number::Phone::Country::NANP_areas;
my @areas;
for my $c (sort keys %nanp) {
    push @areas, [$_, $c] for split /\|/, $nanp{$c};
}
@areas = sort { $a->[0] cmp $b->[0] } @areas;

print <<"HEAD";
/*
 * callingcodes.c - GENERATED by scripts/gen-callingcodes.pl from the data of
 * Perl's Number::Phone::Country $version (Debian libnumber-phone-perl).
 * Do not edit; re-run the script.
 *
 * Data: Number::Phone (c) 2004-2023 David Cantrell, (c) 2003 MaxMind LLC,
 * free software under the same terms as Perl itself (Artistic License 1.0
 * or GPL version 1 or later). Validity patterns of Number::Phone's
 * StubCountry modules are derived from libphonenumber (Apache-2.0).
 * Re-expressed as C tables (POSIX extended regular expressions); the
 * lookup code is sipsnare's own (src/enrich/number.c).
 */
#include "enrich/callingcodes.h"

const char cc_data_version[] = "$version";

/* Prefix (country code + leading digits) -> country: longest prefix wins. */
const struct cc_prefix cc_prefixes[] = {
HEAD
for (@rows) {
    printf "    {\"%s\", %d, \"%s\", %s},\n", $_->[0], $_->[1], $_->[2],
        $_->[3] eq '' ? 'NULL' : "\"$_->[3]\"";
}
print "};\nconst size_t cc_prefixes_len = sizeof cc_prefixes / sizeof cc_prefixes[0];\n\n";

print "/* NANP area code -> country (others: see number.c). */\nconst struct cc_nanp cc_nanp_areas[] = {\n";
printf "    {\"%s\", \"%s\"},\n", @$_ for @areas;
print "};\nconst size_t cc_nanp_areas_len = sizeof cc_nanp_areas / sizeof cc_nanp_areas[0];\n\n";

print "/* Countries sharing a calling code: what a valid national number looks\n",
      " * like, and the national prefix removed before a second try. */\n",
      "const struct cc_validator cc_validators[] = {\n";
for (@validators) {
    printf "    {\"%s\",\n        %s,\n        %s},\n", $_->[0], cstr($_->[1]), cstr($_->[2]);
}
print "};\nconst size_t cc_validators_len = sizeof cc_validators / sizeof cc_validators[0];\n\n";

print "/* Dialling plan of each country: calling code, usual international\n",
      " * prefix, national (trunk) prefix, all international prefixes. */\n",
      "const struct cc_plan cc_plans[] = {\n";
for (@plans) {
    printf "    {\"%s\", \"%s\", %s, %s, %s},\n", $_->[0], $_->[1],
        defined $_->[2] ? "\"$_->[2]\"" : 'NULL', defined $_->[3] ? "\"$_->[3]\"" : 'NULL', cstr($_->[4]);
}
print "};\nconst size_t cc_plans_len = sizeof cc_plans / sizeof cc_plans[0];\n";
