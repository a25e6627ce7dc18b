"""Prints, one JSON line per molecule, what Chemprop's featurizers read from RDKit (per atom:
atomic number, total degree, formal charge, chiral tag, total Hs, hybridization, aromaticity,
mass; per bond: type, conjugation, ring, stereo). Run under two Pythons (Debian's RDKit, as
molsieve's C++ library links, and the Chemprop virtual environment's) and compare the outputs
to find molecules whose graphs the two RDKit releases read differently.
    python graph_features.py molecules.csv > features.jsonl
"""
import csv
import json
import sys

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        mol = Chem.MolFromSmiles(row["smiles"])
        if mol is None:
            print(json.dumps({"smiles": row["smiles"], "invalid": True}))
            continue
        atoms = [[a.GetAtomicNum(), a.GetTotalDegree(), a.GetFormalCharge(), int(a.GetChiralTag()), a.GetTotalNumHs(),
                  int(a.GetHybridization()), int(a.GetIsAromatic()), round(a.GetMass(), 5)] for a in mol.GetAtoms()]
        bonds = [[b.GetBeginAtomIdx(), b.GetEndAtomIdx(), int(b.GetBondType()), int(b.GetIsConjugated()), int(b.IsInRing()),
                  int(b.GetStereo())] for b in mol.GetBonds()]
        print(json.dumps({"smiles": row["smiles"], "atoms": atoms, "bonds": bonds}))
