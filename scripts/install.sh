#!/usr/bin/env bash
# From a fresh Debian 12 machine to a timer-driven sync, as root:
#
#   git clone <this repository> ci-jobsync && cd ci-jobsync
#   scripts/install.sh --emulator          # or without --emulator, for a real bucket
#   systemctl enable --now ci-jobsync.timer
#
# It installs the Debian packages needed, builds the .deb (CPack) and installs
# it (binary, units, /etc/ci-jobsync/config.toml.example, docs), creates the
# PostgreSQL role and database `ci-jobsync` / `cijobsync` (the service's
# dynamic user logs in by peer authentication, no password), writes
# /etc/ci-jobsync/config.toml from the example if there is none, and the API
# keys as credential files (root-only, handed to the service by LoadCredential=).
# --emulator also runs the bundled CI API emulator as ci-emulator.service on
# 127.0.0.1:18080 with the keys the example config uses. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh

emulator=false
while [ $# -gt 0 ]; do
  case $1 in
    --emulator) emulator=true; shift ;;
    *) echo "usage: scripts/install.sh [--emulator]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

# libnss-systemd: the service's DynamicUser= must have a name for libpq and
# for PostgreSQL's peer authentication.
ensure_packages libnss-systemd

echo "building the package"
# The package holds ci-emulator only with --emulator (always passed: the cache remembers).
install_emulator=OFF
[ "$emulator" = true ] && install_emulator=ON
cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DJOBSYNC_BUILD_TESTS=OFF -DJOBSYNC_INSTALL_EMULATOR=$install_emulator >/dev/null
cmake --build build-package -j "$(nproc)" >/dev/null
(cd build-package && cpack -G DEB >/dev/null)
package=$(ls -t build-package/ci-jobsync_*.deb | head -n 1)
apt-get install -y -qq --reinstall --no-install-recommends "./$package" >/dev/null
echo "installed $package"

echo "preparing PostgreSQL"
systemctl start postgresql
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
as_postgres psql -qAt -c "SELECT 1 FROM pg_roles WHERE rolname = 'ci-jobsync'" | grep -q 1 ||
  as_postgres createuser ci-jobsync
as_postgres psql -qAt -c "SELECT 1 FROM pg_database WHERE datname = 'cijobsync'" | grep -q 1 ||
  as_postgres createdb -O ci-jobsync cijobsync

install -d -m 0755 /etc/ci-jobsync
# The service's dynamic user must read the config, so it holds no secret: the
# example's [credentials] keys are commented out, the keys go to files below.
if [ ! -e /etc/ci-jobsync/config.toml ]; then
  sed -E 's/^(secret_id|secret_key) = .*/# \1: from \/etc\/ci-jobsync\/\1, by LoadCredential=/' \
    /etc/ci-jobsync/config.toml.example >/etc/ci-jobsync/config.toml
  chmod 0644 /etc/ci-jobsync/config.toml
fi

# Credentials: the example config's emulator keys with --emulator; otherwise
# the operator writes the real ones (the service does not start without them).
write_secret() {
  local name=$1 value=$2
  [ -e "/etc/ci-jobsync/$name" ] && return 0
  (umask 077 && printf '%s' "$value" >"/etc/ci-jobsync/$name")
}
if [ "$emulator" = true ]; then
  write_secret secret_id AKIDEXAMPLEEXAMPLEEXAMPLEEXAMPLE
  write_secret secret_key emulator-secret-key
  start=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%S+0000)
  cat >/etc/systemd/system/ci-emulator.service <<UNIT
[Unit]
Description=CI API emulator for ci-jobsync (test data, not a real bucket)

[Service]
# The key is handed over as a credential file (%d), never on the command line;
# the admin endpoints stay off (no admin token).
LoadCredential=secret_key:/etc/ci-jobsync/secret_key
ExecStart=/usr/bin/ci-emulator --host 127.0.0.1 --port 18080 --jobs 5000 --seed 42 --start $start --tags Transcode,Snapshot --queues p2242ab62c7c94486915508540933a2c6 --secret-id AKIDEXAMPLEEXAMPLEEXAMPLEEXAMPLE --secret-key-file %d/secret_key
DynamicUser=yes
# No core dumps (they would hold the secret key).
LimitCORE=0
# The same hardening as ci-jobsync.service; it only serves loopback.
UMask=0077
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateUsers=yes
PrivateMounts=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
IPAddressDeny=any
IPAddressAllow=localhost
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RemoveIPC=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
DevicePolicy=closed

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now ci-emulator.service
  echo "ci-emulator.service serves 5000 jobs on 127.0.0.1:18080"
elif [ ! -e /etc/ci-jobsync/secret_key ]; then
  echo "now write the API keys: /etc/ci-jobsync/secret_id and /etc/ci-jobsync/secret_key" \
    "(mode 0600), and your bucket in /etc/ci-jobsync/config.toml"
fi

cat <<'DONE'
next:
  systemctl enable --now ci-jobsync.timer          # sync every 5 minutes
  systemctl start ci-jobsync.service               # or sync right now
  journalctl -u ci-jobsync                         # the logs
  runuser -u postgres -- ci-jobsync --config /etc/ci-jobsync/config.toml status
DONE
