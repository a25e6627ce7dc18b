#!/usr/bin/env python3
"""The known inhibitors of the kinase selectivity example: Davis et al.'s 68 kinase
inhibitors as a .smi file (SMILES, then the id davis_<PubChem CID>), which
kinase_selectivity.toml screens among RDKit's 5,000 NCI compounds.

    python3 datasets/jobs/make_kinase_library.py DAVIS_DIR [OUT.smi]
DAVIS_DIR is the davis/ folder of the data sets (datasets/manifest.tsv); OUT defaults to
kinase_inhibitors.smi beside this script.
"""
import json
import os
import sys
from collections import OrderedDict


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    source = os.path.join(sys.argv[1], "ligands_can.txt")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "kinase_inhibitors.smi")
    with open(source) as f:
        ligands = json.load(f, object_pairs_hook=OrderedDict)
    with open(out, "w") as f:
        for cid, smiles in ligands.items():
            f.write(f"{smiles} davis_{cid}\n")
    print(f"{len(ligands)} inhibitors to {out}")


if __name__ == "__main__":
    main()
