#!/usr/bin/python3
"""Tables for docs/models.md from bench/pretraining.sh's runs (bench-work/pretraining/):
per data set, split, seed and variant (scratch, pretrained) the test metric of molsieve and
the random forest on the same split; for regression the test part's coverage of the 68% and
95% intervals per similarity band, pooled over seeds; for classification the test part's
expected calibration error and Brier score before and after Platt scaling, mean over tasks
and seeds.

    /usr/bin/python3 bench/pretraining_report.py [bench-work/pretraining]
"""
import collections
import glob
import json
import os
import re
import sys

import h5py


def card(path):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["card"])


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "bench-work/pretraining"
    runs = collections.defaultdict(dict)  # (name, split, variant) -> seed -> (molsieve, forest, metric, card)
    for rf_path in sorted(glob.glob(os.path.join(work, "*.rf.json"))):
        name, split, seed, variant = re.match(r"(.+)_(scaffold|random)_(\d+)_(scratch|pretrained)\.rf\.json$",
                                              os.path.basename(rf_path)).groups()
        rf = json.load(open(rf_path))
        key = next(k for k in rf if k.startswith("mean_") and k.endswith("_molsieve"))
        runs[(name, split, variant)][int(seed)] = (rf[key], rf[key.replace("molsieve", "random_forest")], key[5:-9],
                                            card(rf_path.replace(".rf.json", ".h5")))
    print("| data set | split | variant | metric | molsieve per seed | mean | random forest per seed | mean |"
          " splits won |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, split, variant), seeds in sorted(runs.items()):
        ms = [seeds[s][0] for s in sorted(seeds)]
        rf = [seeds[s][1] for s in sorted(seeds)]
        metric = next(iter(seeds.values()))[2]
        higher_better = metric != "rmse"
        won = sum((m > r) if higher_better else (m < r) for m, r in zip(ms, rf))
        print(f"| {name} | {split} | {variant} | {metric} | {' / '.join(f'{m:.3f}' for m in ms)} | "
              f"{sum(ms) / len(ms):.3f} | {' / '.join(f'{r:.3f}' for r in rf)} | {sum(rf) / len(rf):.3f} | "
              f"{won} of {len(ms)} |")
    print()
    print("Test-part coverage by band of similarity to the nearest training molecule (pooled over seeds):")
    print()
    print("| data set | split | variant | band | molecules | 68% interval holds | 95% interval holds |")
    print("|---|---|---|---|---|---|---|")
    for (name, split, variant), seeds in sorted(runs.items()):
        c = next(iter(seeds.values()))[3]
        if c["task_type"] != "regression":
            continue
        task = c["tasks"][0]
        pooled = collections.defaultdict(lambda: [0.0, 0.0, 0.0])  # band -> rows, held 68, held 95
        for s in seeds.values():
            test = s[3]["metrics"]["test"][task]
            for k, rows in test.items():
                if not k.startswith("rows_"):
                    continue
                band = k[5:]
                pooled[band][0] += rows
                pooled[band][1] += rows * test.get("coverage_68_" + band, float("nan"))
                pooled[band][2] += rows * test.get("coverage_95_" + band, float("nan"))
        for band in sorted(pooled, key=lambda b: -float(b.split("-")[0])):
            rows, h68, h95 = pooled[band]
            if rows:
                print(f"| {name} | {split} | {variant} | {band} | {int(rows)} | {h68 / rows:.1%} | {h95 / rows:.1%} |")

    print()
    print("Test-part reliability of the probabilities (mean over tasks and seeds; Platt-scaled on the validation part):")
    print()
    print("| data set | split | variant | ECE raw | ECE calibrated | Brier raw | Brier calibrated |")
    print("|---|---|---|---|---|---|---|")
    for (name, split, variant), seeds in sorted(runs.items()):
        if next(iter(seeds.values()))[3]["task_type"] != "classification":
            continue
        values = collections.defaultdict(list)
        for s in seeds.values():
            for task, m in s[3]["metrics"]["test"].items():
                for k in ("ece_uncalibrated", "ece", "brier_uncalibrated", "brier"):
                    if k in m:
                        values[k].append(m[k])
        mean = {k: sum(v) / len(v) for k, v in values.items()}
        print(f"| {name} | {split} | {variant} | {mean['ece_uncalibrated']:.3f} | {mean['ece']:.3f} | "
              f"{mean['brier_uncalibrated']:.3f} | {mean['brier']:.3f} |")


if __name__ == "__main__":
    main()
