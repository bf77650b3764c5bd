# Debian packages the project needs, installed when missing (as root).
# Sourced by test.sh, demo.sh, bench.sh and install.sh.

JOBSYNC_PACKAGES=(
  g++ cmake make pkg-config ca-certificates
  libpqxx-dev libcurl4-openssl-dev librapidxml-dev libtomlplusplus-dev libssl-dev
  catch2 nlohmann-json3-dev clang-format libmicrohttpd-dev
  postgresql-15 postgresql-client-15
  systemd  # systemd-analyze verify, for the units test
)

# Only scripts/test.sh installs these: promtool and a real Prometheus and
# node_exporter for the tests of the alert rules and the dashboard.
JOBSYNC_TEST_PACKAGES=(prometheus prometheus-node-exporter)

ensure_packages() {
  local missing=() pkg
  for pkg in "${JOBSYNC_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  # apt and debconf talk on stderr too ("Extracting templates ..."): all of it
  # goes to a log, shown only when the install fails.
  local log started=$SECONDS
  log=$(mktemp /tmp/ci-jobsync-apt.XXXXXX)
  echo "installing ${#missing[@]} Debian packages (a few minutes on a fresh machine): ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "apt-get failed; its whole output is $log" >&2
    return 1
  fi
  rm -f "$log"
  echo "installed them in $((SECONDS - started)) s" >&2
}
