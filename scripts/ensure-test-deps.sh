#!/usr/bin/env bash
# Makes sure the tools the integration tests run are present: `prometheus` and `promtool`.
# When either is missing, installs the Debian/Ubuntu package `prometheus` with apt-get.
#
# The package's postinst enables and tries to start a prometheus service on :9090. The tests never
# use that server (they start their own on free loopback ports), so the start is suppressed with a
# temporary /usr/sbin/policy-rc.d (honoured by invoke-rc.d and deb-systemd-invoke) and, should a
# service be running anyway, it is stopped. Recommends (prometheus-node-exporter, another service)
# are not installed.
#
# Idempotent: when both tools are on PATH it only prints one line and exits.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  version="$(prometheus --version 2>&1 | head -n 1 || true)"
  echo "ensure-test-deps: prometheus and promtool already installed (${version:-version unknown}); nothing to do"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: prometheus/promtool not on PATH and apt-get is not available;" \
    "install Prometheus (>= 2.24, with promtool) by hand and put both on PATH" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "ensure-test-deps: need root to install the prometheus package, and sudo is not available" >&2
    exit 1
  fi
  SUDO=(sudo)
fi

# Keep the package's postinst from starting the service. Only create policy-rc.d when there is
# none (container images often ship one already) and remove only what we created.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
  if [ "$created_policy" -eq 1 ]; then
    ${SUDO[@]+"${SUDO[@]}"} rm -f "$policy" || true
  fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary, from augur scripts/ensure-test-deps.sh\nexit 101\n' \
    | ${SUDO[@]+"${SUDO[@]}"} tee "$policy" >/dev/null
  ${SUDO[@]+"${SUDO[@]}"} chmod 755 "$policy"
  created_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -q \
  && ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus; } \
  >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "ensure-test-deps: apt-get install prometheus failed (output above)" >&2
  exit 1
fi
rm -f "$log"

# Belt and braces: if a service got started anyway (policy ignored), stop it so nothing is left on
# :9090. `systemctl is-active` fails harmlessly where systemd is not running.
stopped=""
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  ${SUDO[@]+"${SUDO[@]}"} systemctl stop prometheus >/dev/null 2>&1 || true
  stopped=", stopped the prometheus service the package started"
fi

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "ensure-test-deps: installed the prometheus package but prometheus/promtool are still not on PATH" >&2
  exit 1
fi
version="$(prometheus --version 2>&1 | head -n 1 || true)"
echo "ensure-test-deps: installed the Debian package prometheus with apt-get (${version:-version unknown})${stopped}"
