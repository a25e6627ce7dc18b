#!/usr/bin/env bash
# Model benchmark: molsieve's D-MPNN against Chemprop (the model's reference implementation,
# PyPI `chemprop`, installed into WORKDIR/peer-venv, never a molsieve dependency) on the same
# data, measured in the same run.
#   bash bench/models.sh [WORKDIR] [DATASETS_DIR]
# Prints:
#   1. training seconds per epoch on Tox21 (12 tasks, batch 50, hidden 300, depth 3), 1 and 2
#      threads (molsieve: median epoch of 3; Chemprop: (time of 6 epochs - time of 3) / 3);
#   2. inference, one model (the Tox21 model of step 1), 10,000 HIV molecules, molecules/s:
#      molsieve from a library store and from SMILES, Chemprop from SMILES; 1 and 2 threads;
#   3. molsieve inference split by stage (bench/model_inference.cpp) for batch sizes 64-1024.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
mkdir -p "$work/model-bench"
out="$work/model-bench"
bash scripts/build.sh >/dev/null
peer="$work/peer-venv/bin/chemprop"
if [ ! -x "$peer" ]; then
  python3 -m venv "$work/peer-venv"
  "$work/peer-venv/bin/pip" install -q chemprop
fi
now() { date +%s.%N; }
# Chemprop stops at the first SMILES RDKit cannot read (the public files hold a few): both
# tools get the same copies without them.
valid_only() {  # in.csv out.csv
  "$work/peer-venv/bin/python" - "$1" "$2" <<'PY'
import csv, sys
from rdkit import Chem, RDLogger
RDLogger.DisableLog("rdApp.*")
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as g:
    rows, out = csv.reader(f), csv.writer(g)
    header = next(rows)
    out.writerow(header)
    column = header.index("smiles")
    out.writerows(r for r in rows if Chem.MolFromSmiles(r[column]) is not None)
PY
}
tox21_targets="NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,SR-p53"
if [ ! -f "$out/hiv10k.csv" ]; then
  { zcat "$datasets/hiv.csv.gz" || true; } | head -10001 > "$out/hiv_head.csv"  # zcat stops at head: SIGPIPE
  valid_only "$out/hiv_head.csv" "$out/hiv10k.csv"
fi
[ -f "$out/tox21.csv" ] || valid_only "$datasets/tox21.csv" "$out/tox21.csv"
molecules=$(($(wc -l < "$out/hiv10k.csv") - 1))
[ -f "$out/hiv10k.h5" ] || ./build/molsieve featurize "$out/hiv10k.csv" -o "$out/hiv10k.h5" -q >/dev/null
echo "chemprop $("$work/peer-venv/bin/python" -c 'import chemprop, torch; print(chemprop.__version__, "torch", torch.__version__)')"

echo "## training seconds per epoch, Tox21 ($(tail -n +2 "$out/tox21.csv" | wc -l) molecules RDKit reads, 80% trained on)"
for threads in 1 2; do
  ./build/molsieve train --data "$out/tox21.csv" --targets "$tox21_targets" --task classification \
    --epochs 3 --patience 0 --batch-size 50 --threads "$threads" --device cpu --overwrite \
    -o "$out/tox21_t$threads.h5" 2> "$out/train_t$threads.log"
  ours=$(grep -o '[0-9.]* s$\|[0-9.]* s  (best)' "$out/train_t$threads.log" | awk '{print $1}' | sort -n | sed -n 2p)
  peer_time() {
    local start end
    start=$(now)
    OMP_NUM_THREADS=$threads "$peer" train --data-path "$out/tox21.csv" -s smiles \
      --target-columns ${tox21_targets//,/ } -t classification --epochs "$1" -b 50 -n 0 \
      --accelerator cpu --split-sizes 0.8 0.1 0.1 -o "$out/chemprop_t${threads}_e$1" \
      > "$out/chemprop_t${threads}_e$1.log" 2>&1 || { echo "chemprop train failed: $out/chemprop_t${threads}_e$1.log" >&2; exit 1; }
    end=$(now)
    echo "$end - $start" | bc -l
  }
  three=$(peer_time 3)  # Chemprop needs more epochs than its 2 warm-up epochs
  six=$(peer_time 6)
  theirs=$(echo "($six - $three) / 3" | bc -l)
  printf "threads %d: molsieve %.2f s/epoch, chemprop %.2f s/epoch, ratio %.2fx\n" "$threads" "$ours" "$theirs" \
    "$(echo "$theirs / $ours" | bc -l)"
done

echo "## inference, one Tox21 model, the first $molecules HIV molecules RDKit reads"
for threads in 1 2; do
  model="$out/tox21_t2.h5"
  start=$(now)
  ./build/molsieve predict --model "$model" --input "$out/hiv10k.h5" --threads "$threads" --device cpu \
    -o "$out/pred_store.csv" --overwrite -q
  store_s=$(echo "$(now) - $start" | bc -l)
  start=$(now)
  ./build/molsieve predict --model "$model" --input "$out/hiv10k.csv" --threads "$threads" --device cpu \
    -o "$out/pred_smiles.csv" --overwrite -q
  smiles_s=$(echo "$(now) - $start" | bc -l)
  checkpoint=$(find "$out/chemprop_t2_e6" -name 'best*.pt' | head -1)
  start=$(now)
  OMP_NUM_THREADS=$threads "$peer" predict -i "$out/hiv10k.csv" -s smiles --model-paths "$checkpoint" \
    -n 0 --accelerator cpu -o "$out/pred_chemprop.csv" > "$out/chemprop_predict.log" 2>&1 ||
    { echo "chemprop predict failed: $out/chemprop_predict.log" >&2; exit 1; }
  peer_s=$(echo "$(now) - $start" | bc -l)
  printf "threads %d: molsieve store %.0f mol/s, molsieve SMILES %.0f mol/s, chemprop SMILES %.0f mol/s; ratios %.2fx (store), %.2fx (SMILES)\n" \
    "$threads" "$(echo "$molecules / $store_s" | bc -l)" "$(echo "$molecules / $smiles_s" | bc -l)" \
    "$(echo "$molecules / $peer_s" | bc -l)" "$(echo "$peer_s / $store_s" | bc -l)" "$(echo "$peer_s / $smiles_s" | bc -l)"
done

echo "## molsieve inference by stage (seconds for 10,000 molecules)"
for threads in 1 2; do
  ./build/molsieve_bench_models "$out/tox21_t2.h5" "$out/hiv10k.h5" "$threads" 32 64 128 256 1024
done
