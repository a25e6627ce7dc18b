"""molsieve.Model against `molsieve predict` on the same molecules: same columns, values
within 1e-6."""
import numpy as np
import pandas as pd
import pytest

import molsieve
from conftest import run_cli

DRUGS = pd.DataFrame({
    "name": ["aspirin", "imatinib", "verubecestat", "paracetamol", "not-a-molecule"],
    "smiles": ["CC(=O)Oc1ccccc1C(=O)O",
               "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1",
               "C[C@@]1(c2cc(NC(=O)c3ccc(F)cn3)ccc2F)CS(=O)(=O)N(C)C(=N)N1",
               "CC(=O)Nc1ccc(O)cc1",
               "C1CC(=O)X"],
})


def reasons(errors):
    """An error without its location: the command names file:line, the module the molecule's place."""
    return [text.split(": ", 1)[-1] for text in errors.fillna("").astype(str)]


def assert_same_table(ours, cli):
    assert ours.columns.tolist() == cli.columns.tolist()
    assert len(ours) == len(cli)
    for column in ours.columns:
        if column == "error":
            assert reasons(ours[column]) == reasons(cli[column])
            assert ours[column].iloc[4].startswith("molecule 4: ")
        elif ours[column].dtype == object:
            assert ours[column].fillna("").astype(str).tolist() == cli[column].fillna("").astype(str).tolist(), column
        else:
            np.testing.assert_allclose(ours[column].to_numpy(float), cli[column].to_numpy(float), rtol=0, atol=1e-6,
                                       equal_nan=True, err_msg=column)


@pytest.fixture(scope="module")
def drugs_csv(work):
    path = work / "drugs.csv"
    DRUGS.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("model", ["bace", "tox21"])
def test_predictions_equal_the_command_lines(source_dir, work, drugs_csv, model):
    path = source_dir / "models" / "pretrained" / f"{model}.h5"
    out = work / f"predict-{model}.csv"
    run_cli("predict", "--model", path, "--input", drugs_csv, "--id-column", "name", "-o", out, "-q", "--overwrite")
    cli = pd.read_csv(out, keep_default_na=False, na_values=[""])
    ours = molsieve.Model.load(path).predict(DRUGS, id_column="name")
    assert_same_table(ours, cli)
    assert ours["error"].iloc[4] != "" and np.isnan(ours.iloc[4, 2])


def test_a_drug_target_model_predicts_per_target_as_the_command_line(source_dir, work, drugs_csv):
    path = source_dir / "models" / "pretrained" / "davis.h5"
    out = work / "predict-davis.csv"
    run_cli("predict", "--model", path, "--input", drugs_csv, "--id-column", "name", "--target", "ABL1,EGFR", "-o", out,
            "-q", "--overwrite")
    cli = pd.read_csv(out, keep_default_na=False, na_values=[""])
    model = molsieve.Model.load(path)
    assert model.is_drug_target and "ABL1" in model.proteins
    ours = model.predict(DRUGS, id_column="name", targets=["ABL1", "EGFR"])
    assert_same_table(ours, cli)


def test_predicting_a_library_store_equals_predicting_its_molecules(source_dir, nci_store, nci_file):
    model = molsieve.Model.load(source_dir / "models" / "pretrained" / "bace.h5")
    from_store = model.predict(store=nci_store)
    smiles = [line.split()[0] for line in nci_file.read_text().splitlines()]
    from_smiles = model.predict(smiles)
    np.testing.assert_allclose(from_store["pIC50"], from_smiles["pIC50"], atol=1e-6, equal_nan=True)


def test_model_errors_are_molsieve_errors_with_the_command_lines_message(source_dir, work, drugs_csv):
    with pytest.raises(molsieve.Error, match="not-a-model.h5"):
        molsieve.Model.load("not-a-model.h5")
    davis = source_dir / "models" / "pretrained" / "davis.h5"
    cli = run_cli("predict", "--model", davis, "--input", drugs_csv, "--target", "NOT_A_KINASE", "-o",
                  work / "x.csv", "-q", "--overwrite", check=False)
    assert cli.returncode != 0
    with pytest.raises(molsieve.Error) as raised:
        molsieve.Model.load(davis).predict(["CCO"], targets=["NOT_A_KINASE"])
    assert str(raised.value) in cli.stderr
    with pytest.raises(molsieve.Error, match="not of ligand-protein pairs"):
        molsieve.Model.load(source_dir / "models" / "pretrained" / "bace.h5").predict(["CCO"], targets=["ABL1"])


def test_the_card_is_the_stores_card(source_dir):
    card = molsieve.Model.load(source_dir / "models" / "pretrained" / "bace.h5").card
    assert card["tasks"] == ["pIC50"]
