#!/usr/bin/env bash
# Trains the shipped models (models/pretrained/*.h5) and, with the same recipe, the
# held-out evaluation models (random and scaffold 80/10/10 splits, kept in
# bench-work/models/ with their split files for the random-forest baseline).
#   bash models/train_pretrained.sh [DATASETS] [NAME...]
# DATASETS defaults to MOLSIEVE_DATASETS or ../shared/datasets beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
shift || true
wanted=("$@")
work=bench-work/models
mkdir -p "$work" models/pretrained
[ -x build/molsieve ] || bash scripts/build.sh
recipe=(--epochs 40 --patience 10 --ensemble 3 --descriptors --seed 0 --threads "${MOLSIEVE_THREADS:-0}")

model() {  # name file targets task
  local name=$1 file=$2 targets=$3 task=$4
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $name " ]]; then return; fi
  for split in random scaffold; do
    echo "== $name: held-out evaluation, $split split"
    build/molsieve train --data "$data/$file" --targets "$targets" --task "$task" --split "$split" \
      "${recipe[@]}" --overwrite -o "$work/${name}_$split.h5" --split-output "$work/${name}_$split.split.csv"
  done
  echo "== $name: shipped model (90% training, 10% validation for early stopping)"
  build/molsieve train --data "$data/$file" --targets "$targets" --task "$task" --split random \
    --split-sizes 0.9,0.1,0 "${recipe[@]}" --overwrite -o "models/pretrained/$name.h5"
}

model clintox clintox.csv FDA_APPROVED,CT_TOX classification
model bace bace.csv pIC50 regression
model tox21 tox21.csv NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,SR-p53 classification
model pdbbind pdbbind_refined.csv -logKd/Ki regression
