#!/usr/bin/python3
"""The peer for `bench/pretraining_corpus.sh`: what `molsieve pretrain` does to read its
corpus, done with RDKit's own Python API in one process, as a chemist would write it.

Per molecule: parse, standardize (largest fragment, uncharge), canonical SMILES (each
structure kept once), a Morgan fingerprint (radius 2, 2048 bits), then per kept structure,
parsed again from its canonical SMILES, the descriptor panel the encoder learns: every rdMolDescriptors.Properties entry and the 42
MQNs. Prints molecules/s. The graph features molsieve also builds have no RDKit counterpart
here (Chemprop builds them in its own Python code).

    /usr/bin/python3 bench/pretraining_corpus_peer.py molecules.csv [smiles-column]
"""
import sys
import time

from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator, rdMolDescriptors

from rdkit_peer import standardized_molecules

path = sys.argv[1]
column = sys.argv[2] if len(sys.argv) > 2 else "smiles"

morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
properties = rdMolDescriptors.Properties()

start = time.perf_counter()
records = 0
kept = {}
for standardized in standardized_molecules(path, column):
    records += 1
    if standardized is None:
        continue
    mol, smiles = standardized
    if smiles not in kept:
        morgan.GetFingerprint(mol)
        kept[smiles] = True
# From the canonical SMILES, parsed again (as molsieve does): stereo is assigned on parsing,
# and the stereo-centre counts of the panel need it.
panel = []
for smiles in kept:
    mol = Chem.MolFromSmiles(smiles)
    panel.append(list(properties.ComputeProperties(mol)) + list(rdMolDescriptors.MQNs_(mol)))
seconds = time.perf_counter() - start
print(f"rdkit-python: {records} records, {len(panel)} distinct structures, {len(panel[0])} descriptors, "
      f"{seconds:.1f} s, {records / seconds:.0f} molecules/s")
