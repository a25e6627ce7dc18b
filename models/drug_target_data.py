#!/usr/bin/env python3
"""Pair tables and splits for drug-target affinity (Davis and KIBA, as in DeepDTA).

DeepDTA's files hold a ligand table (ligands_can.txt: JSON id -> SMILES, in row order), a
protein table (proteins.txt: JSON name -> sequence, in column order) and a ligand x protein
affinity matrix. Davis (68 x 442, whitespace separated) gives Kd in nM, written here as
pKd = -log10(Kd / 1e9), so the 10000 nM "no binding measured" floor becomes 5; every cell
is measured. KIBA (2111 x 229, tab separated) gives KIBA scores, written as in the file;
`nan` cells are not measured and left out.

    python3 models/drug_target_data.py DATASET_DIR OUT_DIR --name NAME [--kind davis|kiba]
        [--seed 0]

writes OUT_DIR/NAME.csv (ligand,smiles,protein,affinity; one row per measured pair, in
matrix order: by ligand, then by protein), OUT_DIR/NAME.proteins.csv (name,sequence, in
column order) and four split files OUT_DIR/NAME.split-{random,unseen-drug,unseen-protein,
unseen-both}.csv (row,part; row is the 0-based data row of NAME.csv, part is train,
validation, test, or none for a row left out). Each split shuffles a sorted list with
random.Random(seed) and cuts it 80/10/10: random over pairs; unseen-drug over ligand ids
(a pair follows its ligand); unseen-protein over protein names; unseen-both takes the
ligand and the protein assignments of the two splits before and keeps a pair only where
both agree (train/train, validation/validation, test/test), the rest are `none`.
--kind defaults from DATASET_DIR's name (davis or kiba).
"""
import argparse
import collections
import csv
import json
import math
import os
import random

MATRIX = {
    "davis": "drug-target_interaction_affinities_Kd__Davis_et_al.2011v1.txt",
    "kiba": "kiba_binding_affinity_v2.txt",
}
PARTS = ("train", "validation", "test", "none")


def read_json_table(path):
    with open(path) as f:
        return json.load(f, object_pairs_hook=collections.OrderedDict)


def read_matrix(path, kind, rows, columns):
    """The measured cells as (row, column, affinity text), in matrix order."""
    cells = []
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if len(lines) != rows:
        raise SystemExit(f"{path}: {len(lines)} rows, expected {rows} (ligands)")
    for i, line in enumerate(lines):
        # Davis is space separated; KIBA is tab separated with a trailing tab.
        values = line.split() if kind == "davis" else line.rstrip("\t\r").split("\t")
        if len(values) != columns:
            raise SystemExit(f"{path}: row {i} has {len(values)} values, expected {columns}")
        for j, text in enumerate(values):
            text = text.strip()
            if text.lower() == "nan" or not text:
                continue
            value = float(text)
            if kind == "davis":
                cells.append((i, j, format(-math.log10(value / 1e9), ".10g")))
            else:
                cells.append((i, j, text))
    return cells


def cut(items, seed):
    """Shuffle sorted(items) with random.Random(seed); 80/10/10 into train/validation/test."""
    items = sorted(items)
    random.Random(seed).shuffle(items)
    n_train, n_validation = int(len(items) * 0.8), int(len(items) * 0.1)
    part = {}
    for k, item in enumerate(items):
        part[item] = ("train" if k < n_train else
                      "validation" if k < n_train + n_validation else "test")
    return part


def write_split(path, parts):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["row", "part"])
        writer.writerows(enumerate(parts))
    counts = collections.Counter(parts)
    print(f"{os.path.basename(path)}: {len(parts)} rows, " +
          ", ".join(f"{p} {counts[p]}" for p in PARTS if counts[p] or p != "none"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--name", required=True)
    parser.add_argument("--kind", choices=sorted(MATRIX))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kind = args.kind
    if kind is None:
        base = os.path.basename(os.path.normpath(args.dataset_dir)).lower()
        kind = next((k for k in MATRIX if k in base), None)
        if kind is None:
            raise SystemExit(f"cannot tell the kind from {args.dataset_dir!r}: pass --kind")
    ligands = read_json_table(os.path.join(args.dataset_dir, "ligands_can.txt"))
    proteins = read_json_table(os.path.join(args.dataset_dir, "proteins.txt"))
    ligand_ids, protein_names = list(ligands), list(proteins)
    cells = read_matrix(os.path.join(args.dataset_dir, MATRIX[kind]), kind,
                        len(ligand_ids), len(protein_names))

    os.makedirs(args.out_dir, exist_ok=True)
    out = os.path.join(args.out_dir, args.name)
    with open(out + ".csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ligand", "smiles", "protein", "affinity"])
        for i, j, value in cells:
            writer.writerow([ligand_ids[i], ligands[ligand_ids[i]], protein_names[j], value])
    values = [float(v) for _, _, v in cells]
    print(f"{args.name}.csv: {len(cells)} rows ({kind}, {len(ligand_ids)} ligands x "
          f"{len(protein_names)} proteins, {len(cells) / (len(ligand_ids) * len(protein_names)):.1%}"
          f" measured), affinity {min(values):.4g}..{max(values):.4g}")
    with open(out + ".proteins.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "sequence"])
        writer.writerows(proteins.items())
    print(f"{args.name}.proteins.csv: {len(proteins)} rows "
          f"({len(set(proteins.values()))} distinct sequences)")

    pair = cut(range(len(cells)), args.seed)
    ligand_part = cut(ligand_ids, args.seed)
    protein_part = cut(protein_names, args.seed)
    splits = {
        "random": [pair[k] for k in range(len(cells))],
        "unseen-drug": [ligand_part[ligand_ids[i]] for i, _, _ in cells],
        "unseen-protein": [protein_part[protein_names[j]] for _, j, _ in cells],
    }
    splits["unseen-both"] = [d if d == p else "none"
                             for d, p in zip(splits["unseen-drug"], splits["unseen-protein"])]
    for name, parts in splits.items():
        write_split(f"{out}.split-{name}.csv", parts)


if __name__ == "__main__":
    main()
