#!/usr/bin/python3
"""The peer for `bench/featurize.sh`: the per-molecule work of `molsieve featurize` done
with RDKit's own Python API in one process, as a chemist would write it.

Per molecule: parse, standardize (largest fragment, uncharge), canonical SMILES, the 14
descriptors (QED included), FilterCatalog matches (PAINS A/B/C, Brenk, NIH) and a Morgan
fingerprint (radius 2, 2048 bits). Prints molecules/s.

    /usr/bin/python3 bench/featurize_peer.py molecules.csv [smiles-column]
"""
import sys
import time

from rdkit import Chem
from rdkit.Chem import Descriptors, QED, rdFingerprintGenerator
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from rdkit_peer import standardized_molecules

path = sys.argv[1]
column = sys.argv[2] if len(sys.argv) > 2 else "smiles"

params = FilterCatalogParams()
for family in ("PAINS_A", "PAINS_B", "PAINS_C", "BRENK", "NIH"):
    params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, family))
catalog = FilterCatalog(params)
morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
descriptors = [Descriptors.MolWt, Descriptors.ExactMolWt, Descriptors.MolLogP, Descriptors.MolMR,
               Descriptors.TPSA, Descriptors.NumHDonors, Descriptors.NumHAcceptors,
               Descriptors.NumRotatableBonds, lambda m: m.GetNumHeavyAtoms(), Descriptors.RingCount,
               Descriptors.NumAromaticRings, Descriptors.FractionCSP3, Chem.GetFormalCharge, QED.qed]

start = time.perf_counter()
records = valid = 0
for standardized in standardized_molecules(path, column):
    records += 1
    if standardized is None:
        continue
    mol, smiles = standardized
    values = [fn(mol) for fn in descriptors]
    alerts = [entry.GetDescription() for entry in catalog.GetMatches(mol)]
    fp = morgan.GetFingerprint(mol)
    valid += 1
seconds = time.perf_counter() - start
print("peer records=%d valid=%d seconds=%.3f molecules_per_s=%.1f"
      % (records, valid, seconds, records / seconds))
