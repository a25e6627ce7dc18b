#!/usr/bin/python3
"""Where should a drug-target model's protein domain end? Measured on the unseen-protein split.

For each protein of the split's test part: its sequence identity to the nearest training
protein (models::sequence_identity, through build/molsieve_bench_protein_identity) and the
held-out model's MSE on its test pairs (build/molsieve predict against it). The same identity
for each test protein shuffled (same length and composition, unrelated by construction) is
the floor that identity reaches by chance. Prints the per-protein table and a summary by
identity band for docs/models.md.

    /usr/bin/python3 bench/protein_domain.py NAME [WORK_DIR]
NAME: davis or kiba, as made by models/train_drug_target.sh (WORK_DIR defaults to
bench-work/drug_target; the model is WORK_DIR/models/NAME-unseen-protein.h5).
"""
import csv
import os
import random
import subprocess
import sys

import numpy as np

BANDS = [(0.0, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.7), (0.7, 1.01)]


def write_table(path, rows):
    with open(path, "w") as f:
        f.write("name,sequence\n")
        for name, sequence in rows:
            f.write(f"{name},{sequence}\n")


def main():
    name = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else "bench-work/drug_target"
    scratch = os.path.join(work, f"protein-domain-{name}")
    os.makedirs(scratch, exist_ok=True)
    with open(os.path.join(work, f"{name}.proteins.csv"), newline="") as f:
        sequences = {r["name"]: r["sequence"] for r in csv.DictReader(f)}
    with open(os.path.join(work, f"{name}.csv"), newline="") as f:
        pairs = list(csv.DictReader(f))
    with open(os.path.join(work, f"{name}.split-unseen-protein.csv"), newline="") as f:
        parts = [r["part"] for r in csv.DictReader(f)]
    train = sorted({p["protein"] for p, part in zip(pairs, parts) if part == "train"})
    test_pairs = [p for p, part in zip(pairs, parts) if part == "test"]
    test = sorted({p["protein"] for p in test_pairs} - set(train))

    rng = random.Random(0)
    queries = []
    for protein in test:
        shuffled = list(sequences[protein])
        rng.shuffle(shuffled)
        queries += [(protein, sequences[protein]), ("shuffled:" + protein, "".join(shuffled))]
    write_table(os.path.join(scratch, "train.csv"), [(p, sequences[p]) for p in train])
    write_table(os.path.join(scratch, "queries.csv"), queries)
    identity_csv = subprocess.run(
        ["build/molsieve_bench_protein_identity", os.path.join(scratch, "queries.csv"), os.path.join(scratch, "train.csv")],
        check=True, capture_output=True, text=True).stdout
    identity = {r["name"]: float(r["identity"]) for r in csv.DictReader(identity_csv.splitlines())}

    ligands = sorted({p["smiles"] for p in test_pairs})
    with open(os.path.join(scratch, "ligands.smi"), "w") as f:
        for i, smiles in enumerate(ligands):
            f.write(f"{smiles} l{i}\n")
    predictions = os.path.join(scratch, "predictions.csv")
    subprocess.run(["build/molsieve", "predict", "--model", os.path.join(work, "models", f"{name}-unseen-protein.h5"),
                    "--input", os.path.join(scratch, "ligands.smi"), "--target", ",".join(test), "-o", predictions,
                    "--overwrite", "-q"], check=True)
    with open(predictions, newline="") as f:
        predicted = {r["smiles"]: r for r in csv.DictReader(f)}

    errors = {}
    for p in test_pairs:
        value = predicted[p["smiles"]][f"affinity:{p['protein']}"]
        if value:
            errors.setdefault(p["protein"], []).append((float(value) - float(p["affinity"])) ** 2)
    print(f"{name}: {len(train)} training proteins, {len(test)} test proteins, {len(test_pairs)} test pairs")
    print("| test protein | identity to nearest training protein | shuffled | test pairs | MSE |")
    print("|---|---:|---:|---:|---:|")
    for protein in sorted(test, key=lambda p: identity[p]):
        print(f"| {protein} | {identity[protein]:.2f} | {identity['shuffled:' + protein]:.2f} | "
              f"{len(errors.get(protein, []))} | {np.mean(errors[protein]):.3f} |")
    shuffled = [identity["shuffled:" + p] for p in test]
    print(f"\nshuffled sequences: identity {min(shuffled):.2f} to {max(shuffled):.2f} (median {np.median(shuffled):.2f})")
    print("| identity band | test proteins | test pairs | MSE |")
    print("|---|---:|---:|---:|")
    for low, high in BANDS:
        members = [p for p in test if low <= identity[p] < high and p in errors]
        squared = [e for p in members for e in errors[p]]
        if members:
            print(f"| {low:.1f} to {min(high, 1.0):.1f} | {len(members)} | {len(squared)} | {np.mean(squared):.3f} |")
    ranked = [p for p in test if p in errors]
    x = np.argsort(np.argsort([identity[p] for p in ranked]))
    y = np.argsort(np.argsort([np.mean(errors[p]) for p in ranked]))
    print(f"Spearman rank correlation of identity and per-protein MSE: {np.corrcoef(x, y)[0, 1]:.2f}")


if __name__ == "__main__":
    main()
