"""molsieve.featurize and LibraryStore against `molsieve featurize` on the same molecules."""
import threading
import time

import numpy as np
import pandas as pd
import pytest

import molsieve
from conftest import nci_smiles


def smiles_and_names(path):
    rows = [line.split() for line in path.read_text().splitlines()]
    return [r[0] for r in rows], [r[1] if len(r) > 1 else "" for r in rows]


def test_fingerprints_smiles_and_descriptors_equal_the_command_lines_library_store(nci_file, nci_store):
    smiles, names = smiles_and_names(nci_file)
    features = molsieve.featurize(smiles, ids=names, threads=2)
    store = molsieve.LibraryStore(nci_store)
    table = store.to_frame()
    assert len(features) == len(table) == 400
    np.testing.assert_array_equal(features.fingerprints, store.fingerprints())
    assert features.table["smiles"].tolist() == table["smiles"].tolist()
    assert features.table["id"].tolist() == table["id"].tolist()
    for name in ("mw", "clogp", "tpsa", "qed"):
        np.testing.assert_array_equal(features.table[name].to_numpy(), table[name].to_numpy())


def test_unreadable_molecules_get_their_error_and_zero_fingerprints_without_raising(nci_file):
    smiles, _ = smiles_and_names(nci_file)
    features = molsieve.featurize(smiles)
    bad = features.table[features.table["status"] != "ok"]
    assert bad.index.tolist() == [10, 20, 30]
    assert all(bad["error"].str.len() > 0)
    assert (bad["smiles"] == "").all()
    assert not features.fingerprints[[10, 20, 30]].any()
    assert features.fingerprints[0].any()


def test_rdkit_molecules_featurize_as_their_smiles_do():
    from rdkit import Chem
    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "C[C@H](N)C(=O)O", "c1ccc2[nH]ccc2c1"]
    from_text = molsieve.featurize(smiles)
    from_molecules = molsieve.featurize([Chem.MolFromSmiles(s) for s in smiles])
    np.testing.assert_array_equal(from_text.fingerprints, from_molecules.fingerprints)
    assert from_text.table["smiles"].tolist() == from_molecules.table["smiles"].tolist()


def test_fingerprint_bits_are_rdkits_morgan_bits():
    from rdkit import Chem
    from rdkit.Chem import AllChem
    smiles = "CC(=O)Oc1ccccc1C(=O)O"
    features = molsieve.featurize([smiles], standardize=False, fp_bits=1024)
    expected = AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smiles), 2, nBits=1024)
    assert np.flatnonzero(features.fingerprint_bits()[0]).tolist() == list(expected.GetOnBits())


def test_alert_flags_mark_a_pains_structure():
    # An ene_rhod (rhodanine) PAINS_A match.
    features = molsieve.featurize(["S=C1SC(=Cc2ccccc2)C(=O)N1", "CCO"])
    assert bool(features.table["alert_pains_a"][0]) and not bool(features.table["alert_pains_a"][1])


def test_the_gil_is_released_while_featurizing():
    smiles = [line.split()[0] for line in nci_smiles(5000)] * 2
    ticks = 0
    running = True

    def count():
        nonlocal ticks
        while running:
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.05)
    start_ticks, start = ticks, time.monotonic()
    molsieve.featurize(smiles, threads=1)
    elapsed, during = time.monotonic() - start, ticks - start_ticks
    running = False
    counter.join()
    # Holding the GIL would freeze the counter for the whole call; released, it ticks about
    # once a millisecond. A quarter of that allows a loaded machine.
    assert elapsed > 0.2
    assert during > elapsed * 1000 / 4


def test_bad_options_and_missing_stores_raise_molsieve_error_with_the_message():
    with pytest.raises(molsieve.Error, match="fp_bits: 100 is not a positive multiple of 64"):
        molsieve.featurize(["CCO"], fp_bits=100)
    with pytest.raises(molsieve.Error, match="no-such-store.h5"):
        molsieve.LibraryStore("no-such-store.h5")
    with pytest.raises(molsieve.Error, match="molecule 1: int is neither"):
        molsieve.featurize(["CCO", 7])


def test_one_thread_means_one_busy_core():
    # The process's CPU time during the call, against its wall time: oneTBB capped at one
    # thread keeps one core busy (a little more for the interpreter); left at every core, a
    # machine with two or more idle cores shows close to twice the wall time.
    smiles = [line.split()[0] for line in nci_smiles(3000)]
    cpu, wall = time.process_time(), time.monotonic()
    molsieve.featurize(smiles, threads=1)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert cpu < 1.3 * wall


def test_a_library_store_filters_with_the_query_language_as_pandas_would(nci_store):
    store = molsieve.LibraryStore(nci_store)
    everything = store.to_frame()
    kept = store.to_frame(where="mw < 250 and status == 0")
    expected = everything[(everything["mw"] < 250) & (everything["status"] == 0)]
    assert 0 < len(kept) < len(everything)
    assert kept["id"].tolist() == expected["id"].tolist()
    np.testing.assert_array_equal(store.fingerprints(where="mw < 250 and status == 0"),
                                  store.fingerprints()[expected.index.to_numpy()])
    with pytest.raises(molsieve.Error, match="no column of"):
        store.to_frame(where="pIC50 > 6")
    with pytest.raises(molsieve.Error):
        store.to_frame(where="mw <")


def test_odd_inputs_give_clear_answers():
    from rdkit import Chem
    assert len(molsieve.featurize(Chem.MolFromSmiles("CCO"))) == 1
    features = molsieve.featurize(pd.Series(["CCO", pd.NA], dtype="string"))
    assert features.table["status"].tolist() == ["ok", "empty"]
    assert molsieve.featurize([]).fingerprint_bits().shape == (0, 2048)
    with pytest.raises(molsieve.Error, match="got int"):
        molsieve.featurize(5)


def test_flags_are_missing_where_nothing_was_computed():
    features = molsieve.featurize(["CCO", "C1CC(=O)X"])
    assert features.table["lipinski_violations"][0] == 0
    assert features.table[["lipinski_violations", "veber", "alert_pains_a"]].iloc[1].isna().all()
    bare = molsieve.featurize(["CCO"], descriptors=False, alerts=False).table
    assert "veber" not in bare.columns and not any(c.startswith("alert_") for c in bare.columns)


def test_bad_numbers_are_molsieve_errors_naming_the_argument():
    with pytest.raises(molsieve.Error, match="threads: -1 is negative"):
        molsieve.featurize(["CCO"], threads=-1)
    with pytest.raises(molsieve.Error, match="fp_bits: '2048' is not a whole number"):
        molsieve.featurize(["CCO"], fp_bits="2048")
    with pytest.raises(molsieve.Error, match="progress: str is not callable"):
        molsieve.screen("job.toml", progress="yes")
