#!/usr/bin/env bash
# From scratch against a pretrained encoder (docs/models.md, "Pretraining an encoder"): each
# data set's shipped recipe (models/train_pretrained.sh) with ENSEMBLE members on scaffold
# splits, seeds 0..SEEDS-1, trained twice on the same split, once from random weights and once
# --from-pretrained ENCODER; the random forest on the same split (bench/rf_baseline.py).
# The encoder must have been pretrained with these data sets' molecules --exclude'd.
#   bash bench/pretraining.sh ENCODER [NAME...]   (names: bace clintox tox21 pdbbind; default all)
# SPLITS ("scaffold random"): the 80/10/10 splits to run. FIRST_SEED (0) skips seeds already run. MOLSIEVE_BIN: the molsieve to run (default build/molsieve); MOLSIEVE_DATASETS: the data sets' folder; SEEDS (3), ENSEMBLE (1), EPOCHS (30), VARIANTS
# ("scratch pretrained": either alone to run one side, e.g. while the encoder trains), WORK
# (bench-work/pretraining): where the runs go.
# Writes bench-work/pretraining/<name>_<split>_<seed>_{scratch,pretrained}.h5 with their split
# and forest JSON, and prints one line per run: name split seed variant test metric(s).
set -euo pipefail
cd "$(dirname "$0")/.."
encoder=$1
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(bace clintox tox21 pdbbind)
data="${MOLSIEVE_DATASETS:-../shared/datasets}"
work="${WORK:-bench-work/pretraining}"
mkdir -p "$work"
[ -n "${MOLSIEVE_BIN:-}" ] || [ -x build/molsieve ] || bash scripts/build.sh

recipe() {  # name: file targets task options (as models/train_pretrained.sh)
  case $1 in
    bace) echo "bace.csv pIC50 regression --fingerprint-features 512 --dropout 0.2" ;;
    clintox) echo "clintox.csv FDA_APPROVED,CT_TOX classification" ;;
    tox21) echo "tox21.csv NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,SR-p53 classification --ffn-layers 3" ;;
    pdbbind) echo "pdbbind_refined.csv -logKd/Ki regression --fingerprint-features 512 --dropout 0.2 --ffn-layers 3" ;;
    *) echo "unknown data set $1" >&2; exit 2 ;;
  esac
}

for name in "${names[@]}"; do
  read -r file targets task options <<<"$(recipe "$name")"
  trees=500
  [ "$name" = tox21 ] && trees=200  # 12 tasks: as models/train_pretrained.sh
  for split in ${SPLITS:-scaffold random}; do
    for seed in $(seq "${FIRST_SEED:-0}" $((${SEEDS:-3} - 1))); do
      for variant in ${VARIANTS:-scratch pretrained}; do
        out="$work/${name}_${split}_${seed}_$variant"
        start=$(date +%s)
        extra=()
        [ "$variant" = pretrained ] && extra=(--from-pretrained "$encoder")
        # shellcheck disable=SC2086  # the recipe's options are words
        "${MOLSIEVE_BIN:-build/molsieve}" train --data "$data/$file" --targets "$targets" --task "$task" --split "$split" \
          --seed "$seed" --epochs "${EPOCHS:-30}" --patience 10 --ensemble "${ENSEMBLE:-1}" --descriptors $options \
          "${extra[@]}" --threads "${MOLSIEVE_THREADS:-0}" --overwrite -q -o "$out.h5" --split-output "$out.split.csv"
        seconds=$(( $(date +%s) - start ))
        /usr/bin/python3 bench/rf_baseline.py "$data/$file" "$out.split.csv" "$out.h5" --trees "$trees" \
          --json "$out.rf.json" >/dev/null
        /usr/bin/python3 - "$out.rf.json" "$name $split" "$seed" "$variant" "$seconds" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
key = next(k for k in result if k.startswith("mean_") and k.endswith("_molsieve"))
metric = key[len("mean_"):-len("_molsieve")]
print(f"{sys.argv[2]} seed {sys.argv[3]} {sys.argv[4]:10s} test {metric}: molsieve {result[key]:.3f}  "
      f"random forest {result[key.replace('molsieve', 'random_forest')]:.3f}  ({sys.argv[5]} s)", flush=True)
PY
      done
    done
  done
done
