# shellcheck shell=bash
# A fresh Debian 12 in a systemd-nspawn container, for the checks that play a
# new machine (check_newcomer.sh, check_install.sh). As root. The container shares the host's
# network, so its services need their ports free on the host.
#
#   container_create ROOT             a fresh bookworm in ROOT, from a tarball cache
#   container_boot ROOT NAME [ARGS]   boots it (ARGS go to systemd-nspawn); sets container_leader
#   container_sh COMMAND              runs COMMAND in it, in root's login shell, clean environment
#   container_stop                    powers it off

container_cache=/var/cache/ci-jobsync-check/bookworm.tar
container_nspawn_pid=
container_leader=

# debootstrap runs once per cache; the lock keeps two checks from writing it at once.
container_create() {
  local root=$1
  mkdir -p "$(dirname "$container_cache")"
  (
    flock 9
    if [ ! -s "$container_cache" ]; then
      echo "debootstrapping Debian 12 into $container_cache (once, a few minutes)"
      rm -rf "$root.new" && mkdir -p "$root.new"
      debootstrap --include=systemd,systemd-sysv,dbus,ca-certificates,git bookworm "$root.new" \
        http://deb.debian.org/debian >/dev/null
      tar -C "$root.new" -cf "$container_cache.part" . && mv "$container_cache.part" "$container_cache"
      rm -rf "$root.new"
    fi
  ) 9>"$(dirname "$container_cache")/.lock"
  rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$container_cache"
}

container_boot() {
  local root=$1 name=$2 pid
  shift 2
  echo "$name" >"$root/etc/hostname"
  # No machined or system bus on a host whose PID 1 is not systemd: hence
  # --register=no --keep-unit. The network is the host's.
  systemd-nspawn -D "$root" -M "$name" --boot --register=no --keep-unit \
    --console=passive "$@" >/dev/null 2>&1 &
  container_nspawn_pid=$!
  # The container's PID 1 (systemd) is a child of nspawn, once a set-up child
  # has come and gone.
  for _ in $(seq 300); do
    for pid in $(pgrep -P "$container_nspawn_pid"); do
      [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ] && container_leader=$pid
    done
    [ -n "$container_leader" ] && break
    sleep 0.1
  done
  [ -n "$container_leader" ] || { echo "the container did not boot" >&2; return 1; }
  for _ in $(seq 60); do # until its D-Bus is up
    container_sh 'systemctl is-system-running --wait' >/dev/null 2>&1 && return 0
    sleep 1
  done
}

# Nothing of the host's environment leaks in: a login as root would not have it.
container_sh() {
  nsenter -t "$container_leader" -a -- env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
    TERM="${TERM:-xterm}" LANG=C.UTF-8 /bin/bash -lc "$1"
}

container_stop() {
  [ -n "$container_nspawn_pid" ] || return 0
  kill "$container_nspawn_pid" 2>/dev/null || true
  wait "$container_nspawn_pid" 2>/dev/null || true
  container_nspawn_pid=
}
