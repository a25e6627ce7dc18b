#!/usr/bin/env bash
# A build without MPI (cmake -DMOLSIEVE_WITH_MPI=OFF) compiles the same callers against the
# single-process world and screens as the MPI build does: same results, byte for byte.
# Builds in build-no-mpi/ (the compiler cache makes it cheap after scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-no-mpi -G Ninja -DMOLSIEVE_WITH_MPI=OFF -DMOLSIEVE_BUILD_TESTS=OFF -DMOLSIEVE_BUILD_PYTHON=OFF > build-no-mpi.log
grep -q "molsieve: MPI OFF" build-no-mpi.log || { echo "check-no-mpi: MPI was not switched off" >&2; exit 1; }
ninja -C build-no-mpi -j2 molsieve >> build-no-mpi.log
if ldd build-no-mpi/molsieve | grep -q libmpi; then
  echo "check-no-mpi: the build without MPI links libmpi" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rdkit="${RDBASE:-/usr/share/RDKit}/Data"  # Debian rdkit-data; RDBASE as for RDKit itself
head -200 "$rdkit/NCI/first_5K.smi" > "$work/library.smi"
sed -e 's/chunk_size = 1024/chunk_size = 50/' \
    -e "s|\"er_agonist_references.smi\"|\"$PWD/datasets/jobs/er_agonist_references.smi\"|" datasets/jobs/default.toml > "$work/job.toml"
for build in build build-no-mpi; do
  "$build/molsieve" screen "$work/job.toml" --library "$work/library.smi" -o "$work/$build.h5" --threads 1 -q
  "$build/molsieve" query "$work/$build.h5" --format csv --order-by index:asc -o "$work/$build.csv"
done
cmp "$work/build.csv" "$work/build-no-mpi.csv"
echo "check-no-mpi: the build without MPI screens 200 molecules to the same results as the MPI build"
