#!/usr/bin/env python3
"""Training tables for the PDBbind model from the refined and general ("full") sets.

The general set holds most refined-set complexes again, so the union is taken on
(SMILES, affinity) pairs: a ligand measured against several proteins stays once per
distinct value. With --hold-out SPLIT.csv (from `molsieve train --split-output` on the
refined set), every molecule of that split's test part is removed from the union, the
refined test rows are appended, and a split file marks them `test` (and a seeded 10% of
the rest `validation`): `molsieve train --split-file` then scores a model trained on the
union on refined-set molecules it has never seen, and the random-forest baseline uses the
same split.

    python3 models/pdbbind_data.py DATASETS OUT_DIR [--hold-out SPLIT.csv] [--name NAME]
writes OUT_DIR/NAME.csv and, with --hold-out, OUT_DIR/NAME.split.csv.
"""
import argparse
import csv
import os
import random

COLUMN = "-logKd/Ki"


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets")
    parser.add_argument("out_dir")
    parser.add_argument("--hold-out", help="split CSV of a model trained on pdbbind_refined.csv")
    parser.add_argument("--name", default="pdbbind_union")
    args = parser.parse_args()
    refined = read(os.path.join(args.datasets, "pdbbind_refined.csv"))
    general = read(os.path.join(args.datasets, "pdbbind_full.csv"))
    held_out, test_rows = set(), []
    if args.hold_out:
        for row in read(args.hold_out):
            if row["part"] == "test":
                held_out.add(row["smiles"])
                test_rows.append(refined[int(row["row"])])
    seen, union = set(), []
    for row in refined + general:
        key = (row["smiles"], row[COLUMN])
        if key in seen or row["smiles"] in held_out:
            continue
        seen.add(key)
        union.append(row)
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, args.name + ".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["smiles", COLUMN])
        writer.writeheader()
        writer.writerows({"smiles": r["smiles"], COLUMN: r[COLUMN]} for r in union + test_rows)
    if args.hold_out:
        validation = set(random.Random(0).sample(range(len(union)), len(union) // 10))
        with open(os.path.join(args.out_dir, args.name + ".split.csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "smiles", "part"])
            for i, r in enumerate(union + test_rows):
                part = "test" if i >= len(union) else "validation" if i in validation else "train"
                writer.writerow([i, r["smiles"], part])
    print(f"{args.name}: {len(union)} rows ({len(refined)} refined + {len(general)} general, "
          f"{len(held_out)} held-out molecules removed), {len(test_rows)} test rows")


if __name__ == "__main__":
    main()
