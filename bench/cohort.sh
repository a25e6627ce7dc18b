#!/usr/bin/env bash
# Cohort benchmark: synthetic population generation (patients/s) and the example cohort
# definition (5 entry steps + 14 rules) over 1,000,000 patients, at 1 and 2 threads, on the
# CPU backend and on the reference backend (plain loops) of the eligibility kernel; then the
# patients table, what-if runs and the tie-heavy quota case (below). The pandas peer is installed
# into bench-work/peer-venv (PyPI pandas 3.1.1, never a molsieve dependency).
# Usage: bash bench/cohort.sh [patients]   (writes into bench-work/cohort/)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
work=bench-work/cohort
mkdir -p "$work"
bin=build/molsieve
[ -x bench-work/peer-venv/bin/python ] || { python3 -m venv bench-work/peer-venv && bench-work/peer-venv/bin/pip install -q pandas==3.1.1; }
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

# Every patient's reasons (the patients and characterization tables) and what-if runs: the
# stages on the population in memory (molsieve_bench_cohort, best of 3), the example and the
# tie-heavy case (fixed index day, no MMSE rule, ranked by HbA1c alone: every patient has an
# index event and scores tie), each with the example quotas and with "Asian": {"min": 0.5}.
py=bench-work/peer-venv/bin/python
"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
d = json.load(open("datasets/cohorts/example.json"))
d["index"] = {"date": "2025-12-31"}
d["inclusion_rules"] = [r for r in d["inclusion_rules"] if not r["name"].startswith("MMSE")]
d["concept_sets"]["HbA1c"] = [3004410]
d["ranking"] = [{"measurement": "HbA1c", "unit": "%", "weight": 1.0, "missing": 5.3}]
json.dump(d, open(f"{work}/hba1c.json", "w"))
q = json.load(open("datasets/cohorts/example_quotas.json"))
q["race"]["Asian"] = {"min": 0.5}
json.dump(q, open(f"{work}/asian.json", "w"))
PY
for def in datasets/cohorts/example.json "$work/hba1c.json"; do
  for quotas in datasets/cohorts/example_quotas.json "$work/asian.json"; do
    read -r s kb < <(seconds "$bin" cohort --population "$work/pop.h5" --definition "$def" --quotas "$quotas" --size 200 \
      -o "$work/cohort-all.h5" --overwrite -q --keep-all-indexed)
    echo "== $(basename "$def") $(basename "$quotas"): molsieve cohort --keep-all-indexed $s s, peak $((kb / 1024)) MB"
    read -r s kb < <(seconds "$bin" what-if "$work/cohort-all.h5" --disable "liver disease")
    echo "   molsieve what-if --disable 'liver disease' (whole command) $s s, peak $((kb / 1024)) MB"
    build/molsieve_bench_cohort "$work/pop.h5" "$def" "$quotas" 200 "$work/cohort-all.h5" "liver disease" 3 | sed 's/^/   /'
  done
done
echo "== peer (pandas $("$py" -c 'import pandas; print(pandas.__version__)'), the example definition, same run):"
tail -1 "$work/peer.txt"
