#!/usr/bin/env bash
# Similarity benchmark: molsieve against RDKit's Python API (BulkTanimotoSimilarity plus a
# sort, bench/similarity_peer.py) on the same fingerprints, measured in the same run.
#   bash bench/similarity.sh [WORKDIR] [DATASETS_DIR]
# WORKDIR keeps the featurized MUV + HIV store (about 134,000 molecules; two minutes to
# make) between runs. Prints:
#   1. the whole `molsieve similarity` process, 1,000 queries, top 100, at 1 and 2 threads,
#      queries given as a library store and as SMILES, against the peer on the same queries;
#   2. kernel rates (bench/similarity_kernels.cpp): brute-force comparisons/s and top-100
#      queries/s with the bounds, on the store and on it replicated 8 times (1.07 million);
#   3. enrichment on MUV (bench/muv_enrichment.py).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench-work}"
datasets="${2:-${MOLSIEVE_DATASETS:-../shared/datasets}}"
for f in muv.csv.gz hiv.csv.gz; do
  [ -f "$datasets/$f" ] || { echo "bench: $datasets/$f not found (see datasets/README.md)" >&2; exit 1; }
done
bash scripts/build.sh >/dev/null
mkdir -p "$work"
library="$work/muvhiv.h5"
[ -f "$library" ] || ./build/molsieve featurize "$datasets/muv.csv.gz" "$datasets/hiv.csv.gz" -o "$library" -q >/dev/null
[ -f "$work/muvhiv_x8.h5" ] || /usr/bin/python3 bench/replicate_store.py "$library" 8 "$work/muvhiv_x8.h5"
# 1,000 queries: every 134th library molecule.
/usr/bin/python3 - "$library" "$work/queries.smi" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
smiles, ids = f["molecules/smiles"], f["molecules/id"]
step = len(smiles) // 1000
with open(sys.argv[2], "w") as out:
    for i in range(0, step * 1000, step):
        out.write("%s %s\n" % (smiles[i].decode(), ids[i].decode()))
PY
./build/molsieve featurize "$work/queries.smi" -o "$work/queries.h5" --overwrite -q >/dev/null

echo "## whole process: 1,000 queries, top 100, $(nproc) cores"
peer=$(/usr/bin/python3 bench/similarity_peer.py "$library" "$work/queries.h5" 100)
peer_s=$(echo "$peer" | sed 's/.*seconds \([0-9.]*\).*/\1/')
echo "peer (RDKit BulkTanimotoSimilarity + sort, fingerprints prepared, not timed): $peer"
for queries in queries.h5 queries.smi; do
  for threads in 1 2; do
    s=$( { /usr/bin/time -f "%e" ./build/molsieve similarity --library "$library" --query "$work/$queries" \
          --top 100 --threads "$threads" --device cpu -o "$work/hits.csv" --overwrite -q; } 2>&1 | tail -1)
    echo "molsieve similarity, queries from $queries, $threads thread(s): $s s, $(echo "$peer_s / $s" | bc -l | xargs printf '%.1f')x the peer"
  done
done

echo "## kernels"
for store in muvhiv.h5 muvhiv_x8.h5; do
  for threads in 1 2; do ./build/molsieve_bench_similarity "$work/$store" 200 100 "$threads" cpu; done
done
peer_big=$(/usr/bin/python3 bench/similarity_peer.py "$work/muvhiv_x8.h5" "$work/queries.h5" 100 20)
echo "peer on the 1.07 million store, 20 queries: $peer_big"

echo "## MUV enrichment"
/usr/bin/python3 bench/muv_enrichment.py ./build/molsieve "$datasets/muv.csv.gz" "$library" "$work"
