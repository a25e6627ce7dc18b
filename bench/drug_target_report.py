#!/usr/bin/env python3
"""Tables of the drug-target models' held-out results for docs/models.md.

For each data set and split made by models/train_drug_target.sh: the molsieve model's test
metrics (from its model card), the random-forest floor (bench/drug_target_floor.py's JSON)
and a second floor that ignores the protein: each ligand's mean training affinity (the
training mean for a ligand without training pairs), all on the same test pairs. Then the
shipped ensembles (models/pretrained/NAME.h5, trained on the random split): their test
metrics and how often mean +- k x spread holds the test affinity, before and after the
spread scale fitted on the validation part.

    /usr/bin/python3 bench/drug_target_report.py [WORK_DIR] [NAME...]
WORK_DIR defaults to bench-work/drug_target.
"""
import csv
import json
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drug_target_floor import concordance_index  # noqa: E402

SPLITS = ["random", "unseen-drug", "unseen-protein", "unseen-both"]


def ligand_mean_floor(data_path, split_path):
    with open(data_path, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(split_path, newline="") as f:
        parts = [r["part"] for r in csv.DictReader(f)]
    sums, counts = {}, {}
    train_values = []
    for row, part in zip(rows, parts):
        if part == "train":
            value = float(row["affinity"])
            sums[row["ligand"]] = sums.get(row["ligand"], 0.0) + value
            counts[row["ligand"]] = counts.get(row["ligand"], 0) + 1
            train_values.append(value)
    overall = float(np.mean(train_values))
    y, p = [], []
    for row, part in zip(rows, parts):
        if part == "test":
            y.append(float(row["affinity"]))
            p.append(sums[row["ligand"]] / counts[row["ligand"]] if row["ligand"] in counts else overall)
    y, p = np.array(y), np.array(p)
    return {"mse": float(np.mean((y - p) ** 2)), "ci": concordance_index(y, p)}


def card_of(path):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["card"])


def fmt(value):
    return "" if value is None else f"{value:.3f}"


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "bench-work/drug_target"
    names = sys.argv[2:] or ["davis", "kiba"]
    print("| data | split | test pairs | molsieve MSE | CI | Pearson r | AUC pKd >= 7 | "
          "RF floor MSE | CI | ligand-mean MSE | CI |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        for split in SPLITS:
            model = os.path.join(work, "models", f"{name}-{split}.h5")
            floor = os.path.join(work, f"floor-{name}-{split}.json")
            if not (os.path.exists(model) and os.path.exists(floor)):
                continue
            m = card_of(model)["metrics"]["test"]["affinity"]
            with open(floor) as f:
                rf = json.load(f)["metrics"]
            lm = ligand_mean_floor(os.path.join(work, f"{name}.csv"), os.path.join(work, f"{name}.split-{split}.csv"))
            print(f"| {name} | {split} | {int(m['count']):,} | {fmt(m['mse'])} | {fmt(m['ci'])} | "
                  f"{fmt(m['pearson'])} | {fmt(m.get('roc_auc_active'))} | {fmt(rf['mse'])} | {fmt(rf['ci'])} | "
                  f"{fmt(lm['mse'])} | {fmt(lm['ci'])} |")
    print()
    print("| shipped | networks | test pairs | MSE | CI | Pearson r | AUC pKd >= 7 | spread scale | "
          "test within 1 raw spread | within 1 spread | within 2 spreads |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "pretrained", f"{name}.h5")
        if not os.path.exists(shipped):
            continue
        card = card_of(shipped)
        m = card["metrics"]["test"]["affinity"]
        if not m.get("count"):
            continue
        scale = card.get("calibration", {}).get("spread_scale", {}).get("affinity")
        print(f"| {name}.h5 | {card['architecture']['ensemble']} | {int(m['count']):,} | {fmt(m['mse'])} | "
              f"{fmt(m['ci'])} | {fmt(m['pearson'])} | {fmt(m.get('roc_auc_active'))} | {fmt(scale)} | "
              f"{fmt(m.get('coverage_1sd_uncalibrated'))} | {fmt(m.get('coverage_1sd'))} | {fmt(m.get('coverage_2sd'))} |")


if __name__ == "__main__":
    main()
