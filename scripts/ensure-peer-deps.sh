#!/usr/bin/env bash
# Makes sure the peer benchmark (`npm run bench -- --peers`, bench/peers/) can run R's forecast
# package and Prophet: `Rscript` (Debian package r-base-core) and the R packages forecast, prophet
# and jsonlite (r-cran-forecast, r-cran-prophet, r-cran-jsonlite). Whatever is missing is installed
# with apt-get (scripts/apt.sh: root or sudo, waits for the package locks). Not part of npm test.
#
# Exit 0 when all are there (afterwards); 1, with the reason on stderr, when they are not and
# cannot be installed here.
set -euo pipefail

# shellcheck source=scripts/apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"

TAG=ensure-peer-deps
# R package -> Debian package.
PAIRS=(forecast:r-cran-forecast prophet:r-cran-prophet jsonlite:r-cran-jsonlite)

missing() {
  local out=()
  if ! command -v Rscript >/dev/null 2>&1; then
    out+=(r-base-core)
    for pair in "${PAIRS[@]}"; do out+=("${pair#*:}"); done
  else
    for pair in "${PAIRS[@]}"; do
      Rscript -e "quit(status = if (requireNamespace('${pair%%:*}', quietly = TRUE)) 0 else 1)" >/dev/null 2>&1 || out+=("${pair#*:}")
    done
  fi
  echo "${out[@]+"${out[@]}"}"
}

read -r -a packages <<<"$(missing)"
if [ "${#packages[@]}" -eq 0 ]; then
  echo "$TAG: Rscript and the R packages forecast, prophet and jsonlite already installed ($(Rscript --version 2>&1 | head -n 1))"
  exit 0
fi
apt_root "$TAG" "${packages[@]}" || exit 1
export DEBIAN_FRONTEND=noninteractive
apt_install "$TAG" "${packages[@]}" || exit 1
read -r -a still <<<"$(missing)"
if [ "${#still[@]}" -gt 0 ]; then
  echo "$TAG: installed ${packages[*]} with apt-get, but ${still[*]} is still missing for Rscript" >&2
  exit 1
fi
echo "$TAG: installed the Debian packages ${packages[*]} with apt-get ($(Rscript --version 2>&1 | head -n 1))"
