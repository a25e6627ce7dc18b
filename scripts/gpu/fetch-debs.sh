#!/usr/bin/env bash
# Run on a Debian 12 machine with network access: downloads the Debian packages a GPU
# machine without a package registry needs to build and test molsieve, into .gpu/debs
# (ignored by git). Carry .gpu to the GPU machine and run scripts/gpu/run-tests.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu/debs
cd .gpu/debs
apt-get download \
  librdkit-dev librdkit1 rdkit-data libcoordgen3 libmaeparser1 libinchi1 libfreetype6 \
  libboost1.74-dev libboost-serialization1.74.0 libboost-iostreams1.74.0 \
  libboost-system1.74.0 libboost-filesystem1.74.0 libboost-regex1.74.0 \
  libboost-program-options1.74.0 libboost-thread1.74.0 libboost-atomic1.74.0 \
  libboost-chrono1.74.0 libboost-date-time1.74.0 \
  libhdf5-dev libhdf5-103-1 libhdf5-cpp-103-1 libhdf5-hl-100 libhdf5-hl-cpp-100 libsz2 libaec0 \
  libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5 \
  libgtest-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libtomlplusplus-dev libtomlplusplus3 \
  libglpk-dev libglpk40 libamd2 libcolamd2 libsuitesparseconfig5 libltdl7 \
  libcairo2 libpixman-1-0 libpng16-16 libfontconfig1 fontconfig-config libexpat1 libbrotli1 \
  libx11-6 libx11-data libxcb1 libxcb-render0 libxcb-shm0 libxext6 libxrender1 libxau6 \
  libxdmcp6 libbsd0 libmd0
du -sh .
