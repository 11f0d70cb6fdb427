#!/bin/sh
# Installs the Debian (12, bookworm) packages that sipsnare's build, tests and
# benchmarks need. As root it runs apt-get; otherwise it prints the command.
set -eu
PKGS="build-essential pkg-config clang llvm libclang-rt-14-dev
      libssl-dev libjansson-dev libsqlite3-dev sqlite3
      libosip2-dev sipvicious nmap sipsak tshark iproute2 procps psmisc"
if [ "$(id -u)" -ne 0 ]; then
    echo "Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends" $PKGS >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# tshark asks whether non-root users may capture; the answer does not matter here.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -q --no-install-recommends $PKGS
