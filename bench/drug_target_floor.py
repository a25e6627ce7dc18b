#!/usr/bin/python3
"""Random-forest floor for the drug-target affinity models (Davis, KIBA).

Reads a pair table, its protein table and a split from models/drug_target_data.py. Each pair
is featurized as the ligand's Morgan fingerprint (RDKit, radius 2, 2048 bits, from the SMILES
as given, no standardization) followed by the protein's amino-acid composition (20) and
dipeptide composition (400), each k-mer count divided by len - k + 1, over the 20 standard
amino acids (k-mers with any other letter are not counted). A scikit-learn
RandomForestRegressor (max_features='sqrt', min_samples_leaf=1, one core) is trained on the
`train` part and scored on the `test` part: MSE, concordance index, Pearson r and, with
--davis, the ROC AUC of pKd >= 7 (label y >= 7, score the prediction).

    /usr/bin/python3 bench/drug_target_floor.py DATA.csv PROTEINS.csv SPLIT.csv [--davis]
        [--trees 100] [--seed 0] [--json OUT.json] [--header]
    /usr/bin/python3 bench/drug_target_floor.py --self-check

The concordance index is the one DeepDTA reports: over all pairs (i, j) with y_i > y_j, the
share with pred_i > pred_j, a tie in the prediction counting 0.5; pairs with equal y are not
counted. It is computed exactly in O(n log n) (a Fenwick tree over prediction ranks) and
checked against a plain O(n^2) double loop: --self-check on random 500-element samples with
and without ties, and every run on a random 500-pair sample of its own test predictions.
(DeepDTA's own code, emetrics.get_cindex and the Keras cindex, visits only j < i in data
order, i.e. about half of these pairs; its expectation over orders is the same.)

Prints one markdown table row (--header prints the table header first):
| dataset | split | train | test | MSE | CI | Pearson r | AUC | trees | seconds |
"""
import argparse
import csv
import json
import os
import random
import sys
import time

import numpy as np

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
FP_BITS = 2048
HEADER = ("| dataset | split | train | test | MSE | CI | Pearson r | AUC (pKd >= 7) | trees | seconds |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")


def concordance_index(y, pred):
    """Exact CI in O(n log n): pairs y_i > y_j, pred_i > pred_j scores 1, pred_i == pred_j 0.5."""
    y = np.asarray(y, dtype=np.float64)
    pred = np.asarray(pred, dtype=np.float64)
    _, rank = np.unique(pred, return_inverse=True)   # dense prediction ranks, 0-based
    size = int(rank.max()) + 1 if len(rank) else 0
    tree = [0] * (size + 1)                           # Fenwick tree of inserted ranks

    def below(r):                                     # inserted elements with rank < r
        total = 0
        while r > 0:
            total += tree[r]
            r -= r & -r
        return total

    order = np.argsort(y, kind="stable")
    concordant = ties = pairs = inserted = 0
    start = 0
    n = len(order)
    while start < n:
        end = start
        while end < n and y[order[end]] == y[order[start]]:
            end += 1
        group = [int(rank[k]) for k in order[start:end]]
        for r in group:                               # everything inserted has a smaller y
            less = below(r)
            concordant += less
            ties += below(r + 1) - less
            pairs += inserted
        for r in group:
            i = r + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
        inserted += end - start
        start = end
    return (concordant + 0.5 * ties) / pairs if pairs else float("nan")


def concordance_index_slow(y, pred):
    summ = pairs = 0.0
    for i in range(len(y)):
        for j in range(len(y)):
            if y[i] > y[j]:
                pairs += 1
                summ += 1.0 if pred[i] > pred[j] else 0.5 if pred[i] == pred[j] else 0.0
    return summ / pairs if pairs else float("nan")


def check_ci(y, pred, label, stream=sys.stderr):
    fast, slow = concordance_index(y, pred), concordance_index_slow(list(y), list(pred))
    ok = abs(fast - slow) <= 1e-12
    print(f"CI check {label}: fast {fast:.12f} slow {slow:.12f} {'ok' if ok else 'MISMATCH'}",
          file=stream)
    return ok


def self_check(seed):
    rng = np.random.default_rng(seed)
    n = 500
    cases = {
        "continuous": (rng.normal(size=n), rng.normal(size=n)),
        "ties in y and pred": (rng.integers(0, 12, n) / 2.0, rng.integers(0, 8, n) / 4.0),
        "Davis-like floor": (np.where(rng.random(n) < 0.7, 5.0, rng.uniform(5, 10, n)),
                             np.round(rng.uniform(5, 8, n), 1)),
        "constant pred": (rng.normal(size=n), np.zeros(n)),
    }
    y = rng.normal(size=n)
    cases["perfect"] = (y, 2 * y + 1)
    cases["reversed"] = (y, -y)
    ok = all(check_ci(a, b, name, sys.stdout) for name, (a, b) in cases.items())
    ok &= concordance_index(cases["perfect"][0], cases["perfect"][1]) == 1.0
    ok &= concordance_index(cases["reversed"][0], cases["reversed"][1]) == 0.0
    ok &= concordance_index(cases["constant pred"][0], cases["constant pred"][1]) == 0.5
    print("self-check", "passed" if ok else "FAILED")
    return ok


def protein_features(sequence):
    index = {a: i for i, a in enumerate(AMINO_ACIDS)}
    out = np.zeros(20 + 400, dtype=np.float32)
    n = len(sequence)
    if n >= 1:
        counts = np.zeros(20)
        for a in sequence:
            if a in index:
                counts[index[a]] += 1
        out[:20] = counts / n
    if n >= 2:
        counts = np.zeros(400)
        for a, b in zip(sequence, sequence[1:]):
            if a in index and b in index:
                counts[20 * index[a] + index[b]] += 1
        out[20:] = counts / (n - 1)
    return out


def fingerprints(smiles_list):
    from rdkit import Chem, RDLogger
    from rdkit.Chem import rdFingerprintGenerator
    RDLogger.DisableLog("rdApp.*")
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FP_BITS)
    table, failed = {}, []
    for smiles in smiles_list:
        if smiles in table:
            continue
        bits = np.zeros(FP_BITS, dtype=np.uint8)
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            failed.append(smiles)
        else:
            bits[list(generator.GetFingerprint(mol).GetOnBits())] = 1
        table[smiles] = bits
    return table, failed


def features(rows, fps, prots):
    x = np.empty((len(rows), FP_BITS + 420), dtype=np.float32)
    for k, row in enumerate(rows):
        x[k, :FP_BITS] = fps[row["smiles"]]
        x[k, FP_BITS:] = prots[row["protein"]]
    return x


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?")
    parser.add_argument("proteins", nargs="?")
    parser.add_argument("split", nargs="?")
    parser.add_argument("--davis", action="store_true", help="also ROC AUC of pKd >= 7")
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the metrics, counts and seconds here")
    parser.add_argument("--header", action="store_true", help="print the table header first")
    parser.add_argument("--self-check", action="store_true",
                        help="check the fast CI against the O(n^2) loop and exit")
    args = parser.parse_args()
    if args.self_check:
        sys.exit(0 if self_check(args.seed) else 1)
    if not (args.data and args.proteins and args.split):
        parser.error("DATA.csv PROTEINS.csv SPLIT.csv are required (or --self-check)")

    from scipy.stats import pearsonr
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_squared_error, roc_auc_score

    started = time.time()
    data = read(args.data)
    parts = read(args.split)
    if len(parts) != len(data):
        raise SystemExit(f"{args.split}: {len(parts)} rows, {args.data} has {len(data)}")
    part = [None] * len(data)
    for row in parts:
        part[int(row["row"])] = row["part"]
    counts = {p: part.count(p) for p in ("train", "validation", "test", "none")}
    sequences = {row["name"]: row["sequence"] for row in read(args.proteins)}
    prots = {name: protein_features(seq) for name, seq in sequences.items()}
    fps, failed = fingerprints(row["smiles"] for row in data)
    if failed:
        print(f"{len(failed)} SMILES RDKit cannot parse (zero fingerprint): {failed[:5]}",
              file=sys.stderr)
    train = [r for r, p in zip(data, part) if p == "train"]
    test = [r for r, p in zip(data, part) if p == "test"]
    x_train, x_test = features(train, fps, prots), features(test, fps, prots)
    y_train = np.array([float(r["affinity"]) for r in train])
    y_test = np.array([float(r["affinity"]) for r in test])
    featurized = time.time()

    model = RandomForestRegressor(n_estimators=args.trees, max_features="sqrt",
                                  min_samples_leaf=1, n_jobs=1, random_state=args.seed)
    model.fit(x_train, y_train)
    fitted = time.time()
    pred = model.predict(x_test)
    predicted = time.time()

    metrics = {
        "mse": float(mean_squared_error(y_test, pred)),
        "ci": float(concordance_index(y_test, pred)),
        "pearson_r": float(pearsonr(y_test, pred)[0]),
    }
    if args.davis:
        labels = y_test >= 7
        metrics["auc_pkd7"] = float(roc_auc_score(labels, pred)) if 0 < labels.sum() < len(
            labels) else None
        metrics["test_positives_pkd7"] = int(labels.sum())
    scored = time.time()
    sample = random.Random(args.seed).sample(range(len(y_test)), min(500, len(y_test)))
    ci_ok = check_ci(y_test[sample], pred[sample], "on 500 test pairs")

    dataset = os.path.splitext(os.path.basename(args.data))[0]
    split = os.path.basename(args.split)
    prefix = dataset + ".split-"
    split = split[len(prefix):] if split.startswith(prefix) else split
    split = split[:-4] if split.endswith(".csv") else split
    seconds = {"featurize": featurized - started, "fit": fitted - featurized,
               "predict": predicted - fitted, "metrics": scored - predicted,
               "total": scored - started}
    result = {
        "dataset": dataset, "split": split, "data": args.data, "split_file": args.split,
        "counts": counts, "features": int(x_train.shape[1]),
        "unique_smiles": len(fps), "unparsed_smiles": len(failed), "proteins": len(prots),
        "model": {"kind": "RandomForestRegressor", "n_estimators": args.trees,
                  "max_features": "sqrt", "min_samples_leaf": 1, "n_jobs": 1,
                  "random_state": args.seed},
        "metrics": metrics, "ci_check_ok": ci_ok,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    if args.header:
        print(HEADER)
    auc = metrics.get("auc_pkd7")
    print(f"| {dataset} | {split} | {counts['train']} | {counts['test']} | {metrics['mse']:.4f} | "
          f"{metrics['ci']:.4f} | {metrics['pearson_r']:.4f} | "
          f"{'' if auc is None else f'{auc:.4f}'} | {args.trees} | {seconds['total']:.0f} |")
    if not ci_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
