#!/usr/bin/env bash
# Refits the calibration of the shipped models (models/pretrained/*.h5) on their own
# validation parts, re-derived from each card's split and seed, without training again:
# intervals per band of similarity to the nearest training molecule, Platt-scaled
# probabilities, and the applicability domain that follows (docs/models.md). The drug-target
# models read the pair files and split files models/drug_target_data.py writes.
#   bash models/calibrate_pretrained.sh [DATASETS] [NAME...]
# DATASETS defaults to MOLSIEVE_DATASETS or ../shared/datasets beside the checkout;
# MOLSIEVE_BIN names the molsieve to run (default build/molsieve).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
shift || true
wanted=("$@")
work=bench-work/calibration
mkdir -p "$work"
bin="${MOLSIEVE_BIN:-build/molsieve}"
[ -x "$bin" ] || bash scripts/build.sh
threads=(--threads "${MOLSIEVE_THREADS:-0}")

# shellcheck disable=SC2076  # a literal match of the name among the wanted ones
selected() { [ ${#wanted[@]} -eq 0 ] || [[ " ${wanted[*]} " =~ " $1 " ]]; }

calibrate() {  # name data [calibrate options...]
  local name=$1 file=$2
  shift 2
  selected "$name" || return 0
  echo "== $name"
  "$bin" calibrate --model "models/pretrained/$name.h5" --data "$file" "${threads[@]}" "$@" \
    --overwrite -o "$work/$name.h5"
  mv "$work/$name.h5" "models/pretrained/$name.h5"
}

calibrate bace "$data/bace.csv"
calibrate clintox "$data/clintox.csv"
calibrate tox21 "$data/tox21.csv"
calibrate pdbbind "$data/pdbbind_refined.csv"
for name in davis kiba; do
  selected "$name" || continue
  /usr/bin/python3 models/drug_target_data.py "$data/$name" "$work" --name "$name"
  active=()
  [ "$name" = davis ] && active=(--active-threshold 7)
  calibrate "$name" "$work/$name.csv" --split-file "$work/$name.split-random.csv" "${active[@]}"
done
