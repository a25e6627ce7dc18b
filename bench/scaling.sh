#!/usr/bin/env bash
# Strong scaling of the screen across MPI ranks: the default job (datasets/jobs/default.toml)
# on the first N MUV molecules (20,000 by default), one thread per rank, at 1 and 2 ranks
# under mpirun, beside the same job as one process (no MPI) at 1 and 2 threads: the
# alternative a user of one node has. Also records per-chunk costs for docs/scaling.md: the
# merge's share, part-file bytes per molecule, the results store's bytes per molecule.
#   bash bench/scaling.sh [WORKDIR] [DATASETS_DIR] [MOLECULES]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
molecules="${3:-20000}"
out="$work/scaling-bench"
mkdir -p "$out"
bash scripts/build.sh > /dev/null
zcat "$datasets/muv.csv.gz" | cut -d, -f1 | head -n $((molecules + 1)) > "$out/library.csv"
sed "s|\"bace1_references.smi\"|\"$PWD/datasets/jobs/bace1_references.smi\"|" datasets/jobs/default.toml > "$out/job.toml"
mpirun=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
now() { date +%s.%N; }

run() {  # label launcher-words... -- screen-args...
  local label=$1 start seconds
  shift
  local launcher=()
  while [ "$1" != "--" ]; do launcher+=("$1"); shift; done
  shift
  start=$(now)
  "${launcher[@]}" ./build/molsieve screen "$out/job.toml" --library "$out/library.csv" -o "$out/result.h5" \
    --overwrite "$@" 2> "$out/log.txt"
  seconds=$(echo "$(now) - $start" | bc -l)
  printf "| %s | %.1f | %.0f | %s |\n" "$label" "$seconds" "$(echo "$molecules / $seconds" | bc -l)" \
    "$(grep -o 'stage seconds.*' "$out/log.txt" | sed 's/stage seconds (summed over chunks): //')"
  ./build/molsieve query "$out/result.h5" --format csv --order-by index:asc -o "$out/$label.csv" --overwrite
}

echo "| run | wall (s) | molecules/s | stage seconds (summed over chunks and ranks) |"
echo "|---|---:|---:|---|"
run "one process, 1 thread" -- --threads 1
run "mpirun -np 1, 1 thread" "${mpirun[@]}" -np 1 -- --threads 1
run "mpirun -np 2, 1 thread each" "${mpirun[@]}" -np 2 -- --threads 1
run "one process, 2 threads" -- --threads 2
cmp "$out/one process, 1 thread.csv" "$out/mpirun -np 2, 1 thread each.csv" &&
  echo "1 and 2 ranks: identical query output"
echo "results store: $(stat -c %s "$out/result.h5") bytes for $molecules molecules"
