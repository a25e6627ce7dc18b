#!/usr/bin/env python3
"""The peer for `bench/screen.sh`: the default screening job written as a chemist would with
RDKit's Python API and Chemprop, in one process.

Per molecule: parse, standardize (largest fragment, uncharge), the descriptors the job's
filters read, Lipinski and Veber, PAINS A/B/C matches, a Morgan fingerprint and its nearest
reference (BulkTanimotoSimilarity). Then Chemprop predicts every model checkpoint given
(the job's three 3-member ensembles: nine D-MPNNs of Chemprop's default size) on the
standardized SMILES. Prints the time of each part and molecules/s.

    python bench/screen_peer.py LIBRARY.smi REFERENCES.smi CHECKPOINT.pt...
(run with the Python that has chemprop and rdkit, e.g. bench-work/peer-venv/bin/python)
"""
import sys
import time

import torch
from chemprop import data, featurizers, models
from lightning import pytorch as pl
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize

rdBase.DisableLog("rdApp.*")


def read_smi(path):
    with open(path) as f:
        return [line.split()[0] for line in f if line.strip()]


def main():
    library, references, checkpoints = sys.argv[1], sys.argv[2], sys.argv[3:]
    threads = torch.get_num_threads()
    params = FilterCatalogParams()
    for family in ("PAINS_A", "PAINS_B", "PAINS_C"):
        params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, family))
    catalog = FilterCatalog(params)
    morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    largest = rdMolStandardize.LargestFragmentChooser()
    uncharger = rdMolStandardize.Uncharger()
    reference_fps = [morgan.GetFingerprint(Chem.MolFromSmiles(s)) for s in read_smi(references)]

    start = time.perf_counter()
    smiles = read_smi(library)
    kept = []
    for text in smiles:
        mol = Chem.MolFromSmiles(text)
        if mol is None:
            continue
        mol = uncharger.uncharge(largest.choose(mol))
        mw, logp = Descriptors.MolWt(mol), Crippen.MolLogP(mol)
        violations = (mw > 500) + (logp > 5) + (Lipinski.NHOHCount(mol) > 5) + (Lipinski.NOCount(mol) > 10)
        veber = Descriptors.NumRotatableBonds(mol) <= 10 and rdMolDescriptors.CalcTPSA(mol) <= 140
        pains = catalog.HasMatch(mol)
        nearest = max(DataStructs.BulkTanimotoSimilarity(morgan.GetFingerprint(mol), reference_fps))
        kept.append((Chem.MolToSmiles(mol), violations, veber, pains, nearest))
    chem_seconds = time.perf_counter() - start

    start = time.perf_counter()
    featurizer = featurizers.SimpleMoleculeMolGraphFeaturizer()
    points = [data.MoleculeDatapoint.from_smi(k[0]) for k in kept]
    dataset = data.MoleculeDataset(points, featurizer=featurizer)
    loader = data.build_dataloader(dataset, batch_size=64, num_workers=0, shuffle=False)
    trainer = pl.Trainer(logger=False, enable_progress_bar=False, accelerator="cpu", devices=1)
    for checkpoint in checkpoints:
        model = models.MPNN.load_from_file(checkpoint)
        trainer.predict(model, loader)
    model_seconds = time.perf_counter() - start
    total = chem_seconds + model_seconds
    print("peer molecules=%d threads=%d chem_seconds=%.2f model_seconds=%.2f total_seconds=%.2f molecules_per_s=%.1f"
          % (len(smiles), threads, chem_seconds, model_seconds, total, len(smiles) / total))


if __name__ == "__main__":
    main()
