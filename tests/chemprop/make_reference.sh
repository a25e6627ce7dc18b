#!/usr/bin/env bash
# Makes the Chemprop reference in tests/data/chemprop: two small Chemprop v2 models trained
# with Chemprop's own command line (installed from PyPI into a virtual environment of the
# build; a test tool, never a molsieve dependency) and Chemprop's predictions on 1,000 other
# molecules. python/tests/test_chemprop.py checks molsieve's imports against them.
#   tests/chemprop/make_reference.sh DATASETS_DIR [BUILD_DIR]
# DATASETS_DIR holds lipo.csv and tox21.csv (MoleculeNet); BUILD_DIR defaults to build.
set -euo pipefail

datasets=${1:?usage: make_reference.sh DATASETS_DIR [BUILD_DIR]}
build=${2:-build}
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../data/chemprop"
venv="$build/chemprop-venv"
work="$build/chemprop-reference"
chemprop_version=2.3.1

if [ ! -x "$venv/bin/chemprop" ]; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "chemprop==$chemprop_version"
fi
mkdir -p "$work" "$out"

# Training files: 1,000 rows each; prediction input: the first 1,000 Tox21 rows from row
# 3,001 on (neither model saw them) that Chemprop's RDKit reads (Chemprop stops at any other).
"$venv/bin/python" - "$datasets" "$work" "$out" <<'PY'
import csv, sys
from rdkit import Chem, RDLogger
RDLogger.DisableLog("rdApp.*")
datasets, work, out = sys.argv[1:]
def rows(name):
    with open(f"{datasets}/{name}") as f:
        return list(csv.reader(f))
lipo, tox21 = rows("lipo.csv"), rows("tox21.csv")
with open(f"{work}/lipo_train.csv", "w", newline="") as f:
    csv.writer(f).writerows([lipo[0]] + lipo[1:1001])
tasks = ["NR-AR", "NR-AhR", "SR-ARE", "SR-MMP"]
columns = [tox21[0].index(t) for t in tasks]
with open(f"{work}/tox21_train.csv", "w", newline="") as f:
    csv.writer(f).writerows([["smiles"] + tasks] + [[r[0]] + [r[c] for c in columns] for r in tox21[1:1001]])
with open(f"{out}/molecules.csv", "w", newline="") as f:
    readable = [r[0] for r in tox21[3001:] if Chem.MolFromSmiles(r[0]) is not None]
    csv.writer(f).writerows([["smiles"]] + [[s] for s in readable[:1000]])
PY

rm -rf "$work/lipo" "$work/tox21"
common=(--epochs 5 --num-workers 0 --accelerator cpu --devices 1 --data-seed 0 --pytorch-seed 0
        --split-sizes 0.8 0.1 0.1 --message-hidden-dim 128 --ffn-hidden-dim 128)
# Regression: Chemprop's defaults (v2 atom features, mean aggregation, one hidden FFN layer).
"$venv/bin/chemprop" train -i "$work/lipo_train.csv" --task-type regression -s smiles --target-columns lipo \
  "${common[@]}" -o "$work/lipo"
# Multi-task classification: v1 atom features, sum aggregation, batch norm, two hidden FFN layers.
"$venv/bin/chemprop" train -i "$work/tox21_train.csv" --task-type classification -s smiles \
  --target-columns NR-AR NR-AhR SR-ARE SR-MMP --multi-hot-atom-featurizer-mode V1 --aggregation sum \
  --batch-norm --ffn-num-layers 2 "${common[@]}" -o "$work/tox21"

# Lightning's checkpoint of the best epoch; for the regression also Chemprop's own model file
# (best.pt: no optimizer state, and the task names as output_columns).
cp "$work/lipo/model_0/best.pt" "$out/lipo.pt"
for model in lipo tox21; do
  cp "$work/$model"/model_0/checkpoints/best-*.ckpt "$out/$model.ckpt"
  "$venv/bin/chemprop" predict -i "$out/molecules.csv" -s smiles --model-paths "$out/$model.ckpt" \
    --num-workers 0 --accelerator cpu --devices 1 -o "$out/${model}_chemprop_predictions.csv"
done
"$venv/bin/python" -c "import chemprop, rdkit, torch; print(chemprop.__version__, rdkit.__version__, torch.__version__)" \
  > "$out/versions.txt"
