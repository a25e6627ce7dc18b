#!/usr/bin/env bash
# How fast `molsieve pretrain` reads its corpus (featurizing, de-duplicating, the descriptor
# panel), against RDKit's Python API doing the same (bench/pretraining_corpus_peer.py), on
# the first ROWS (20,000) rows of MUV. The read stage is timed up to the line that announces
# the descriptors; one epoch follows, which is not part of the figure.
#   bash bench/pretraining_corpus.sh [MOLSIEVE...]      (default build/molsieve)
# MOLSIEVE_DATASETS: the data sets' folder; MOLSIEVE_THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MOLSIEVE_DATASETS:-../shared/datasets}"
work=bench-work/pretraining-corpus
mkdir -p "$work"
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=(build/molsieve)
sample="$work/muv-${ROWS:-20000}.csv"
# head closes the pipe early: zcat's SIGPIPE is expected, an empty sample is not.
zcat "$data/muv.csv.gz" | head -n $((${ROWS:-20000} + 1)) >"$sample" || [ -s "$sample" ]

for binary in "${binaries[@]}"; do
  start=$(date +%s.%N)
  "$binary" pretrain --data "$sample" --epochs 1 --threads "${MOLSIEVE_THREADS:-2}" --overwrite \
    -o "$work/encoder.h5" 2>&1 | while IFS= read -r line; do
    case $line in
      *"descriptors to predict"*)
        echo "$binary: $line"
        echo "$binary: read stage $(echo "$(date +%s.%N) - $start" | bc) s" ;;
    esac
  done
done
/usr/bin/python3 bench/pretraining_corpus_peer.py "$sample"
