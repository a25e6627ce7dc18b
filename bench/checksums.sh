#!/usr/bin/env bash
# What the stores' checksums cost: the MUV library store as molsieve writes it (Fletcher-32 on
# every dataset, CRC-32 per string) against the same store stripped of them
# (bench/strip_checksums.py: same chunks, shuffle and deflate, strings untouched), in the
# same run.
#   bash bench/checksums.sh [WORKDIR] [DATASETS_DIR]
# Prints the store's size, the bytes its string checksums take, the time to read every
# dataset of each store (best of 5), and a whole `molsieve similarity` (100 queries, top 100,
# best of 10) on each.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
[ -f "$datasets/muv.csv.gz" ] || { echo "bench: $datasets/muv.csv.gz not found (see datasets/README.md)" >&2; exit 1; }
bash scripts/build.sh >/dev/null
mkdir -p "$work"
with="$work/muv-checksums.h5"
without="$work/muv-no-checksums.h5"
./build/molsieve featurize "$datasets/muv.csv.gz" -o "$with" --overwrite -q >/dev/null 2>&1
strip=$(/usr/bin/python3 bench/strip_checksums.py "$with" "$without")
nci="$(./build/molsieve featurize --help | grep -o '/[^ )]*first_5K.smi' | head -1)"
head -n 100 "$nci" > "$work/queries100.smi"
now() { date +%s.%N; }
# Best wall time of 10 runs of the command given.
best_of_10() {
  local best="" t0 t1
  for _ in $(seq 10); do
    t0=$(now); "$@" >/dev/null; t1=$(now)
    best=$(echo "$t1 - $t0" | bc | awk -v b="$best" '{ print (b == "" || $1 < b) ? $1 : b }')
  done
  echo "$best"
}
echo "## sizes"
ls -l "$with" | awk '{print $5, $9}'
echo "$strip"
echo "## read every dataset (best of 5), alternating"
for round in 1 2; do
  ./build/molsieve_bench_store_read "$with" 5
  ./build/molsieve_bench_store_read "$without" 5
done
echo "## molsieve similarity, 100 queries, top 100, 1 thread: best of 10 seconds"
for round in 1 2; do
  for store in "$with" "$without"; do
    echo "$store $(best_of_10 ./build/molsieve similarity --library "$store" --query "$work/queries100.smi" \
      --top 100 -o "$work/hits-$(basename "$store" .h5).csv" --overwrite --threads 1 -q)"
  done
done
cmp "$work/hits-muv-checksums.csv" "$work/hits-muv-no-checksums.csv" && echo "same hits from both stores"
