#!/usr/bin/env bash
# The main job on the embedded default: installs, builds, screens RDKit's 5,000 NCI
# compounds for BACE-1 with the default job (datasets/jobs/default.toml) into
# build/bace1-nci5k.h5 and prints the 20 best diverse candidates.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/molsieve screen datasets/jobs/default.toml -o build/bace1-nci5k.h5 --overwrite
./build/molsieve query build/bace1-nci5k.h5 --where 'selection_rank > 0' --order-by selection_rank:asc --top 20
