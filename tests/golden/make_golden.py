#!/usr/bin/python3
"""Writes tests/data/nci_golden.tsv and tests/data/egfr_golden.tsv: what RDKit's own Python
API says about molecules from rdkit-data (the first NCI SMILES, then the regression
molecules of tests/data/regressions.smi; and the EGFR SDF file), for molsieve's featurizer
to match.

Run with Debian's python3-rdkit, the same RDKit release that molsieve links:
    /usr/bin/python3 tests/golden/make_golden.py [COUNT]

Per molecule: the input SMILES; the standardized canonical SMILES (largest fragment, then
uncharged); on the standardized molecule, RDKit's descriptors, QED.qed, the on bits of the
Morgan generator (radius 2, 2048 bits) and the FilterCatalog matches (PAINS_A/B/C, BRENK, NIH).
Molecules RDKit cannot parse are written with empty fields; a descriptor RDKit raises on is
written as nan. For the SDF file: the title,
the `id` property, the standardized SMILES and the Morgan on bits of each record.
"""
import os
import sys

from rdkit import Chem, RDConfig, rdBase
from rdkit.Chem import Descriptors, QED, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 2500
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "nci_golden.tsv")
SOURCE = os.path.join(RDConfig.RDDataDir, "NCI", "first_5K.smi")

rdBase.DisableLog("rdApp.*")
FAMILIES = ["PAINS_A", "PAINS_B", "PAINS_C", "BRENK", "NIH"]
catalogs = {}
for family in FAMILIES:
    params = FilterCatalogParams()
    params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, family))
    catalogs[family] = FilterCatalog(params)
morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
largest = rdMolStandardize.LargestFragmentChooser()
uncharger = rdMolStandardize.Uncharger()

DESCRIPTORS = [
    ("mw", Descriptors.MolWt),
    ("exact_mw", Descriptors.ExactMolWt),
    ("clogp", Descriptors.MolLogP),
    ("mr", Descriptors.MolMR),
    ("tpsa", Descriptors.TPSA),
    ("hbd", Descriptors.NumHDonors),
    ("hba", Descriptors.NumHAcceptors),
    ("rotatable_bonds", Descriptors.NumRotatableBonds),
    ("heavy_atoms", lambda m: m.GetNumHeavyAtoms()),
    ("rings", Descriptors.RingCount),
    ("aromatic_rings", Descriptors.NumAromaticRings),
    ("fsp3", Descriptors.FractionCSP3),
    ("formal_charge", Chem.GetFormalCharge),
    ("qed", QED.qed),
]

def value_of(descriptor, mol):
    """The descriptor's value, or nan where RDKit raises (QED on some boranes)."""
    try:
        return "%.10g" % descriptor(mol)
    except (ValueError, RuntimeError):
        return "nan"


def smiles_lines():
    with open(SOURCE) as src:
        for n, line in enumerate(src):
            if n >= COUNT:
                break
            yield line
    with open(os.path.join(HERE, "..", "data", "regressions.smi")) as src:
        for line in src:
            if line.strip() and not line.startswith("#"):
                yield line


with open(OUT, "w") as out:
    out.write("# made by tests/golden/make_golden.py with RDKit %s from %s and regressions.smi\n"
              % (rdBase.rdkitVersion, os.path.basename(SOURCE)))
    header = ["input_smiles", "smiles"] + [n for n, _ in DESCRIPTORS] + ["morgan_bits", "alerts"]
    out.write("\t".join(header) + "\n")
    for line in smiles_lines():
        smiles = line.split()[0]
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            out.write("\t".join([smiles] + [""] * (len(header) - 1)) + "\n")
            continue
        mol = uncharger.uncharge(largest.choose(mol))
        values = [value_of(fn, mol) for _, fn in DESCRIPTORS]
        bits = " ".join(str(b) for b in morgan.GetFingerprint(mol).GetOnBits())
        alerts = ";".join(
            "%s:%s" % (family, entry.GetDescription())
            for family in FAMILIES for entry in catalogs[family].GetMatches(mol))
        out.write("\t".join([smiles, Chem.MolToSmiles(mol)] + values + [bits, alerts]) + "\n")

SDF = os.path.join(RDConfig.RDContribDir, "PBF", "testData", "egfr.sdf")
with open(os.path.join(HERE, "..", "data", "egfr_golden.tsv"), "w") as out:
    out.write("# made by tests/golden/make_golden.py with RDKit %s from Contrib/PBF/testData/egfr.sdf\n"
              % rdBase.rdkitVersion)
    out.write("title\tid\tsmiles\tmorgan_bits\n")
    for mol in Chem.SDMolSupplier(SDF):
        if mol is None:
            out.write("\t\t\t\n")
            continue
        title = mol.GetProp("_Name")
        prop = mol.GetProp("id") if mol.HasProp("id") else ""
        mol = uncharger.uncharge(largest.choose(mol))
        bits = " ".join(str(b) for b in morgan.GetFingerprint(mol).GetOnBits())
        out.write("\t".join([title, prop, Chem.MolToSmiles(mol), bits]) + "\n")
