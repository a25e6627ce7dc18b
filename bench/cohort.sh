#!/usr/bin/env bash
# Cohort benchmark: synthetic population generation (patients/s) and the example cohort
# definition (5 entry steps + 14 rules) over 1,000,000 patients, at 1 and 2 threads, on the
# CPU backend and on the reference backend (plain loops) of the eligibility kernel.
# Usage: bash bench/cohort.sh [patients]   (writes into bench-work/cohort/)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
work=bench-work/cohort
mkdir -p "$work"
bin=build/molsieve
seconds() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

echo "| step | threads | wall s | peak MB | rate |"
echo "|---|---|---|---|---|"
for t in 1 2; do
  read -r s kb < <(seconds "$bin" synth-population --size "$n" --seed 7 -o "$work/pop.h5" --overwrite -q --threads "$t")
  echo "| synth-population store | $t | $s | $((kb / 1024)) | $(echo "$n / $s" | bc) patients/s |"
done
read -r s kb < <(seconds "$bin" synth-population --size "$n" --seed 7 --format omop-csv -o "$work/omop" --overwrite -q --threads 2)
echo "| synth-population omop-csv | 2 | $s | $((kb / 1024)) | $(echo "$n / $s" | bc) patients/s |"
read -r s kb < <(seconds "$bin" import-population --omop "$work/omop" -o "$work/imported.h5" --overwrite)
echo "| import-population | 1 | $s | $((kb / 1024)) | $(echo "$n / $s" | bc) patients/s |"
for backend in cpu reference; do
  for t in 1 2; do
    [ "$backend" = reference ] && [ "$t" = 2 ] && continue
    read -r s kb < <(seconds "$bin" cohort --population "$work/pop.h5" --definition datasets/cohorts/example.json \
      --quotas datasets/cohorts/example_quotas.json --size 200 -o "$work/cohort.h5" --overwrite -q \
      --threads "$t" --device "$backend")
    echo "| cohort ($backend backend) | $t | $s | $((kb / 1024)) | $(echo "$n / $s" | bc) patients/s |"
  done
done

# The peer: the same definition in pandas over the OMOP CSV files (remaining counts printed
# next to molsieve's: they must agree).
bench-work/peer-venv/bin/python bench/cohort_peer.py "$work/omop" > "$work/peer.txt"
"$bin" query "$work/cohort.h5" --table attrition --format csv --exact-counts |
  bench-work/peer-venv/bin/python -c "import csv, sys; [print(r['remaining'], r['name'], sep='\t') for r in csv.DictReader(sys.stdin)]" \
  > "$work/molsieve_attrition.txt"
paste "$work/peer.txt" "$work/molsieve_attrition.txt"
