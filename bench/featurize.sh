#!/usr/bin/env bash
# Featurization benchmark: molsieve featurize at 1 and 2 threads against RDKit's Python API
# (bench/featurize_peer.py) on the same molecules from MUV, measured in the same run.
#   bash bench/featurize.sh [MOLECULES] [DATASETS_DIR]
# Prints a table of molecules/s and the ratios to the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-10000}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
source_file="$datasets/muv.csv.gz"
[ -f "$source_file" ] || { echo "bench: $source_file not found (see datasets/README.md)" >&2; exit 1; }
[ -x build/molsieve ] || bash scripts/build.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# head closes the pipe early; zcat's SIGPIPE is expected.
(zcat "$source_file" || true) | head -n $((count + 1)) > "$work/muv.csv"

peer=$(/usr/bin/python3 bench/featurize_peer.py "$work/muv.csv" smiles)
peer_rate=$(sed 's/.*molecules_per_s=//' <<<"$peer")
rate_for() {
  ./build/molsieve featurize "$work/muv.csv" -o "$work/t$1.h5" --threads "$1" --quiet --overwrite \
    | sed -n 's/.*s on [0-9]* threads, \([0-9.]*\) molecules\/s/\1/p'
}
one=$(rate_for 1)
two=$(rate_for 2)
printf 'molecules: %s from muv.csv.gz; machine: %s, %s cores\n' "$count" "$(uname -m)" "$(nproc)"
printf '%-34s %12s %10s\n' "run" "molecules/s" "vs peer"
printf '%-34s %12.0f %10s\n' "RDKit Python API (peer, 1 process)" "$peer_rate" "1.00x"
printf '%-34s %12.0f %9.2fx\n' "molsieve featurize --threads 1" "$one" "$(echo "$one / $peer_rate" | bc -l)"
printf '%-34s %12.0f %9.2fx\n' "molsieve featurize --threads 2" "$two" "$(echo "$two / $peer_rate" | bc -l)"
printf 'scaling 2 threads / 1 thread: %.2fx\n' "$(echo "$two / $one" | bc -l)"
