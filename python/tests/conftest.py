"""Shared fixtures: the molsieve command of the same build (MOLSIEVE_BIN, set by CTest), the
project's folder, small inputs made from RDKit's NCI compounds, and the command's own outputs
to compare the module with."""
import os
import pathlib
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ.get("MOLSIEVE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
MOLSIEVE = os.environ.get("MOLSIEVE_BIN", str(SOURCE / "build" / "molsieve"))


def run_cli(*args, check=True):
    """Runs the molsieve command; returns the completed process (stdout and stderr as text)."""
    done = subprocess.run([MOLSIEVE, *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"molsieve {' '.join(map(str, args))} exited {done.returncode}: {done.stderr}")
    return done


def nci_smiles(count):
    """The first `count` lines of RDKit's NCI compounds (SMILES and name), the library of the shipped jobs."""
    from rdkit import RDConfig
    lines = (pathlib.Path(RDConfig.RDDataDir) / "NCI" / "first_5K.smi").read_text().splitlines()
    return lines[:count]


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("molsieve")


@pytest.fixture(scope="session")
def nci_file(work):
    """400 NCI compounds as a .smi file, with three lines RDKit cannot read among them."""
    lines = nci_smiles(400)
    lines[10] = "C1CC(=O)X\tnot-a-molecule"
    lines[20] = "c1ccccc\tunclosed-ring"
    lines[30] = "C(C)(C)(C)(C)C\tpentavalent-carbon"
    path = work / "nci400.smi"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def nci_store(work, nci_file):
    """The same molecules featurized by the command line."""
    path = work / "nci400.h5"
    run_cli("featurize", nci_file, "-o", path, "-q")
    return path
