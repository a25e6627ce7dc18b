#!/usr/bin/env bash
# Featurization thread scaling on a many-core GPU node (after scripts/gpu/run-tests.sh has
# built build-gpu/): molecules/s at 1, 2, 4, 8 and 16 threads on the given CSV.
#   bash scripts/gpu/thread-scaling.sh molecules.csv
set -euo pipefail
cd "$(dirname "$0")/../.."
input="$1"
prefix="${MOLSIEVE_GPU_PREFIX:-/tmp/molsieve-deps}/usr"
export LD_LIBRARY_PATH="$prefix/lib/x86_64-linux-gnu:$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
printf '%-8s %12s\n' threads molecules/s
for t in 1 2 4 8 16; do
  rate=$(build-gpu/molsieve featurize "$input" -o build-gpu/scaling.h5 --threads "$t" --overwrite -q \
    | sed -n 's/.*threads, \([0-9.]*\) molecules\/s/\1/p')
  printf '%-8s %12s\n' "$t" "$rate"
done
