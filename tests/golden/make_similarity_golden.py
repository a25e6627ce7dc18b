#!/usr/bin/python3
"""Writes tests/data/similarity_golden.tsv: what RDKit's own Python API answers for the
similarity and diversity operations, on the Morgan fingerprints (radius 2, 2048 bits) that
tests/data/nci_golden.tsv holds for the NCI molecules (RDKit's generator wrote them).

Run with Debian's python3-rdkit, the same RDKit release that molsieve links:
    /usr/bin/python3 tests/golden/make_similarity_golden.py

The library is every row of nci_golden.tsv with a molecule (rows RDKit could not parse are
left out); a row's index is its data-row number in that file. Sections:
  topk      for every 97th library row as query: DataStructs.BulkTanimotoSimilarity against
            the library, sorted by score (descending) then index, the first TOP_K.
  butina    rdkit.ML.Cluster.Butina.ClusterData on the first BUTINA_ROWS library rows with
            1 - Tanimoto distances at BUTINA_DISTANCE: one line per cluster, centroid first.
  maxmin    rdSimDivPickers.MaxMinPicker.LazyBitVectorPick over the library, MAXMIN_PICKS
            picks starting from the first two rows.
Scores are written with repr(), so they read back as the exact doubles.
"""
import os

from rdkit import DataStructs, rdBase
from rdkit.ML.Cluster import Butina
from rdkit.SimDivFilters import rdSimDivPickers

TOP_K = 100
QUERY_STRIDE = 97
BUTINA_ROWS = 1000
BUTINA_DISTANCE = 0.6
MAXMIN_PICKS = 40

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "data", "nci_golden.tsv")
OUT = os.path.join(HERE, "..", "data", "similarity_golden.tsv")


def read_library():
    rows, fps = [], []
    with open(SOURCE) as f:
        lines = [line for line in f if not line.startswith("#")]
    header = lines[0].rstrip("\n").split("\t")
    smiles_col, bits_col = header.index("smiles"), header.index("morgan_bits")
    for row, line in enumerate(lines[1:]):
        fields = line.rstrip("\n").split("\t")
        if not fields[smiles_col]:
            continue
        fp = DataStructs.ExplicitBitVect(2048)
        for bit in fields[bits_col].split():
            fp.SetBit(int(bit))
        rows.append(row)
        fps.append(fp)
    return rows, fps


def main():
    rows, fps = read_library()
    with open(OUT, "w") as out:
        out.write("# made by tests/golden/make_similarity_golden.py with RDKit %s\n" % rdBase.rdkitVersion)
        for q in range(0, len(fps), QUERY_STRIDE):
            scores = DataStructs.BulkTanimotoSimilarity(fps[q], fps)
            ranked = sorted(range(len(fps)), key=lambda i: (-scores[i], rows[i]))[:TOP_K]
            for rank, i in enumerate(ranked):
                out.write("topk\t%d\t%d\t%d\t%r\n" % (rows[q], rank, rows[i], scores[i]))
        n = BUTINA_ROWS
        distances = []
        for i in range(1, n):
            sims = DataStructs.BulkTanimotoSimilarity(fps[i], fps[:i])
            distances.extend(1.0 - s for s in sims)
        clusters = Butina.ClusterData(distances, n, BUTINA_DISTANCE, isDistData=True)
        for cluster in clusters:
            out.write("butina\t%s\n" % " ".join(str(rows[i]) for i in cluster))
        picker = rdSimDivPickers.MaxMinPicker()
        picks = picker.LazyBitVectorPick(fps, len(fps), MAXMIN_PICKS, firstPicks=[0, 1])
        out.write("maxmin\t%s\n" % " ".join(str(rows[i]) for i in picks))


if __name__ == "__main__":
    main()
