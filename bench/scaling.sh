#!/usr/bin/env bash
# Strong scaling of the screen across MPI ranks: the BACE-1 job (datasets/jobs/bace1_nci.toml)
# on the first N MUV molecules (20,000 by default), one thread per rank, at 1 and 2 ranks
# under mpirun, beside the same job as one process (no MPI) at 1 and 2 threads: the
# alternative a user of one node has. Also records per-chunk costs for docs/scaling.md: the
# merge's share, part-file bytes per molecule, the results store's bytes per molecule.
# The cohort selection on 1,000,000 synthetic patients follows, as one process and at 1 and 2
# ranks (three times each: it takes seconds).
#   bash bench/scaling.sh [WORKDIR] [DATASETS_DIR] [MOLECULES]
#   MOLSIEVE_SCALING_SCREEN=0 bash bench/scaling.sh      # the cohort part only
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
molecules="${3:-20000}"
out="$work/scaling-bench"
mkdir -p "$out"
bash scripts/build.sh > /dev/null
# head closes the pipe early: zcat's SIGPIPE is expected; the line count is checked instead.
(zcat "$datasets/muv.csv.gz" | cut -d, -f1 | head -n $((molecules + 1)) > "$out/library.csv") || true
[ "$(wc -l < "$out/library.csv")" -eq $((molecules + 1)) ] || { echo "scaling: could not read $molecules MUV molecules" >&2; exit 1; }
sed "s|\"bace1_references.smi\"|\"$PWD/datasets/jobs/bace1_references.smi\"|" datasets/jobs/bace1_nci.toml > "$out/job.toml"
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

if [ "${MOLSIEVE_SCALING_SCREEN:-1}" = 1 ]; then
echo "| run | wall (s) | molecules/s | stage seconds (summed over chunks and ranks) |"
echo "|---|---:|---:|---|"
run "one process, 1 thread" -- --threads 1
run "mpirun -np 1, 1 thread" "${mpirun[@]}" -np 1 -- --threads 1
run "mpirun -np 2, 1 thread each" "${mpirun[@]}" -np 2 -- --threads 1
run "one process, 2 threads" -- --threads 2
cmp "$out/one process, 1 thread.csv" "$out/mpirun -np 2, 1 thread each.csv" &&
  echo "1 and 2 ranks: identical query output"
echo "results store: $(stat -c %s "$out/result.h5") bytes for $molecules molecules"
fi

# The cohort selection on a synthetic population of 1,000,000 patients (4 slices of the
# default 262,144), one thread per rank.
patients="${MOLSIEVE_SCALING_PATIENTS:-1000000}"
./build/molsieve synth-population --size "$patients" --seed 7 -o "$out/pop.h5" --overwrite -q
cohort_run() {  # label launcher-words...
  local label=$1 start seconds
  shift
  start=$(now)
  "$@" ./build/molsieve cohort --population "$out/pop.h5" --definition datasets/cohorts/example.json \
    --quotas datasets/cohorts/example_quotas.json --size 200 -o "$out/cohort.h5" --overwrite -q --threads 1
  seconds=$(echo "$(now) - $start" | bc -l)
  printf "| cohort, %s | %.2f | %.0f patients/s |\n" "$label" "$seconds" "$(echo "$patients / $seconds" | bc -l)"
  ./build/molsieve query "$out/cohort.h5" --exact-counts --format csv -o "$out/cohort-$label.csv" --overwrite
}
echo
echo "| run | wall (s) | rate |"
echo "|---|---:|---:|"
for repeat in 1 2 3; do
  cohort_run "one process" env
  cohort_run "mpirun -np 1" "${mpirun[@]}" -np 1
  cohort_run "mpirun -np 2" "${mpirun[@]}" -np 2
done
cmp "$out/cohort-one process.csv" "$out/cohort-mpirun -np 2.csv" && echo "1 process and 2 ranks: identical cohort"
