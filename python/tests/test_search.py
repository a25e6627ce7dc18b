"""molsieve.similarity and molsieve.pick against `molsieve similarity` and `molsieve pick`."""
import numpy as np
import pandas as pd
import pytest

import molsieve
from conftest import run_cli

QUERIES = ["CC1=CC(=O)C=CC1=O", "OC1=C(Cl)C=C(C=C1[N+]([O-])=O)[N+]([O-])=O", "not a molecule"]


def read_csv(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def assert_same(ours, cli):
    assert ours.columns.tolist() == cli.columns.tolist()
    assert len(ours) == len(cli) > 0
    for column in ours.columns:
        if ours[column].dtype == object:
            assert ours[column].astype(str).tolist() == cli[column].astype(str).tolist(), column
        else:
            np.testing.assert_allclose(ours[column].to_numpy(float), cli[column].to_numpy(float), rtol=1e-12,
                                       equal_nan=True, err_msg=column)


@pytest.mark.parametrize("options", [{"top": 5}, {"threshold": 0.3}, {"top": 3, "metric": "dice"}])
def test_similarity_equals_the_command_line(work, nci_store, options):
    queries = work / "queries.smi"
    queries.write_text("".join(f"{s}\tq{i}\n" for i, s in enumerate(QUERIES)))
    out = work / "hits.csv"
    args = ["similarity", "--library", nci_store, "--query", queries, "-o", out, "-q", "--overwrite"]
    for key, value in options.items():
        args += ["--" + key, value]
    run_cli(*args)
    cli = read_csv(out)
    from_file = molsieve.similarity(nci_store, queries, **options)
    assert_same(from_file, cli)
    from_smiles = molsieve.similarity(nci_store, QUERIES, **options)
    assert from_smiles["index"].tolist() == cli["index"].tolist()
    assert len(from_smiles.attrs["skipped"]) == 1 and "query 2" in from_smiles.attrs["skipped"][0]


@pytest.mark.parametrize("method,extra", [("maxmin", []), ("butina", ["--threshold", "0.6"])])
def test_pick_equals_the_command_line(work, nci_store, method, extra):
    out = work / f"picks-{method}.csv"
    run_cli("pick", "--library", nci_store, "--size", 12, "--method", method, *extra, "-o", out, "-q", "--overwrite")
    threshold = float(extra[1]) if extra else None
    assert_same(molsieve.pick(nci_store, 12, method=method, threshold=threshold), read_csv(out))


def test_bad_search_options_raise_molsieve_error(nci_store):
    with pytest.raises(molsieve.Error, match="threshold"):
        molsieve.similarity(nci_store, ["CCO"], threshold=2.0)
    with pytest.raises(molsieve.Error, match="metric|tversky|unknown"):
        molsieve.similarity(nci_store, ["CCO"], metric="euclid")


def test_a_mistyped_query_file_is_named_and_a_stereo_smiles_is_a_molecule(nci_store):
    with pytest.raises(molsieve.Error, match="no-such-queries.smi"):
        molsieve.similarity(nci_store, "no-such-queries.smi")
    hits = molsieve.similarity(nci_store, "F/C=C/F", top=1)
    assert len(hits) == 1 and hits.attrs["skipped"] == []
