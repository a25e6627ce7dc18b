#!/usr/bin/env bash
# Trains the shipped drug-target models (models/pretrained/davis.h5, kiba.h5) and, with the
# same recipe, the held-out evaluations on four splits of pairs (random, unseen drug, unseen
# protein, both unseen; models/drug_target_data.py makes them), each beside the random-forest
# floor on the same split (bench/drug_target_floor.py). The table for docs/models.md comes
# from bench/drug_target_report.py.
#   bash models/train_drug_target.sh [DATASETS] [davis|kiba ...]
# DATASETS defaults to MOLSIEVE_DATASETS or ../shared/datasets beside the checkout.
# MOLSIEVE_HELD_OUT_ONLY=1 runs the held-out evaluations only (no shipped model is written).
# SPLITS (all four) picks the held-out splits. ENCODER=FILE (from molsieve pretrain) starts
# every ligand encoder from it (--from-pretrained); held-out models are then written as
# NAME-SPLIT-pretrained.h5, beside the ones from random weights. MOLSIEVE_BIN: the molsieve to
# run (default build/molsieve, built when missing).
# Each network takes about 5 min (Davis, 100 epochs) or 5 min (KIBA, 60 epochs) on one quiet
# thread; several times that on a loaded machine.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
shift || true
wanted=("${@:-davis kiba}")
work=bench-work/drug_target
mkdir -p "$work/models" models/pretrained
[ -n "${MOLSIEVE_BIN:-}" ] || [ -x build/molsieve ] || bash scripts/build.sh

# Per data set (docs/models.md, "How the recipe was chosen"): the composition encoder, which
# on Davis's random validation part beat the convolutional encoder at the same CPU time; on
# Davis (68 ligands) small blocks of 17 ligands x 16 proteins, on KIBA (2,068 ligands) 16
# ligands x all 229 proteins with the folded fingerprint fed to the ligand encoder. pKd >= 7
# marks Davis's actives.
recipe() {  # name
  case $1 in
    davis) echo --protein-encoder composition --epochs 100 --patience 15 --batch-size 17 --protein-batch 16 \
      --active-threshold 7 ;;
    kiba) echo --protein-encoder composition --epochs 60 --patience 10 --batch-size 16 --protein-batch 229 \
      --fingerprint-features 2048 ;;
  esac
}

train() {  # name split-arguments... -- output
  local name=$1; shift
  # shellcheck disable=SC2046  # the recipe is words
  "${MOLSIEVE_BIN:-build/molsieve}" train --data "$work/$name.csv" --smiles-column smiles --protein-column protein \
    --protein-table "$work/$name.proteins.csv" --targets affinity --task regression \
    $(recipe "$name") --seed 0 --threads "${MOLSIEVE_THREADS:-0}" --overwrite "$@"
}

for name in ${wanted[*]}; do
  python3 models/drug_target_data.py "$data/$name" "$work" --name "$name"
  davis_flag=(); [ "$name" = davis ] && davis_flag=(--davis)
  for split in ${SPLITS:-random unseen-drug unseen-protein unseen-both}; do
    echo "== $name: held-out evaluation, $split split${ENCODER:+, from $ENCODER}"
    train "$name" --split-file "$work/$name.split-$split.csv" ${ENCODER:+--from-pretrained "$ENCODER"} \
      -o "$work/models/$name-$split${ENCODER:+-pretrained}.h5"
    [ -f "$work/floor-$name-$split.json" ] ||  # the floor does not depend on the encoder
      /usr/bin/python3 bench/drug_target_floor.py "$work/$name.csv" "$work/$name.proteins.csv" \
        "$work/$name.split-$split.csv" "${davis_flag[@]}" --json "$work/floor-$name-$split.json"
  done
  if [ "${MOLSIEVE_HELD_OUT_ONLY:-0}" != 1 ]; then
    # An ensemble on the random split: its card's test metrics and spread coverage are held out.
    echo "== $name: shipped model (ensemble of 3, random split)"
    train "$name" --split-file "$work/$name.split-random.csv" --ensemble 3 ${ENCODER:+--from-pretrained "$ENCODER"} \
      -o "models/pretrained/$name.h5"
  fi
done
