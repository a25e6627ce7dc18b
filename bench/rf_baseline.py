#!/usr/bin/python3
"""Random-forest baseline on Morgan fingerprints, on the split a molsieve model was trained on.

Reads the data set, the split CSV from `molsieve train --split-output` and the model store;
trains scikit-learn random forests (one per task, missing labels left out) on the training
and validation rows, scores the test rows, and prints both methods' test metrics per task.

    /usr/bin/python3 bench/rf_baseline.py DATA.csv SPLIT.csv MODEL.h5 [--json OUT.json]

--as-written skips the standardization, to measure what the data set's own salt and charge
forms tell a model (docs/models.md, ClinTox).
"""
import argparse
import csv
import json
import math

import h5py
import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import rdFingerprintGenerator
from rdkit.Chem.MolStandardize import rdMolStandardize
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import (average_precision_score, brier_score_loss, mean_absolute_error,
                             mean_squared_error, r2_score, roc_auc_score)
from scipy.stats import spearmanr

RDLogger.DisableLog("rdApp.*")


def fingerprint(smiles, generator, chooser, uncharger, standardize=True):
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    # The same standardization as molsieve's featurizer: largest fragment, neutralized.
    if standardize:
        mol = uncharger.uncharge(chooser.choose(mol))
    bits = np.zeros(2048, dtype=np.uint8)
    for b in generator.GetFingerprint(mol).GetOnBits():
        bits[b] = 1
    return bits


def metrics(task_type, predicted, observed):
    if task_type == "classification":
        if len(set(observed)) < 2:
            return {}
        return {"roc_auc": roc_auc_score(observed, predicted),
                "pr_auc": average_precision_score(observed, predicted),
                "brier": brier_score_loss(observed, predicted)}
    return {"rmse": math.sqrt(mean_squared_error(observed, predicted)),
            "mae": mean_absolute_error(observed, predicted),
            "r2": r2_score(observed, predicted),
            "spearman": spearmanr(predicted, observed).correlation}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("split")
    parser.add_argument("model")
    parser.add_argument("--json", help="write both methods' test metrics here")
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--as-written", action="store_true",
                        help="fingerprints of the molecules as written, not standardized")
    args = parser.parse_args()

    with h5py.File(args.model, "r") as f:
        card = json.loads(f.attrs["card"])
    tasks, task_type = card["tasks"], card["task_type"]
    smiles_column = card["training"]["smiles_column"]
    with open(args.data, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(args.split, newline="") as f:
        parts = {int(r["row"]): r["part"] for r in csv.DictReader(f)}

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    chooser = rdMolStandardize.LargestFragmentChooser()
    uncharger = rdMolStandardize.Uncharger()
    fps, keep = [], []
    for i, row in enumerate(rows):
        if parts.get(i, "invalid") == "invalid":
            continue
        fp = fingerprint(row[smiles_column], generator, chooser, uncharger, not args.as_written)
        if fp is not None:
            fps.append(fp)
            keep.append(i)
    x = np.array(fps)
    part = np.array([parts[i] for i in keep])
    train, test = part != "test", part == "test"

    result = {"tasks": {}, "model": card["name"], "split": card["training"]["split"]}
    for t, task in enumerate(tasks):
        y = np.array([float(rows[i][task]) if rows[i][task] != "" else np.nan for i in keep])
        fit, score = train & ~np.isnan(y), test & ~np.isnan(y)
        if task_type == "classification":
            forest = RandomForestClassifier(n_estimators=args.trees, n_jobs=-1, random_state=0)
            forest.fit(x[fit], y[fit].astype(int))
            predicted = forest.predict_proba(x[score])[:, list(forest.classes_).index(1)] \
                if 1 in forest.classes_ else np.zeros(score.sum())
        else:
            forest = RandomForestRegressor(n_estimators=args.trees, n_jobs=-1, random_state=0)
            forest.fit(x[fit], y[fit])
            predicted = forest.predict(x[score])
        result["tasks"][task] = {"random_forest": metrics(task_type, predicted, y[score]),
                                 "molsieve": card["metrics"]["test"].get(task, {})}

    key = "roc_auc" if task_type == "classification" else "rmse"
    print(f"{card['name']} ({card['training']['split']} split), test {key} per task:")
    for task, m in result["tasks"].items():
        print(f"  {task:24s} molsieve {m['molsieve'].get(key, float('nan')):.3f}"
              f"  random forest {m['random_forest'].get(key, float('nan')):.3f}")
    for method in ("molsieve", "random_forest"):
        values = [m[method][key] for m in result["tasks"].values() if key in m[method]]
        result[f"mean_{key}_{method}"] = float(np.mean(values)) if values else None
    print(f"  {'mean':24s} molsieve {result[f'mean_{key}_molsieve']:.3f}"
          f"  random forest {result[f'mean_{key}_random_forest']:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
