#!/usr/bin/env bash
# Makes sure the tools the tests run are present:
# - `prometheus` and `promtool` (the integration tests), from the Debian/Ubuntu package `prometheus`;
# - `/usr/bin/chromium` (test/render/ renders the PR charts to PNG with it), from the package
#   `chromium`;
# - what the real Kubernetes API server of the cluster tests needs (test/support/kube-apiserver.ts):
#   `etcd` (the package `etcd-server`; not needed when KUBEBUILDER_ASSETS holds envtest's etcd),
#   and `openssl`, `xz`, `curl` for ../shared/kube-apiserver/start (packages openssl, xz-utils,
#   curl). `kubectl` must be there already: Debian's only kubectl (kubernetes-client, 1.20) is too
#   old for the tests, so a missing one is an error that says so;
# - Go with the Sprig and yaml.v2 sources (golang-go, golang-github-masterminds-sprig-dev,
#   golang-gopkg-yaml.v2-dev): test/deploy builds its Helm template engine
#   (test/deploy/helm-engine) from them, as no helm binary can be installed here.
# Whatever is missing is installed with apt-get, in one update and one install (scripts/apt.sh,
# which also waits while another apt-get or dpkg holds a package lock).
#
# The prometheus and etcd-server packages' postinst scripts enable and try to start services (on
# :9090 and :2379). The tests never use them (they start their own on free loopback ports), so the start is
# suppressed with a temporary /usr/sbin/policy-rc.d (honoured by invoke-rc.d and
# deb-systemd-invoke) and, should a service be running anyway, it is stopped. Recommends
# (prometheus-node-exporter, another service; chromium's extra fonts and drivers) are not installed.
#
# test/scripts/ensure-test-deps.test.ts runs it against an apt-get that holds the lock.
#
# Idempotent: when every tool is there it only prints what it found and exits.
set -euo pipefail

# shellcheck source=scripts/apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"

CHROMIUM=/usr/bin/chromium
GOCODE=/usr/share/gocode/src

packages=()
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  version="$(prometheus --version 2>&1 | head -n 1 || true)"
  echo "ensure-test-deps: prometheus and promtool already installed (${version:-version unknown}); nothing to do"
else
  packages+=(prometheus)
fi
if [ -x "$CHROMIUM" ]; then
  version="$("$CHROMIUM" --version 2>/dev/null | head -n 1 || true)"
  echo "ensure-test-deps: chromium already installed (${version:-version unknown}); nothing to do"
else
  packages+=(chromium)
fi
# The real API server's tools: command -> Debian package.
needs_etcd=1
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "${KUBEBUILDER_ASSETS}/etcd" ]; then needs_etcd=0; fi
for pair in etcd:etcd-server openssl:openssl xz:xz-utils curl:curl; do
  cmd="${pair%%:*}" pkg="${pair#*:}"
  if [ "$cmd" = etcd ] && [ "$needs_etcd" -eq 0 ]; then continue; fi
  if command -v "$cmd" >/dev/null 2>&1; then
    [ "$cmd" = etcd ] && echo "ensure-test-deps: etcd already installed ($(etcd --version 2>/dev/null | head -n 1 || true)); nothing to do"
  else
    packages+=("$pkg")
  fi
done
# Go and the sources of the Helm template engine (test/deploy/helm-engine).
command -v go >/dev/null 2>&1 || packages+=(golang-go)
[ -d "$GOCODE/github.com/Masterminds/sprig" ] || packages+=(golang-github-masterminds-sprig-dev)
[ -d "$GOCODE/gopkg.in/yaml.v2" ] || packages+=(golang-gopkg-yaml.v2-dev)
if ! command -v kubectl >/dev/null 2>&1; then
  echo "ensure-test-deps: kubectl is not on PATH: the deploy/ and cluster tests need kubectl >= 1.27 (Debian's kubernetes-client is too old); install it and run again" >&2
  exit 1
fi
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: missing ${packages[*]} and apt-get is not available;" \
    "install them by hand: Prometheus (>= 2.24, with promtool, both on PATH), Chromium (at $CHROMIUM), etcd, openssl, xz, curl, Go with Sprig v3 and yaml.v2 in $GOCODE" >&2
  exit 1
fi
apt_root ensure-test-deps "${packages[@]}" || exit 1

# Keep the prometheus package's postinst from starting the service. Only create policy-rc.d when
# there is none (container images often ship one already) and remove only what we created.
policy="${POLICY_RC_D:-/usr/sbin/policy-rc.d}"
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
apt_install ensure-test-deps "${packages[@]}" || exit 1

# Belt and braces: if a service got started anyway (policy ignored), stop it so nothing is left on
# :9090. `systemctl is-active` fails harmlessly where systemd is not running.
stopped=""
for service in prometheus etcd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    ${SUDO[@]+"${SUDO[@]}"} systemctl stop "$service" >/dev/null 2>&1 || true
    stopped="$stopped, stopped the $service service the package started"
  fi
done

for p in "${packages[@]}"; do
  case "$p" in
    prometheus)
      if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
        echo "ensure-test-deps: installed the prometheus package but prometheus/promtool are still not on PATH" >&2
        exit 1
      fi
      version="$(prometheus --version 2>&1 | head -n 1 || true)"
      echo "ensure-test-deps: installed the Debian package prometheus with apt-get (${version:-version unknown})${stopped}"
      ;;
    etcd-server | openssl | xz-utils | curl)
      cmd=$(case "$p" in etcd-server) echo etcd ;; xz-utils) echo xz ;; *) echo "$p" ;; esac)
      if ! command -v "$cmd" >/dev/null 2>&1; then
        echo "ensure-test-deps: installed the $p package but $cmd is still not on PATH" >&2
        exit 1
      fi
      echo "ensure-test-deps: installed the Debian package $p with apt-get${stopped}"
      ;;
    golang-go)
      if ! command -v go >/dev/null 2>&1; then
        echo "ensure-test-deps: installed the golang-go package but go is still not on PATH" >&2
        exit 1
      fi
      echo "ensure-test-deps: installed the Debian package golang-go with apt-get ($(go version 2>/dev/null || true))"
      ;;
    golang-github-masterminds-sprig-dev | golang-gopkg-yaml.v2-dev)
      echo "ensure-test-deps: installed the Debian package $p with apt-get (sources under $GOCODE)"
      ;;
    chromium)
      if [ ! -x "$CHROMIUM" ]; then
        echo "ensure-test-deps: installed the chromium package but $CHROMIUM is still missing" >&2
        exit 1
      fi
      version="$("$CHROMIUM" --version 2>/dev/null | head -n 1 || true)"
      echo "ensure-test-deps: installed the Debian package chromium with apt-get (${version:-version unknown})"
      ;;
  esac
done
