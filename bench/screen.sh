#!/usr/bin/env bash
# Screening benchmark: end-to-end molecules/s of `molsieve screen` with the time split by
# stage, at 1 and 2 threads, for
#   1. the BACE-1 job (5,000 NCI compounds, datasets/jobs/bace1_nci.toml), from the .smi file;
#   2. the same job on a 100,000-molecule library (the HIV set's 41,127 molecules, then MUV's
#      first 58,873), from SMILES and from a featurized library store;
# and, in the same run, the peer: the BACE-1 job written with RDKit's Python API and
# Chemprop (bench/screen_peer.py; nine predictions with the Tox21 Chemprop checkpoint that
# bench/models.sh trains stand in for the job's three 3-member ensembles: same D-MPNN size).
#   bash bench/screen.sh [WORKDIR] [DATASETS_DIR]      (run bench/models.sh first for the peer)
# MOLSIEVE_BENCH_100K=0 runs the BACE-1 job and its peer only (the 100,000-molecule part takes
# about an hour on two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
out="$work/screen-bench"
mkdir -p "$out"
bash scripts/build.sh >/dev/null
now() { date +%s.%N; }
job=datasets/jobs/bace1_nci.toml
nci="$(./build/molsieve featurize --help | grep -o '/[^ )]*first_5K.smi' | head -1)"

run() {  # label threads args...
  local label=$1 threads=$2 start seconds
  shift 2
  start=$(now)
  ./build/molsieve screen "$job" --threads "$threads" --overwrite -o "$out/result.h5" "$@" 2> "$out/log.txt"
  seconds=$(echo "$(now) - $start" | bc -l)
  rows=$(grep -o '^screen: [0-9]* molecules' "$out/log.txt" | awk '{print $2}')
  printf "%-28s threads %d: %7.1f s, %6.0f molecules/s; %s\n" "$label" "$threads" "$seconds" \
    "$(echo "$rows / $seconds" | bc -l)" "$(grep -o 'stage seconds.*' "$out/log.txt")"
}

echo "## molsieve screen, BACE-1 job (5,000 NCI compounds)"
for t in 1 2; do run "BACE-1 job (.smi)" "$t"; done

checkpoint=$(find "$work/model-bench/chemprop_t2_e6" -name 'best*.pt' 2>/dev/null | head -1)
if [ -n "$checkpoint" ]; then
  echo "## peer: RDKit Python + Chemprop, BACE-1 job"
  members=()
  for _ in 1 2 3 4 5 6 7 8 9; do members+=("$checkpoint"); done
  for t in 1 2; do
    OMP_NUM_THREADS=$t "$work/peer-venv/bin/python" bench/screen_peer.py "$nci" datasets/jobs/bace1_references.smi \
      "${members[@]}" 2>/dev/null
  done
else
  echo "peer skipped: run bench/models.sh first (it trains the Chemprop checkpoint)"
fi

[ "${MOLSIEVE_BENCH_100K:-1}" != 0 ] || exit 0
if [ ! -f "$out/library100k.smi" ]; then
  { zcat "$datasets/hiv.csv.gz" | tail -n +2 | cut -d, -f1
    zcat "$datasets/muv.csv.gz" | awk -F, 'NR > 1 && NR <= 58874 {print $1}'; } |  # reads to the end: no SIGPIPE
    awk '{print $1, "m" NR}' > "$out/library100k.smi"
fi
[ -f "$out/library100k.h5" ] || ./build/molsieve featurize "$out/library100k.smi" -o "$out/library100k.h5" -q >/dev/null
echo "## molsieve screen, BACE-1 job on 100,000 molecules"
for t in 2 1; do
  run "100k (library store)" "$t" --library "$out/library100k.h5"
  run "100k (.smi)" "$t" --library "$out/library100k.smi"
done
/usr/bin/time -v ./build/molsieve screen "$job" --threads 2 --overwrite -o "$out/result.h5" -q \
  --library "$out/library100k.smi" 2>&1 | grep -E "Maximum resident" | sed 's/^\s*/100k (.smi), 2 threads: /'
