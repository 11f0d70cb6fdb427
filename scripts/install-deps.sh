#!/bin/sh
# Installs the Debian 12 (bookworm) packages that sipsnare's build, tests and
# benchmarks need. As root it runs apt-get; otherwise it prints the command.
#   scripts/install-deps.sh              install (apt-get update first)
#   scripts/install-deps.sh --if-missing do nothing when all are installed
set -eu
PKGS="build-essential pkg-config clang llvm libclang-rt-14-dev
      libssl-dev libseccomp-dev libjansson-dev libsqlite3-dev sqlite3
      libosip2-dev sipvicious nmap sipsak tshark iproute2 procps psmisc
      postgresql libpq-dev zlib1g-dev libzstd-dev
      libphonenumber-dev libnumber-phone-perl libmaxminddb-dev
      libpcap-dev chromium nftables ipset graphviz fail2ban"

if [ "${1:-}" = "--if-missing" ]; then
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
