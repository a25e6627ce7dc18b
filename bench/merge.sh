#!/usr/bin/env bash
# The merge at scale: today's merge of one screen's parts, and molsieve merge of shard stores,
# on synthesized screens of 10^5, 10^6 and 10^7 rows (a real similarity screen of BACE's 1,513
# molecules repeated, each row a structure of its own: bench/merge_scaling.cpp), beside an
# h5py/NumPy peer (bench/merge_peer.py). Seconds and peak resident memory per process.
#   bash bench/merge.sh [WORKDIR] [DATASETS_DIR]
#   MOLSIEVE_MERGE_ROWS="100000 1000000" bash bench/merge.sh   # fewer sizes
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}/merge-bench"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
mkdir -p "$work"
bash scripts/build.sh > /dev/null
cmake --build build -j2 --target molsieve_bench_merge > /dev/null
./build/molsieve featurize "$datasets/bace.csv" -o "$work/bace.h5" --overwrite -q
cat > "$work/job.toml" <<JOB
name = "merge-bench"
[library]
inputs = ["bace.h5"]
[filters]
max_lipinski_violations = 1
[similarity]
references = "$PWD/datasets/jobs/bace1_references.smi"
[selection]
keep = 100
diversity = 0.6
JOB
./build/molsieve screen "$work/job.toml" --library "$work/bace.h5" -o "$work/template.h5" --overwrite -q
for rows in ${MOLSIEVE_MERGE_ROWS:-100000 1000000 10000000}; do
  dir="$work/rows-$rows"
  rm -rf "$dir"
  shards=$(( rows >= 10000000 ? 16 : rows >= 1000000 ? 8 : 4 ))
  # Today's merge only up to 10^6 rows: at 10^7 its parts alone take 2.7 GB more disk.
  if [ "$rows" -le 1000000 ]; then
    ./build/molsieve_bench_merge make "$work/template.h5" "$rows" "$shards" 4096 "$dir"
    echo "rows $rows: $(./build/molsieve_bench_merge parts "$dir")"
  else
    ./build/molsieve_bench_merge make "$work/template.h5" "$rows" "$shards" 4096 "$dir" shards-only
  fi
  echo "rows $rows, $shards shards: $(./build/molsieve_bench_merge shards "$dir")"
  echo "rows $rows: $(/usr/bin/python3 bench/merge_peer.py "$dir/peer.h5" $(ls "$dir"/shards/*.results.h5 | sort))"
  rm -rf "$dir"
done
