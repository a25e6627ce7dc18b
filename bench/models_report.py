#!/usr/bin/python3
"""Markdown tables for docs/models.md from the held-out runs of models/train_pretrained.sh.

Reads WORK/<name>_<split>.rf.json (bench/rf_baseline.py --json) and prints, per data set
and split, the molsieve and random-forest test metrics per task and their means.

    /usr/bin/python3 bench/models_report.py [WORK]
"""
import glob
import json
import os
import sys


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "bench-work/models"
    for path in sorted(glob.glob(os.path.join(work, "*.rf.json"))):
        with open(path) as f:
            result = json.load(f)
        classification = "roc_auc" in next(iter(result["tasks"].values()))["random_forest"]
        names = ["roc_auc", "pr_auc"] if classification else ["rmse", "r2"]
        print(f"\n**{os.path.basename(path)[:-8]}**\n")
        print("| task | " + " | ".join(f"molsieve {n} | RF {n}" for n in names) + " |")
        print("|---|" + "---:|" * (2 * len(names)))
        means = {n: [[], []] for n in names}
        for task, m in result["tasks"].items():
            cells = []
            for n in names:
                ours, theirs = m["molsieve"].get(n), m["random_forest"].get(n)
                cells += [f"{ours:.3f}" if ours is not None else "-", f"{theirs:.3f}" if theirs is not None else "-"]
                if ours is not None and theirs is not None:
                    means[n][0].append(ours)
                    means[n][1].append(theirs)
            print(f"| {task} | " + " | ".join(cells) + " |")
        if len(result["tasks"]) > 1:
            cells = []
            for n in names:
                ours, theirs = means[n]
                cells += [f"**{sum(ours) / len(ours):.3f}**", f"**{sum(theirs) / len(theirs):.3f}**"]
            print("| mean | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
