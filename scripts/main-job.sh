#!/usr/bin/env bash
# The main job on the embedded default: installs, builds, screens RDKit's 5,000 NCI
# compounds for estrogen receptor alpha agonists with the default job
# (datasets/jobs/default.toml; why this target: README) into build/er-nci5k.h5 and prints
# its diverse selection, or, when no molecule qualifies, says so and lists the best-scored.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/molsieve screen datasets/jobs/default.toml -o build/er-nci5k.h5 --overwrite
selected=$(./build/molsieve query build/er-nci5k.h5 --where 'selection_rank > 0' --format csv -q | tail -n +2 | wc -l)
if [ "$selected" -gt 0 ]; then
  ./build/molsieve query build/er-nci5k.h5 --where 'selection_rank > 0' --order-by selection_rank:asc --top 20
else
  echo "No candidate: no scored molecule is inside the domain of every model the job ranks by. The 20 best-scored,"
  echo "all extrapolations (! marks a term outside its model's domain), to read as a guide, not as candidates:"
  ./build/molsieve query build/er-nci5k.h5 --top 20
fi
