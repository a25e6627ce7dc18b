#!/usr/bin/env python3
"""The peer of molsieve merge on the same shard stores: h5py and NumPy (pandas is not installed
here) read the columns the ranking needs from every shard store, concatenate them, find the
copies by SMILES, rank the first occurrences by score (ties by row) and write the rank column
with the other columns read back into one HDF5 file; no diverse selection, no checksums.

    merge_peer.py OUT.h5 SHARD_STORE...   # in shard order

Prints its seconds and peak resident memory.
"""
import resource
import sys
import time

import h5py
import numpy as np


def main():
    out, stores = sys.argv[1], sys.argv[2:]
    start = time.time()
    columns = {}
    for path in stores:
        with h5py.File(path, "r") as f:
            r = f["results"]
            for name in r.attrs["columns"]:
                if name in ("rank", "selection_rank", "duplicate", "duplicate_of", "copies"):
                    continue
                data = r[name][:]
                columns.setdefault(name, []).append(data)
    table = {name: np.concatenate(parts) for name, parts in columns.items()}
    smiles = table["smiles"]
    _, first = np.unique(smiles, return_index=True)
    is_first = np.zeros(len(smiles), dtype=bool)
    is_first[first] = True
    score = table["score"]
    scored = np.flatnonzero(is_first & ~np.isnan(score))
    order = scored[np.lexsort((scored, -score[scored]))]
    rank = np.zeros(len(smiles), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    with h5py.File(out, "w") as f:
        g = f.create_group("results")
        for name, data in list(table.items()) + [("rank", rank)]:
            g.create_dataset(name.replace("/", "%2F"), data=data, chunks=True, compression="gzip", shuffle=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peer: {time.time() - start:.2f} s, peak resident {peak:.0f} MB, {len(smiles)} rows")


if __name__ == "__main__":
    main()
