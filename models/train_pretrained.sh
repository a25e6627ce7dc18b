#!/usr/bin/env bash
# Trains the shipped models (models/pretrained/*.h5) and, with the same recipe, the
# held-out evaluation models (random and scaffold 80/10/10 splits, kept in
# bench-work/models/ with their split files and the random-forest baseline on each split,
# bench/rf_baseline.py; tables for docs/models.md by bench/models_report.py).
#   bash models/train_pretrained.sh [DATASETS] [NAME...]
# DATASETS defaults to MOLSIEVE_DATASETS or ../shared/datasets beside the checkout.
# MOLSIEVE_HELD_OUT_ONLY=1 runs the held-out evaluations only (no shipped model is written);
# MOLSIEVE_SHIPPED_ONLY=1 writes the shipped models only.
# MOLSIEVE_PDBBIND_UNION=1 also scores PDBbind models trained on the refined + general union.
# MOLSIEVE_BIN: the molsieve to run (default build/molsieve, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
shift || true
wanted=("$@")
work=bench-work/models
mkdir -p "$work" models/pretrained
[ -n "${MOLSIEVE_BIN:-}" ] || [ -x build/molsieve ] || bash scripts/build.sh
molsieve="${MOLSIEVE_BIN:-build/molsieve}"
recipe=(--epochs 30 --patience 10 --ensemble 3 --descriptors --threads "${MOLSIEVE_THREADS:-0}")

# Per data set, chosen on validation parts only (docs/models.md, "How the recipes were
# chosen"): the regression sets also read the folded fingerprint, with dropout, and
# PDBbind and Tox21 have a third feed-forward layer.
model_options() {  # name
  case $1 in
    bace) echo --fingerprint-features 512 --dropout 0.2 ;;
    pdbbind) echo --fingerprint-features 512 --dropout 0.2 --ffn-layers 3 ;;
    tox21) echo --ffn-layers 3 ;;
  esac
}

# shellcheck disable=SC2076  # a literal match of the name among the wanted ones
selected() { [ ${#wanted[@]} -eq 0 ] || [[ " ${wanted[*]} " =~ " $1 " ]]; }

held_out() {  # name file targets task [split seed]: both splits with seed 0, or one split and seed
  [ "${MOLSIEVE_SHIPPED_ONLY:-0}" = 1 ] && return 0
  local name=$1 file=$2 targets=$3 task=$4 splits=(random scaffold) seed=0 suffix=""
  if [ $# -gt 4 ]; then splits=("$5"); seed=$6; suffix="_s$6"; fi
  for split in "${splits[@]}"; do
    echo "== $name: held-out evaluation, $split split, seed $seed"
    # shellcheck disable=SC2046  # the options are words
    "$molsieve" train --data "$file" --targets "$targets" --task "$task" --split "$split" \
      "${recipe[@]}" $(model_options "$name") --seed "$seed" --overwrite -o "$work/${name}_$split$suffix.h5" \
      --split-output "$work/${name}_$split$suffix.split.csv"
    random_forest "$file" "$work/${name}_$split$suffix"
  done
}

random_forest() {  # data run: the baseline on the run's split, beside its model
  local trees=500
  [[ "$2" == */tox21_* ]] && trees=200  # 12 tasks: fewer trees keep the baseline to minutes
  /usr/bin/python3 bench/rf_baseline.py "$1" "$2.split.csv" "$2.h5" --trees "$trees" --json "$2.rf.json"
}

shipped() {  # name file targets task
  [ "${MOLSIEVE_HELD_OUT_ONLY:-0}" = 1 ] && return 0
  # The validation part is a scaffold hold-out: its molecules reach far from the training ones,
  # so the intervals and the domain are measured where a screen's molecules lie (docs/models.md).
  echo "== $1: shipped model (90% training, 10% validation by scaffold for early stopping and calibration)"
  # shellcheck disable=SC2046
  "$molsieve" train --data "$2" --targets "$3" --task "$4" --split scaffold \
    --split-sizes 0.9,0.1,0 "${recipe[@]}" $(model_options "$1") --seed 0 --overwrite -o "models/pretrained/$1.h5"
}

model() {  # name file targets task
  selected "$1" || return 0
  held_out "$1" "$data/$2" "$3" "$4"
  shipped "$1" "$data/$2" "$3" "$4"
}

# The small sets' test parts hold a few hundred molecules (and their scaffold splits a few
# dozen scaffolds): two more seeds show how much one split's result moves.
more_splits() {  # name file targets task split
  selected "$1" || return 0
  for seed in 1 2; do held_out "$1" "$data/$2" "$3" "$4" "$5" "$seed"; done
}

model clintox clintox.csv FDA_APPROVED,CT_TOX classification
model bace bace.csv pIC50 regression
more_splits clintox clintox.csv FDA_APPROVED,CT_TOX classification scaffold
more_splits bace bace.csv pIC50 regression scaffold
model tox21 tox21.csv NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,SR-p53 classification
# PDBbind: the refined set alone; with MOLSIEVE_PDBBIND_UNION=1 also the union with the
# general set, scored on the same refined test molecules (models/pdbbind_data.py removes
# them from the union), to decide whether the general set helps. On the random split it did
# not (docs/models.md), so the shipped model is trained on the refined set.
if selected pdbbind; then
  held_out pdbbind "$data/pdbbind_refined.csv" -logKd/Ki regression
  if [ "${MOLSIEVE_PDBBIND_UNION:-0}" = 1 ]; then
    for split in random scaffold; do
      python3 models/pdbbind_data.py "$data" "$work" --hold-out "$work/pdbbind_$split.split.csv" \
        --name "pdbbind_union_$split"
      echo "== pdbbind: refined + general, scored on the refined $split test molecules"
      # shellcheck disable=SC2046
      "$molsieve" train --data "$work/pdbbind_union_$split.csv" --targets -logKd/Ki --task regression \
        --split-file "$work/pdbbind_union_$split.split.csv" "${recipe[@]}" $(model_options pdbbind) --seed 0 --overwrite \
        -o "$work/pdbbind_union_$split.h5"
      random_forest "$work/pdbbind_union_$split.csv" "$work/pdbbind_union_$split"
    done
  fi
  shipped pdbbind "$data/pdbbind_refined.csv" -logKd/Ki regression
fi
more_splits pdbbind pdbbind_refined.csv -logKd/Ki regression random
more_splits pdbbind pdbbind_refined.csv -logKd/Ki regression scaffold
