#!/usr/bin/env python3
"""Enrichment of known inhibitors in a screen's ranking: the share of the ids starting with
a prefix (davis_ for datasets/jobs/kinase_selectivity.toml) among the top 1%, 2% and 5% of
the valid molecules by score, over their share of the whole library, and the ROC-AUC of the
score for telling them apart. Reads the CSV of

    build/molsieve query abl1.h5 --format csv -o ranked.csv
    python3 bench/kinase_enrichment.py ranked.csv [--prefix davis_] [--column score]
"""
import argparse
import csv
import math


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ranked")
    parser.add_argument("--prefix", default="davis_")
    parser.add_argument("--column", default="score", help="ranking column (higher is better)")
    args = parser.parse_args()
    with open(args.ranked, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r[args.column] not in ("", "nan")]
    rows.sort(key=lambda r: float(r[args.column]), reverse=True)
    known = [r["id"].startswith(args.prefix) for r in rows]
    total, hits = len(rows), sum(known)
    if not hits:
        raise SystemExit(f"{args.ranked}: no id starts with {args.prefix}")
    print(f"{hits} known inhibitors among {total} ranked molecules ({args.column})")
    for fraction in (0.01, 0.02, 0.05):
        top = max(1, math.ceil(fraction * total))
        found = sum(known[:top])
        print(f"top {fraction:.0%} ({top}): {found} known, enrichment factor {(found / top) / (hits / total):.1f}")
    # ROC-AUC: for each other molecule, the known inhibitors ranked above it (ties in a
    # continuous score are rare).
    positives_above, auc_sum = 0, 0
    for is_known in known:
        if is_known:
            positives_above += 1
        else:
            auc_sum += positives_above
    print(f"ROC-AUC {auc_sum / (hits * (total - hits)):.3f}")


if __name__ == "__main__":
    main()
