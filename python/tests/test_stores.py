"""molsieve.screen, ResultsStore and CohortStore against `molsieve screen`, `molsieve cohort`
and `molsieve query` on the same inputs."""
import io

import numpy as np
import pandas as pd
import pytest

import molsieve
from conftest import nci_smiles, run_cli


def read_cli_csv(text):
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])


def assert_same_rows(ours, cli):
    cli = cli.drop(columns=["position"], errors="ignore")
    assert ours.columns.tolist() == cli.columns.tolist()
    assert len(ours) == len(cli)
    for column in ours.columns:
        if ours[column].dtype == object or cli[column].dtype == object:
            assert ours[column].fillna("").astype(str).tolist() == cli[column].fillna("").astype(str).tolist(), column
        else:
            np.testing.assert_allclose(ours[column].to_numpy(float), cli[column].to_numpy(float), rtol=1e-12,
                                       equal_nan=True, err_msg=column)


@pytest.fixture(scope="module")
def small_library(work):
    path = work / "nci300.smi"
    path.write_text("\n".join(nci_smiles(300)) + "\n")
    return path


@pytest.fixture(scope="module")
def screens(work, source_dir, small_library):
    """The BACE-1 job on 300 NCI compounds, once from Python (with progress) and once from the command line."""
    job = source_dir / "datasets" / "jobs" / "bace1_nci.toml"
    statuses = []
    report = molsieve.screen(job, library=small_library, output=work / "py.h5", overwrite=True,
                             threads=2, progress=statuses.append)
    run_cli("screen", job, "--library", small_library, "-o", work / "cli.h5", "--overwrite", "-q")
    return report, statuses, work / "py.h5", work / "cli.h5"


def test_a_screen_from_python_reports_progress_and_its_results_equal_the_command_lines(screens):
    report, statuses, py_store, cli_store = screens
    assert report["rows"] == 300
    assert any(s.startswith("bace: ") and "domain" in s for s in report["domain"])
    assert statuses and statuses[-1]["rows_written"] == 300
    written = [s["rows_written"] for s in statuses]
    assert written == sorted(written)
    ours = molsieve.ResultsStore(py_store).to_frame()
    theirs = molsieve.ResultsStore(cli_store).to_frame()
    assert_same_rows(ours, theirs)


@pytest.mark.parametrize("where,order_by,top", [("", "score", 20), ("pIC50 > 4 and not pains", "mw:asc", 0)])
def test_queries_equal_molsieve_query(screens, where, order_by, top):
    _, _, _, store = screens
    args = ["query", store, "--format", "csv", "--order-by", order_by]
    if where:
        args += ["--where", where]
    if top:
        args += ["--top", top]
    cli = read_cli_csv(run_cli(*args).stdout)
    ours = molsieve.ResultsStore(store).query(where=where, order_by=order_by, top=top)
    lead = ["index", "id", "smiles", "score"]
    ours = ours[lead + [c for c in ours.columns if c not in lead]]
    assert_same_rows(ours, cli)


def test_score_terms_name_their_columns(screens):
    terms = molsieve.ResultsStore(screens[3]).score_terms
    assert set(terms["kind"]) == {"affinity", "toxicity", "similarity"}
    assert "pIC50_std" in terms["spread"].tolist()


def test_a_query_that_does_not_parse_raises_the_command_lines_message(screens):
    store = screens[3]
    cli = run_cli("query", store, "--where", "pIC50 >", check=False)
    assert cli.returncode != 0
    with pytest.raises(molsieve.Error) as raised:
        molsieve.ResultsStore(store).query(where="pIC50 >")
    assert str(raised.value) in cli.stderr


@pytest.fixture(scope="module")
def cohort_store(work, source_dir):
    population, store = work / "pop.h5", work / "cohort.h5"
    run_cli("synth-population", "--n", 20000, "--seed", 3, "-o", population, "-q", "--overwrite")
    cohorts = source_dir / "datasets" / "cohorts"
    run_cli("cohort", "--population", population, "--definition", cohorts / "example.json", "--quotas",
            cohorts / "example_quotas.json", "--size", 40, "-o", store, "-q", "--overwrite")
    return store


@pytest.mark.parametrize("table", ["attrition", "strata"])
def test_cohort_tables_show_counts_as_molsieve_query_does(cohort_store, table):
    cli = read_cli_csv(run_cli("query", cohort_store, "--table", table, "--format", "csv").stdout)
    ours = molsieve.CohortStore(cohort_store).table(table)
    assert_same_rows(ours, cli)
    assert (ours["counts"] == "suppressed").all()


def test_a_filter_on_a_suppressed_count_is_refused_without_exact_counts(cohort_store):
    store = molsieve.CohortStore(cohort_store)
    with pytest.raises(molsieve.Error, match="count column of attrition"):
        store.table("attrition", where="remaining < 5")
    exact = store.table("attrition", where="remaining >= 0", exact_counts=True)
    assert (exact["counts"] == "exact").all()


def test_the_cohort_table_warns_that_it_is_patient_level(cohort_store):
    with pytest.warns(UserWarning, match="patient-level"):
        cohort = molsieve.CohortStore(cohort_store).table("cohort")
    assert len(cohort) == 40


class Stop(Exception):
    pass


def test_an_exception_in_the_progress_callback_stops_the_screen_and_resume_finishes_it(work, source_dir, small_library,
                                                                                      screens):
    job_dir = work / "chunked"
    job_dir.mkdir(exist_ok=True)
    jobs = source_dir / "datasets" / "jobs"
    (job_dir / "bace1_references.smi").write_text((jobs / "bace1_references.smi").read_text())
    (job_dir / "job.toml").write_text((jobs / "bace1_nci.toml").read_text().replace("chunk_size = 1024", "chunk_size = 50"))
    output = work / "stopped.h5"

    def stop_after_first_chunk(status):
        if status["rows_written"] > 0:
            raise Stop()

    with pytest.raises(Stop):
        molsieve.screen(job_dir / "job.toml", library=small_library, output=output, overwrite=True, threads=1,
                        progress=stop_after_first_chunk)
    assert not output.exists()
    report = molsieve.screen(job_dir / "job.toml", library=small_library, output=output, resume=True, threads=2)
    assert report["chunks"] == 6 and 0 < report["chunks_resumed"] < 6
    columns = ["index", "id", "score", "pIC50"]
    finished = molsieve.ResultsStore(output).to_frame()[columns]
    whole = molsieve.ResultsStore(screens[3]).to_frame()[columns]
    pd.testing.assert_frame_equal(finished, whole)
