#!/usr/bin/env bash
# The main job on the embedded default: installs, builds, featurizes RDKit's 5,000 NCI
# compounds into build/default-library.h5 and prints the store's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/molsieve featurize --default-library -o build/default-library.h5 --overwrite
./build/molsieve info build/default-library.h5
