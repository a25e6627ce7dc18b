#!/usr/bin/env bash
# The main job on the embedded default: installs, builds, screens RDKit's 5,000 NCI
# compounds for BACE-1 with the default job (datasets/jobs/default.toml) into
# build/bace1-nci5k.h5 and prints the 20 best diverse candidates, or, when no molecule is
# inside the affinity model's domain, says so and lists the best-scored extrapolations.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/molsieve screen datasets/jobs/default.toml -o build/bace1-nci5k.h5 --overwrite
selected=$(./build/molsieve query build/bace1-nci5k.h5 --where 'selection_rank > 0' --format csv -q | tail -n +2 | wc -l)
if [ "$selected" -gt 0 ]; then
  ./build/molsieve query build/bace1-nci5k.h5 --where 'selection_rank > 0' --order-by selection_rank:asc --top 20
else
  echo "No candidate: no NCI molecule is inside the bace model's applicability domain. The 20 best-scored,"
  echo "all extrapolations (! marks a term outside its model's domain), to read as a guide, not as candidates:"
  ./build/molsieve query build/bace1-nci5k.h5 --top 20
fi
