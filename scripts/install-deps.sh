#!/usr/bin/env bash
# Installs the Debian packages cskpi builds, tests and benchmarks with.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config tzdata clang clang-format libclang-rt-14-dev
  libeigen3-dev libboost-dev nlohmann-json3-dev doctest-dev
  libfast-float-dev libhowardhinnant-date-dev libcli11-dev libfmt-dev libre2-dev libsodium-dev
  pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest
  python3-scipy python3-statsmodels python3-sklearn python3-matplotlib python3-nbclient python3-nbconvert python3-ipykernel
  python3-venv python3-pip python3-setuptools fonts-wqy-zenhei
  libxlsxwriter-dev python3-openpyxl chromium libcpp-httplib-dev python3-dask python3-distributed
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "cskpi: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
