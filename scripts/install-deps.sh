#!/bin/sh
# Installs the Debian 12 (bookworm) packages that sipsnare needs. As root it
# runs apt-get; otherwise it prints the command.
#   scripts/install-deps.sh                        build, tests and benchmarks
#   scripts/install-deps.sh --runtime              only what building and running
#                                                  sipsnare needs (a sensor host)
#   scripts/install-deps.sh [--runtime] --if-missing  nothing when all are installed
set -eu
# Building and running: compiler, libraries, the PostgreSQL client library.
RUNTIME="build-essential pkg-config
      libssl-dev libseccomp-dev libjansson-dev libsqlite3-dev sqlite3
      libpq-dev zlib1g-dev libzstd-dev libphonenumber-dev libmaxminddb-dev
      libpcap-dev"
# Tests and benchmarks: clang and its sanitizer runtime, the real peers
# (attack tools, tshark, PostgreSQL server, Chromium, nft/ipset, fail2ban,
# Graphviz, Number::Phone), libosip2 as the parser baseline.
TESTS="clang llvm libclang-rt-14-dev libosip2-dev sipvicious nmap sipsak tshark
      iproute2 procps psmisc postgresql libnumber-phone-perl
      chromium nftables ipset graphviz fail2ban"

PKGS="$RUNTIME $TESTS"
if_missing=0
for arg in "$@"; do
    case $arg in
        --runtime) PKGS=$RUNTIME ;;
        --if-missing) if_missing=1 ;;
        *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
    esac
done

if [ "$if_missing" = 1 ]; then
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && exit 0
    echo "install-deps: missing:$missing" >&2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Some packages are missing. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends" $PKGS >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -q --no-install-recommends $PKGS
