#!/usr/bin/env bash
# Pretrains the descriptor encoder (docs/models.md, "Pretraining an encoder") over every
# public set's structures except those of the shipped molecule models' sets (BACE, ClinTox,
# Tox21, PDBbind refined), which the held-out comparisons score: no structure they are scored
# on is seen, even without its label.
#   bash models/pretrain_encoder.sh [DATASETS] [OUTPUT]
# DATASETS: MOLSIEVE_DATASETS or ../shared/datasets beside the checkout; OUTPUT:
# bench-work/pretrain/encoder.h5. EPOCHS (10), MOLSIEVE_THREADS (0: all cores), MOLSIEVE_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
output="${2:-bench-work/pretrain/encoder.h5}"
mkdir -p "$(dirname "$output")"
[ -n "${MOLSIEVE_BIN:-}" ] || [ -x build/molsieve ] || bash scripts/build.sh
inputs=()
for file in muv.csv.gz hiv.csv.gz toxcast.csv.gz lipo.csv pdbbind_full.csv bbbp.csv sider.csv delaney.csv \
  freesolv.csv; do
  inputs+=(--data "$data/$file")
done
for file in bace.csv clintox.csv tox21.csv pdbbind_refined.csv; do
  inputs+=(--exclude "$data/$file")
done
"${MOLSIEVE_BIN:-build/molsieve}" pretrain "${inputs[@]}" --epochs "${EPOCHS:-10}" \
  --threads "${MOLSIEVE_THREADS:-0}" --overwrite -o "$output"
