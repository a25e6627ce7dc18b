"""What the RDKit-Python peers of the benchmarks share: each row of a CSV file parsed and
standardized as molsieve does (largest fragment, uncharged), with RDKit's own Python API."""
import csv

from rdkit import Chem, rdBase
from rdkit.Chem.MolStandardize import rdMolStandardize

rdBase.DisableLog("rdApp.*")


def standardized_molecules(path, column):
    """Yields (molecule, canonical SMILES) per readable row, None for an unreadable one."""
    largest = rdMolStandardize.LargestFragmentChooser()
    uncharger = rdMolStandardize.Uncharger()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            mol = Chem.MolFromSmiles(row[column])
            if mol is None:
                yield None
                continue
            mol = uncharger.uncharge(largest.choose(mol))
            yield mol, Chem.MolToSmiles(mol)
