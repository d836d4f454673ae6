# Sourced by scripts/ensure-test-deps.sh and scripts/ensure-peer-deps.sh: installs Debian packages
# with apt-get, as root or through sudo, in one update and one install.
#
# Another apt-get or dpkg may hold the package locks (an unattended upgrade, a second checkout
# running the same script): apt-get waits for the dpkg lock (DPkg::Lock::Timeout), and a run that
# still cannot get a lock (apt-get update never waits for the lists lock) is retried every
# APT_LOCK_POLL_SECONDS (default 5) until APT_LOCK_WAIT_SECONDS (default 600) have passed, instead
# of failing at once.
#
#   apt_root TAG PKG...     sets SUDO (empty as root, else sudo); says why it cannot and returns 1
#   apt_install TAG PKG...  update + install --no-install-recommends; on failure prints apt-get's
#                           output and "TAG: apt-get install PKG... failed (output above)", returns 1
# TAG prefixes every message (the calling script's name).

LOCK_WAIT="${APT_LOCK_WAIT_SECONDS:-600}"
LOCK_POLL="${APT_LOCK_POLL_SECONDS:-5}"
SUDO=()

apt_root() {
  local tag="$1"
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$tag: missing $* and apt-get is not available; install them by hand" >&2
    return 1
  fi
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "$tag: need root to install $*, and sudo is not available" >&2
      return 1
    fi
    SUDO=(sudo)
  fi
}

# apt-get with its arguments, retried while another process holds an apt or dpkg lock. Output
# goes to $1; returns apt-get's status once it fails for another reason or the wait is over.
_apt_get() {
  local tag="$1" log="$2"
  shift 2
  local deadline=$((SECONDS + LOCK_WAIT)) said=0
  while :; do
    if ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
      apt-get -q -o DPkg::Lock::Timeout="$LOCK_WAIT" "$@" >"$log" 2>&1; then
      return 0
    fi
    if ! grep -qE 'Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock' "$log" \
      || [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    if [ "$said" -eq 0 ]; then
      echo "$tag: another apt-get or dpkg holds a package lock; waiting up to ${LOCK_WAIT}s" >&2
      said=1
    fi
    sleep "$LOCK_POLL"
  done
}

apt_install() {
  local tag="$1"
  shift
  local log status=0
  log="$(mktemp)"
  if ! { _apt_get "$tag" "$log" update && _apt_get "$tag" "$log" install -y --no-install-recommends "$@"; }; then
    cat "$log" >&2
    echo "$tag: apt-get install $* failed (output above)" >&2
    status=1
  fi
  rm -f "$log"
  return "$status"
}
