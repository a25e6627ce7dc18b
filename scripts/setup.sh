#!/usr/bin/env bash
# Installs every Debian package molsieve needs to build, test and benchmark.
# Idempotent and non-interactive: packages already present are not fetched again.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git bc
  librdkit-dev rdkit-data python3-rdkit python3-h5py
  libboost-dev libhdf5-dev hdf5-tools libtbb-dev zlib1g-dev
  libopenmpi-dev openmpi-bin slurm-wlm munge
  libtorch-dev libopenblas0-openmp nlohmann-json3-dev libtomlplusplus-dev python3-sklearn
  libgtest-dev libcli11-dev libglpk-dev
  libpq-dev postgresql
  libsqlite3-dev libsodium-dev libcpp-httplib-dev
  pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest python3-venv python3-pip
  clang-15 libfuzzer-15-dev
  chromium fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
