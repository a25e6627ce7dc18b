#!/usr/bin/env python3
"""Makes a large library store for similarity benchmarks by repeating a real one.

    replicate_store.py SOURCE.h5 TIMES OUT.h5

Copies SOURCE and repeats, TIMES times, the per-molecule datasets the similarity commands
read (/molecules/id, smiles, error, status and /fingerprints/morgan); ids get a suffix
"_copyN" so rows stay distinguishable. Other datasets keep the source's rows: the result is
a benchmark input, not a library to screen.
"""
import shutil
import sys

import h5py
import numpy as np


def main():
    source, times, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    shutil.copyfile(source, out)
    with h5py.File(out, "r+") as f:
        n = f.attrs["records"]
        for name in ["molecules/smiles", "molecules/error", "molecules/status", "fingerprints/morgan"]:
            data = f[name][:]
            dataset = f[name]
            dataset.resize((n * times,) + data.shape[1:])
            for copy in range(1, times):
                dataset[copy * n:(copy + 1) * n] = data
        ids = f["molecules/id"][:]
        dataset = f["molecules/id"]
        dataset.resize((n * times,))
        for copy in range(1, times):
            dataset[copy * n:(copy + 1) * n] = np.array(
                [i + b"_copy%d" % copy for i in ids], dtype=object)
        f.attrs["records"] = n * times
        f.attrs["valid"] = f.attrs["valid"] * times


if __name__ == "__main__":
    main()
