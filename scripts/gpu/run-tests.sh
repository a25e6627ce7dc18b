#!/usr/bin/env bash
# Run on a GPU machine that has CUDA, CMake, ninja and a C++ compiler but no package
# registry: unpacks the Debian packages carried in .gpu/debs (see fetch-debs.sh) into a
# private prefix, builds molsieve with its CUDA backends and the machine's own LibTorch
# (PyTorch's, which has CUDA; Debian's libtorch has none), runs the whole test suite
# (the CUDA tests included) and the default library's summary with --device cuda.
# Logs go to $OUT when set (the directory whose files come back), else to build-gpu/.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="${MOLSIEVE_GPU_PREFIX:-/tmp/molsieve-deps}"
logs="${OUT:-build-gpu}"
mkdir -p "$prefix" "$logs"
for deb in .gpu/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
usr="$prefix/usr"
libs="$usr/lib/x86_64-linux-gnu:$usr/lib"
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RDBASE="$usr/share/RDKit"
# PyTorch's CMake otherwise adds eleven GPU architectures, of which nvcc 13 rejects the oldest.
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
torch_cmake="$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$logs/gpu.txt"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_PREFIX_PATH="$usr;$torch_cmake" -DRDKit_ROOT="$usr" \
  -DHDF5_ROOT="$usr/lib/x86_64-linux-gnu/hdf5/serial" \
  -DCMAKE_CXX_FLAGS="-isystem $usr/include" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$libs" \
  -DCMAKE_SHARED_LINKER_FLAGS="-Wl,-rpath-link,$libs" 2>&1 | tee "$logs/configure.log"
cmake --build build-gpu -j "$(nproc)" 2>&1 | tail -n 30 | tee "$logs/build.log"
(cd build-gpu && ctest --output-on-failure -j 8) 2>&1 | tee "$logs/ctest.log"
build-gpu/tests/test_popcount --gtest_filter='*Cuda*' 2>&1 | tee "$logs/cuda-tests.log"
build-gpu/tests/test_models --gtest_filter='ModelDevices.*' 2>&1 | tee -a "$logs/cuda-tests.log"
build-gpu/molsieve featurize --default-library -o build-gpu/default-library.h5 --overwrite -q
build-gpu/molsieve info build-gpu/default-library.h5 --device cuda 2>&1 | tee "$logs/info-cuda.log"
