#!/usr/bin/env bash
# Set up everything SwarmPlayer needs on a fresh Debian-like machine, idempotently:
#   system packages (ffmpeg; Debian's python3-libtorrent for the libtorrent 2.0 tier) and
#   two virtual environments:
#     .venv      python3 + libtorrent 2.1 from PyPI      (x86_64/aarch64 boxes, CI's main tier)
#     .venv-deb  Debian's python3 + python3-libtorrent  (what 32-bit Raspberry Pi OS gets)
# Usage: tools/bootstrap.sh [main|deb|all|bench]   (bench: main + what `make bench` runs)
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-main}

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

if command -v apt-get >/dev/null; then
    # ffmpeg makes and decodes the test videos; systemd-analyze and shellcheck check deploy/.
    pkgs=(ffmpeg systemd shellcheck)
    pkgs+=(kodi xvfb pulseaudio x11-apps imagemagick)  # the real-Kodi tier (tests/e2e)
    pkgs+=(chromium avahi-daemon avahi-utils iproute2)  # issue 17: the phone page in Chromium, mDNS across namespaces
    [ "$want" = bench ] && want=main && pkgs+=(opentracker transmission-daemon) && { command -v npm >/dev/null || pkgs+=(npm); }  # make bench
    [ "$want" = main ] || pkgs+=(python3-libtorrent python3-venv python3-pip)
    pkgs+=(openssl)  # self-signed certificates for the TLS cases of the fetch tests
    apt_install "${pkgs[@]}"
else
    command -v ffmpeg >/dev/null || echo "warning: no apt-get and no ffmpeg: video tests will skip" >&2
fi

make_venv() {  # make_venv DIR PYTHON EXTRAS [venv flags]
    local dir=$1 python=$2 extras=$3
    shift 3
    if [ ! -x "$dir/bin/python" ]; then
        "$python" -m venv "$@" "$dir"
    fi
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$dir/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"
}

if [ "$want" = main ] || [ "$want" = all ]; then
    make_venv .venv python3 test,libtorrent
fi
if [ "$want" = deb ] || [ "$want" = all ]; then
    # Debian's libtorrent is a system package: the venv sees it through system site-packages.
    make_venv .venv-deb /usr/bin/python3 test --system-site-packages
    .venv-deb/bin/python -c 'import libtorrent as lt; print("libtorrent", lt.__version__, "(Debian)")'
fi
