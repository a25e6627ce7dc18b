#!/usr/bin/python3
"""The peer of `molsieve similarity`: RDKit's Python API, as a chemist would write it.

    similarity_peer.py LIBRARY.h5 QUERIES.h5 TOP_K [QUERY_LIMIT]

Reads the Morgan fingerprints of both library stores (h5py), turns them into RDKit
ExplicitBitVects (not timed), then for each query runs DataStructs.BulkTanimotoSimilarity
against the valid library molecules and sorts (score descending, row ascending) to keep the
top k (timed). Prints one line: queries, library size, seconds, comparisons per second,
and a checksum of the hit rows so that runs can be compared with molsieve's hits.csv.
"""
import sys
import time

import h5py
import numpy as np
from rdkit import DataStructs


def bitvects(path):
    with h5py.File(path, "r") as f:
        words = f["fingerprints/morgan"][:]
        status = f["molecules/status"][:]
    rows = np.flatnonzero(status == 0)
    bits = np.unpackbits(words[rows].view(np.uint8), axis=1, bitorder="little")
    fps = []
    for row_bits in bits:
        fp = DataStructs.ExplicitBitVect(bits.shape[1])
        fp.SetBitsFromList(np.flatnonzero(row_bits).tolist())
        fps.append(fp)
    return rows, fps


def main():
    library_path, query_path, top_k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    rows, library = bitvects(library_path)
    _, queries = bitvects(query_path)
    if limit:
        queries = queries[:limit]
    checksum = 0
    start = time.perf_counter()
    for query in queries:
        scores = np.array(DataStructs.BulkTanimotoSimilarity(query, library))
        order = np.lexsort((rows, -scores))[:top_k]
        checksum = (checksum * 31 + int(rows[order].sum())) % (1 << 61)
    seconds = time.perf_counter() - start
    print("queries %d library %d seconds %.3f comparisons/s %.3g checksum %d"
          % (len(queries), len(library), seconds, len(queries) * len(library) / seconds, checksum))


if __name__ == "__main__":
    main()
