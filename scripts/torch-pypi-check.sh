#!/usr/bin/env bash
# Builds molsieve against the LibTorch inside PyTorch's PyPI wheel (the only LibTorch with
# CUDA, and the one a GPU node has) and runs the whole test suite on it. The wheel's
# libtorch loads without a GPU, so this build is checked on any machine; CUDA tests skip
# there with their reason.
#
#   bash scripts/torch-pypi-check.sh [ctest arguments...]
#
# MOLSIEVE_TORCH_VERSION picks the wheel (default 2.11.0); the virtual environment and the
# build live in build-torch-pypi/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
version="${MOLSIEVE_TORCH_VERSION:-2.11.0}"
jobs="${MOLSIEVE_BUILD_JOBS:-2}"
root=build-torch-pypi
if [ ! -x "$root/venv/bin/python" ]; then
  python3 -m venv "$root/venv"
fi
if ! "$root/venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
  "$root/venv/bin/pip" install --quiet "torch==$version"
fi
torch_cmake="$("$root/venv/bin/python" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)' 2>/dev/null)"
# PyTorch's CMake adds a long list of GPU architectures unless told which (nvcc 13 rejects
# the oldest); 9.0 is the H200 this build is meant for.
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# TorchConfig.cmake looks for libtorch and libc10 on the system paths before its own folder,
# so beside Debian's libtorch-dev (which setup.sh installs) it would link both.
torch_lib="$(dirname "$(dirname "$torch_cmake")")/lib"
cmake -S . -B "$root/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_cmake" -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DTORCH_LIBRARY="$torch_lib/libtorch.so" -Dc10_LIBRARY="$torch_lib/libc10.so" >"$root/configure.log" 2>&1 ||
  { cat "$root/configure.log"; exit 1; }
cmake --build "$root/build" -j "$jobs"
cd "$root/build"
ctest --output-on-failure -j 2 "$@"
