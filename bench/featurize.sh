#!/usr/bin/env bash
# Featurization benchmark: molsieve featurize at 1 and 2 threads against RDKit's Python API
# (bench/featurize_peer.py) on the same molecules from MUV, measured in the same run.
#   bash bench/featurize.sh [MOLECULES] [REPEATS] [DATASETS_DIR]
# Each run is repeated (default 3 times, interleaved so that machine noise hits all alike);
# prints the median molecules/s of each and the ratios to the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
repeats="${2:-3}"
datasets="${3:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
source_file="$datasets/muv.csv.gz"
[ -f "$source_file" ] || { echo "bench: $source_file not found (see datasets/README.md)" >&2; exit 1; }
[ -x build/molsieve ] || bash scripts/build.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# head closes the pipe early; zcat's SIGPIPE is expected.
(zcat "$source_file" || true) | head -n $((count + 1)) > "$work/muv.csv"

peer_rate() {
  /usr/bin/python3 bench/featurize_peer.py "$work/muv.csv" smiles | sed 's/.*molecules_per_s=//'
}
molsieve_rate() {
  # The summary (stderr) gives the rate.
  ./build/molsieve featurize "$work/muv.csv" -o "$work/t$1.h5" --threads "$1" --overwrite 2>&1 >/dev/null \
    | sed -n 's/.*s on [0-9]* threads, \([0-9.]*\) molecules\/s/\1/p'
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
peer_runs="" one_runs="" two_runs=""
for _ in $(seq "$repeats"); do
  peer_runs+=" $(peer_rate)"
  one_runs+=" $(molsieve_rate 1)"
  two_runs+=" $(molsieve_rate 2)"
done
peer=$(median <<<"$peer_runs")
one=$(median <<<"$one_runs")
two=$(median <<<"$two_runs")
printf 'molecules: %s from muv.csv.gz, median of %s runs; machine: %s, %s cores\n' \
  "$count" "$repeats" "$(uname -m)" "$(nproc)"
printf '%-34s %12s %10s   %s\n' "run" "molecules/s" "vs peer" "all runs"
printf '%-34s %12.0f %10s  %s\n' "RDKit Python API (peer, 1 process)" "$peer" "1.00x" "$peer_runs"
printf '%-34s %12.0f %9.2fx  %s\n' "molsieve featurize --threads 1" "$one" \
  "$(echo "$one / $peer" | bc -l)" "$one_runs"
printf '%-34s %12.0f %9.2fx  %s\n' "molsieve featurize --threads 2" "$two" \
  "$(echo "$two / $peer" | bc -l)" "$two_runs"
printf 'scaling 2 threads / 1 thread: %.2fx\n' "$(echo "$two / $one" | bc -l)"
