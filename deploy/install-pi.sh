#!/usr/bin/env bash
# Install SwarmPlayer as a systemd service on Raspberry Pi OS (or any Debian 12+ box), from this
# checkout. Safe to run again: it upgrades the installed package and keeps your config.
#
#   64-bit (arm64, amd64): a venv with libtorrent 2.1 from PyPI (wheels exist for aarch64).
#   32-bit (armhf, armel): no libtorrent wheels: Debian's python3-libtorrent (2.0.8) and
#                          python3-psutil, seen from a venv made with --system-site-packages.
#
# Usage: sudo deploy/install-pi.sh [--dry-run] [--no-start]
#   --dry-run   print what would be done, change nothing (no root needed)
#   --no-start  install and enable, but do not (re)start the service now
# SWARMPLAYER_ARCH=armhf|arm64|… overrides the detected Debian architecture (for --dry-run).
# Without a running systemd (a chroot preparing an SD card image) the unit is installed and
# enabled, and starts at the next boot.
set -euo pipefail

PREFIX=/opt/swarmplayer
VENV=$PREFIX/venv
CONFIG_DIR=/etc/swarmplayer
STATE_DIR=/var/lib/swarmplayer
UNIT=/etc/systemd/system/swarmplayer.service
DOC_DIR=/usr/share/doc/swarmplayer
SERVICE_USER=swarmplayer
# The system interpreter: Debian's python3-libtorrent is built for it.
PYTHON=/usr/bin/python3
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

dry_run=false
start=true
for arg in "$@"; do
    case $arg in
        --dry-run) dry_run=true ;;
        --no-start) start=false ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "install-pi.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "==> $*"; }
die() { echo "install-pi.sh: error: $*" >&2; exit 1; }
run() {  # run a command, or only show it with --dry-run
    if $dry_run; then
        echo "+ $*"
    else
        "$@"
    fi
}

# ---- checks -----------------------------------------------------------------------------------
if [ ! -f "$SRC/setup.py" ] || [ ! -f "$SRC/deploy/swarmplayer.service" ]; then
    die "run this script from a SwarmPlayer checkout (no setup.py next to deploy/)"
fi
if ! $dry_run; then
    [ "$(id -u)" -eq 0 ] || die "run as root: sudo $0"
    command -v systemctl >/dev/null || die "systemd is needed (systemctl not found)"
fi
command -v apt-get >/dev/null || $dry_run || die "apt-get not found: Raspberry Pi OS or Debian needed"
[ -x "$PYTHON" ] || die "$PYTHON not found"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed (Raspberry Pi OS 12 'bookworm' has it): $("$PYTHON" -V)"

# The userland's architecture, not the kernel's: 32-bit Raspberry Pi OS runs a 64-bit kernel
# on a Pi 4, and `uname -m` says aarch64 there.
arch=${SWARMPLAYER_ARCH:-$(dpkg --print-architecture 2>/dev/null || uname -m)}
case $arch in
    arm64|aarch64|amd64|x86_64) tier=wheel ;;
    armhf|armel|armv7l|armv6l|i386) tier=debian ;;
    *) die "unsupported architecture $arch" ;;
esac
say "architecture $arch: libtorrent from $([ $tier = wheel ] && echo "PyPI (2.1)" || echo "Debian's python3-libtorrent (2.0.8)")"

free_kb=$(df -Pk "$(dirname "$PREFIX")" | awk 'NR==2 {print $4}')
[ "${free_kb:-0}" -ge 204800 ] || $dry_run || die "less than 200 MB free for $PREFIX"

# ---- system packages --------------------------------------------------------------------------
packages=(python3-venv python3-pip)
[ $tier = debian ] && packages+=(python3-libtorrent python3-psutil)
# The box is announced through Raspberry Pi OS's avahi-daemon (its D-Bus API), not a second mDNS
# stack: nothing to install for it.
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
fi

# ---- user, folders, venv ----------------------------------------------------------------------
if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating system user $SERVICE_USER"
    run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
        --shell /usr/sbin/nologin "$SERVICE_USER"
fi
run install -d -m 0755 "$PREFIX" "$CONFIG_DIR" "$DOC_DIR"
run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"

venv_flags=()
[ $tier = debian ] && venv_flags+=(--system-site-packages)
want_system=$([ $tier = debian ] && echo true || echo false)
if [ -f "$VENV/pyvenv.cfg" ] \
        && ! grep -qx "include-system-site-packages = $want_system" "$VENV/pyvenv.cfg"; then
    say "the venv at $VENV was made for the other libtorrent tier: making it again"
    run rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ] || $dry_run; then
    say "creating $VENV"
    run "$PYTHON" -m venv "${venv_flags[@]}" "$VENV"
fi

say "installing SwarmPlayer from $SRC"
run "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
if [ $tier = wheel ]; then
    run "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade "${SRC}[libtorrent]"
else
    run "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$SRC"
fi
if ! $dry_run; then
    "$VENV/bin/python" - <<'PY' || die "libtorrent is not usable from $VENV (see above)"
import libtorrent
version = tuple(int(p) for p in libtorrent.__version__.split(".")[:2])
assert (2, 0) <= version < (2, 2), f"libtorrent {libtorrent.__version__}: 2.0.8 to 2.1.x needed"
print("    libtorrent", libtorrent.__version__)
PY
    "$VENV/bin/swarmplayer" --version
fi

# ---- config, unit, docs -----------------------------------------------------------------------
if [ ! -f "$CONFIG_DIR/config.toml" ] || $dry_run; then
    say "writing $CONFIG_DIR/config.toml (yours from now on: never overwritten)"
    if $dry_run; then
        echo "+ write $CONFIG_DIR/config.toml"
    else
        install -m 0640 -g "$SERVICE_USER" /dev/null "$CONFIG_DIR/config.toml"
        cat > "$CONFIG_DIR/config.toml" <<'TOML'
# SwarmPlayer settings: every field of service/swarmplayer/config.py; see docs/raspberry-pi.md.
# Restart after a change: sudo systemctl restart swarmplayer
[service]
# http_port = 8642
# cache_quota = "80%"          # or bytes: "20G"
# min_free_disk = "1G"         # never crossed
# seed_ratio_limit = 2.0       # 0: no limit
# seed_time_limit = 604800     # seconds; 0: no limit
# seed_upload_rate_limit = 0   # bytes/s shared by every torrent seeding; 0: no limit
# seed_while_playing = "auto"  # the profile decides (off on Pi Zero 2 W and Pi 3)
# governor_profile = "auto"    # or pi-zero-2, pi-3, pi-4, desktop
# tuning = ""                  # e.g. "connections_limit=40,aio_threads=2"
TOML
    fi
fi
run install -m 0644 "$SRC/deploy/swarmplayer.service" "$UNIT"
run install -m 0644 "$SRC/docs/raspberry-pi.md" "$DOC_DIR/raspberry-pi.md"
run systemctl enable swarmplayer.service
if [ "$(systemctl is-system-running 2>/dev/null || true)" = offline ] && ! $dry_run; then
    say "systemd is not running here: the service starts at the next boot"
    start=false
else
    run systemctl daemon-reload
fi
if $start; then
    say "(re)starting the service"
    run systemctl restart swarmplayer.service
    if ! $dry_run; then
        systemctl is-active --quiet swarmplayer.service \
            || die "the service did not start: journalctl -u swarmplayer -n 50"
    fi
fi
say "done: http://$(hostname -I 2>/dev/null | awk '{print $1}'):8642/api/v1/health" \
    "(logs: journalctl -u swarmplayer -f)"
