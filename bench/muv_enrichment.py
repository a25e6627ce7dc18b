#!/usr/bin/python3
"""Enrichment of `molsieve similarity` on MUV: does the search find what chemists want?

    muv_enrichment.py MOLSIEVE MUV.csv.gz LIBRARY.h5 WORKDIR

LIBRARY.h5 is a library store whose first rows are MUV.csv.gz's molecules, in file order
(`molsieve featurize muv.csv.gz [more files] -o LIBRARY.h5`). For each of MUV's 17 targets,
every active serves as a query against that target's molecules (its actives and decoys: the
rows with a label for the target), the query itself left out; the enrichment factor at 1% is
(actives among the top 1%) / (1% of the molecules x the fraction of actives), averaged over
the target's queries. One molsieve run (Tanimoto, top 10000 over the whole library) answers
all queries; each query's hits are then restricted to the target's rows.
"""
import csv
import gzip
import os
import subprocess
import sys

import h5py


def main():
    molsieve, muv_path, library, workdir = sys.argv[1:5]
    with gzip.open(muv_path, "rt") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    targets = header[1:]
    with h5py.File(library, "r") as f:
        smiles_in_store = f["molecules/input_smiles"][: len(rows)]
    assert all(s.decode() == r[0] for s, r in zip(smiles_in_store[:100], rows[:100])), \
        "the library's first rows are not the MUV file's molecules"
    queries = []  # (target, row)
    for t, target in enumerate(targets):
        for i, r in enumerate(rows):
            if r[t + 1] == "1":
                queries.append((t, i))
    query_file = os.path.join(workdir, "muv_actives.smi")
    with open(query_file, "w") as out:
        for t, i in queries:
            out.write("%s %s_%d\n" % (rows[i][0], targets[t], i))
    hits_file = os.path.join(workdir, "muv_hits.csv")
    subprocess.run([molsieve, "similarity", "--library", library, "--query", query_file,
                    "--top", "10000", "-o", hits_file, "--overwrite", "-q"], check=True)
    hits = {}
    with open(hits_file) as f:
        for h in csv.DictReader(f):
            hits.setdefault(int(h["query"]), []).append(int(h["index"]))
    print("| target | actives | molecules | EF1% (mean over actives as queries) |")
    print("|---|---|---|---|")
    all_ef = []
    for t, target in enumerate(targets):
        labelled = {i for i, r in enumerate(rows) if r[t + 1] != ""}
        actives = {i for i, r in enumerate(rows) if r[t + 1] == "1"}
        n = len(labelled) - 1
        top = max(1, round(0.01 * n))
        efs = []
        for q, (qt, qi) in enumerate(queries):
            if qt != t:
                continue
            ranked = [i for i in hits.get(q, []) if i in labelled and i != qi][:top]
            if len(ranked) < top:
                raise SystemExit("top 10000 too shallow for %s query %d" % (target, qi))
            found = sum(1 for i in ranked if i in actives)
            efs.append((found / top) / ((len(actives) - 1) / n))
        ef = sum(efs) / len(efs)
        all_ef.append(ef)
        print("| %s | %d | %d | %.2f |" % (target, len(actives), len(labelled), ef))
    print("| mean of 17 | | | %.2f |" % (sum(all_ef) / len(all_ef)))


if __name__ == "__main__":
    main()
