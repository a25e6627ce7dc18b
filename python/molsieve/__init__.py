"""molsieve from Python: featurize molecules, read library, results and cohort stores as
pandas DataFrames, predict with model stores, search and pick by similarity, and run
screening jobs, over the same C++ library as the ``molsieve`` command (docs/python.md).

Every function releases the GIL while the library works. Errors a user can fix (a missing
file, a bad option, a query that does not parse) are raised as :class:`molsieve.Error` with
the command line's message.
"""
import json
import os
import warnings

import numpy as np
import pandas as pd

from . import _molsieve
from ._molsieve import Error, Interrupted
from .chemprop import import_chemprop

__all__ = [
    "Error", "Interrupted", "Features", "featurize", "LibraryStore", "ResultsStore", "CohortStore",
    "Model", "similarity", "pick", "screen", "import_chemprop",
]


def _records(molecules, ids=None, smiles_column="smiles", id_column=None):
    """(id, text, is_mol_block) per molecule: SMILES strings, RDKit molecules (as mol blocks, so
    nothing is lost on the way), a pandas Series of either, or a DataFrame's SMILES column."""
    if isinstance(molecules, pd.DataFrame):
        if smiles_column not in molecules.columns:
            raise Error(f"smiles_column: the DataFrame has no column '{smiles_column}'")
        if id_column is not None:
            if id_column not in molecules.columns:
                raise Error(f"id_column: the DataFrame has no column '{id_column}'")
            ids = molecules[id_column].astype(str).tolist()
        elif ids is None:
            ids = [str(i) for i in molecules.index]
        molecules = molecules[smiles_column]
    if isinstance(molecules, pd.Series):
        if ids is None:
            ids = [str(i) for i in molecules.index]
        molecules = molecules.tolist()
    if isinstance(molecules, str) or hasattr(molecules, "GetNumAtoms"):
        molecules = [molecules]
    try:
        molecules = list(molecules)
    except TypeError:
        raise Error(f"molecules: expected SMILES, RDKit molecules, a Series or a DataFrame, got "
                    f"{type(molecules).__name__}") from None
    if ids is None:
        ids = [str(i) for i in range(len(molecules))]
    ids = [str(i) for i in ids]
    if len(ids) != len(molecules):
        raise Error(f"ids: {len(ids)} ids for {len(molecules)} molecules")
    records = []
    for position, (mid, molecule) in enumerate(zip(ids, molecules)):
        if molecule is None or (not isinstance(molecule, str) and not hasattr(molecule, "GetNumAtoms")
                                and pd.api.types.is_scalar(molecule) and pd.isna(molecule)):
            records.append((mid, "", False))
        elif isinstance(molecule, str):
            records.append((mid, molecule, False))
        elif hasattr(molecule, "GetNumAtoms"):
            from rdkit import Chem
            records.append((mid, Chem.MolToMolBlock(molecule), True))
        else:
            raise Error(f"molecule {position}: {type(molecule).__name__} is neither a SMILES string nor an RDKit molecule")
    return records


def _count(name, value):
    """A non-negative whole number for the library, else molsieve.Error naming the argument."""
    import operator
    try:
        number = operator.index(value)
    except TypeError:
        raise Error(f"{name}: {value!r} is not a whole number") from None
    if number < 0:
        raise Error(f"{name}: {number} is negative")
    return number


def _frame(columns):
    return pd.DataFrame(dict(columns))


class Features:
    """What :func:`featurize` computed: ``table`` (a DataFrame: id, input_smiles, smiles
    (standardized), status, error, the descriptors, lipinski_violations, veber and one
    boolean column per structural-alert family; the flags are NA for invalid rows and absent
    when their computation was left out) and ``fingerprints`` (uint64, one row of
    fp_bits / 64 words per molecule, bit b in word b // 64 at position b % 64; zeros for
    invalid rows)."""

    def __init__(self, raw, descriptors=True, alerts=True):
        self.fingerprints = raw["fingerprints"]
        columns = {name: raw[name] for name in ("id", "input_smiles", "smiles", "status", "error")}
        invalid = np.array([status != "ok" for status in raw["status"]], dtype=bool)
        for i, name in enumerate(raw["descriptor_names"]):
            columns[name] = raw["descriptors"][:, i]
        # Flags are missing (NA), not 0 or False, where nothing was computed: invalid rows, or
        # descriptors or alerts left out.
        if descriptors:
            columns["lipinski_violations"] = pd.array(raw["lipinski_violations"], dtype="Int8")
            columns["veber"] = pd.array(raw["veber"], dtype="boolean")
        if alerts:
            for i, family in enumerate(raw["alert_families"]):
                columns["alert_" + family.lower()] = pd.array(raw["alerts"][:, i], dtype="boolean")
        self.table = _frame(columns)
        flags = [c for c in self.table.columns if c in ("lipinski_violations", "veber") or c.startswith("alert_")]
        self.table.loc[invalid, flags] = pd.NA

    def fingerprint_bits(self):
        """The fingerprints as 0/1 values, uint8 [molecules, fp_bits], bit b in column b."""
        rows, words = self.fingerprints.shape
        as_bytes = self.fingerprints.astype("<u8").view(np.uint8).reshape(rows, words * 8)
        return np.unpackbits(as_bytes, axis=1, bitorder="little")

    def __len__(self):
        return len(self.table)


def featurize(molecules, *, ids=None, standardize=True, fp_radius=2, fp_bits=2048, descriptors=True,
              alerts=True, threads=0, smiles_column="smiles", id_column=None):
    """Featurizes molecules as ``molsieve featurize`` does for a library store: standardization,
    Morgan fingerprint (radius ``fp_radius``, ``fp_bits`` bits), descriptors, rule flags and
    structural alerts. ``molecules``: SMILES strings, RDKit molecules, a Series or a DataFrame
    (``smiles_column``, ``id_column``). A molecule that cannot be read gets its status and error;
    nothing is raised for it. ``threads``: 0 for every core."""
    raw = _molsieve.featurize(_records(molecules, ids, smiles_column, id_column), bool(standardize),
                              _count("fp_radius", fp_radius), _count("fp_bits", fp_bits), bool(descriptors), bool(alerts),
                              _count("threads", threads))
    return Features(raw, descriptors, alerts)


class LibraryStore:
    """A library store (``molsieve featurize``): ``summary`` (dict), ``to_frame(where=...)`` (its
    rows: id, smiles, status, descriptors, the input's own columns, numbers where every cell is one;
    ``where`` filters with ``molsieve query``'s language, e.g. ``"mw < 400 and status == 0"``) and
    ``fingerprints(where=...)`` (uint64 [rows, fp_bits / 64], the same rows)."""

    def __init__(self, path):
        self.path = str(path)
        self.summary = _molsieve.library_summary(self.path)

    def to_frame(self, where=""):
        return _frame(_molsieve.library_table(self.path, where)[0])

    def fingerprints(self, where=""):
        if not where:  # no table to build: the fingerprints alone
            return _molsieve.library_fingerprints(self.path)
        return _molsieve.library_table(self.path, where)[1]

    def __len__(self):
        return self.summary["records"]


class ResultsStore:
    """A results store (``molsieve screen``). ``query()`` is ``molsieve query``: rows kept by a
    query-language expression (``where``), ordered (``order_by``, default ``score``; ``COL:asc``),
    the ``top`` N, a ``diverse`` subset, one row per structure unless ``all_copies``."""

    def __init__(self, path):
        self.path = str(path)
        self.details = _molsieve.results_details(self.path)

    def query(self, where="", order_by="score", top=0, diverse=0.0, all_copies=False):
        return _frame(_molsieve.results_query(self.path, where, order_by, top, diverse, all_copies))

    def to_frame(self):
        """Every row in library order, copies included."""
        return self.query(order_by="", all_copies=True)

    @property
    def score_terms(self):
        """The composite score's terms: the columns of each term's value, spread, domain flag and
        desirability, and its weight (docs/screening.md)."""
        return pd.DataFrame(self.details["score_terms"])

    @property
    def selection(self):
        """Rows of the job's diverse selection, best first."""
        return list(self.details["selection"])


class CohortStore:
    """A cohort store (``molsieve cohort``). The attrition, strata and characterization tables
    show counts as the run's disclosure rules do (small counts and those that would give them away
    read 'suppressed') unless ``exact_counts=True``, whose output is not for sharing; filters and
    orders on counts need it too. The cohort and patients tables are patient-level data."""

    TABLES = ("cohort", "attrition", "strata", "patients", "characterization")

    def __init__(self, path):
        self.path = str(path)

    def table(self, name="cohort", where="", order_by="", top=0, exact_counts=False):
        if _molsieve.is_patient_level_table(name):
            warnings.warn(f"{self.path}: the {name} table is patient-level data (one row per patient, person ids): "
                          "not for sharing", stacklevel=2)
        return _frame(_molsieve.cohort_query(self.path, name, where, order_by, top, exact_counts))

    def attrition(self, exact_counts=False):
        return self.table("attrition", exact_counts=exact_counts)

    def strata(self, exact_counts=False):
        return self.table("strata", exact_counts=exact_counts)

    def characterization(self, exact_counts=False):
        return self.table("characterization", exact_counts=exact_counts)


class Model:
    """A model store (``molsieve train``, the shipped models, an imported Chemprop model)."""

    def __init__(self, path):
        self.path = str(path)
        self._loaded = _molsieve.LoadedModel(self.path)
        self.card = json.loads(self._loaded.card_json)

    @classmethod
    def load(cls, path):
        return cls(path)

    @property
    def is_drug_target(self):
        return self._loaded.is_drug_target

    @property
    def proteins(self):
        """A drug-target model's training proteins, by name (empty for models of molecules)."""
        return list(self._loaded.proteins)

    def predict(self, molecules=None, *, store=None, targets=None, target_fasta=None, ids=None,
                smiles_column="smiles", id_column=None, batch_size=64, threads=0):
        """The columns and values of ``molsieve predict``: per task the prediction, ``<task>_std``
        (regression: the 68% interval's half-width at the molecule's distance from the training
        data; beyond the calibration's bands its larger side), ``<task>_lo68``, ``<task>_hi68``, ``<task>_lo95`` and ``<task>_hi95``; ``nearest_training_similarity``, ``in_domain``
        and ``error``. ``molecules`` as for :func:`featurize` (SMILES as given), or ``store``: a
        library store's rows. Drug-target models take ``targets`` (names from their protein
        table) and/or ``target_fasta``."""
        if (molecules is None) == (store is None):
            raise Error("predict: give molecules or store=, not both or neither")
        if isinstance(targets, str):
            targets = [targets]
        records = [] if molecules is None else _records(molecules, ids, smiles_column, id_column)
        raw = self._loaded.predict(records, "" if store is None else str(store), list(targets or []),
                                   str(target_fasta or ""), _count("batch_size", batch_size), _count("threads", threads))
        return _frame(raw)


def similarity(library, queries, *, top=None, threshold=None, metric="tanimoto", device="auto", threads=0):
    """``molsieve similarity``: library molecules ranked by Morgan-fingerprint similarity to each
    query (the top 100 per query unless ``top`` or ``threshold`` say otherwise; ties by library
    row). ``queries``: SMILES (featurized as the library was) or a path to any file ``featurize``
    reads or another library store. Columns: query, query_id, rank, index, id, smiles, score.
    Queries that cannot be read are left out and listed in the frame's ``attrs['skipped']``."""
    top = None if top is None else _count("top", top)
    threads = _count("threads", threads)
    if _is_path(queries):
        table, skipped = _molsieve.similarity(str(library), str(queries), [], top, threshold, metric, device, threads)
    else:
        table, skipped = _molsieve.similarity(str(library), "", _records(queries), top, threshold, metric, device, threads)
    frame = _frame(table)
    frame.attrs["skipped"] = list(skipped)
    return frame


_MOLECULE_FILES = (".smi", ".smiles", ".csv", ".tsv", ".sdf", ".gz", ".h5")


def _is_path(queries):
    """A path (a missing one is then named by the error), not SMILES: a path object, an existing
    file, or text ending in a molecule file's suffix (not "/": SMILES write double-bond stereo with it)."""
    if isinstance(queries, os.PathLike):
        return True
    if not isinstance(queries, str):
        return False
    return os.path.exists(queries) or queries.lower().endswith(_MOLECULE_FILES)


def pick(library, size, *, method="maxmin", threshold=None, seed=42, initial=(), metric="tanimoto",
         device="auto", threads=0):
    """``molsieve pick``: a diverse subset of ``size`` molecules, by MaxMin picking (columns rank,
    index, id, smiles, min_distance; ``initial`` library rows come first; ``threshold`` stops at
    that distance) or Butina clustering (``method="butina"``: the largest clusters' centroids,
    with cluster_size; ``threshold`` is the neighbour distance, default 0.4)."""
    return _frame(_molsieve.pick(str(library), _count("size", size), method, threshold, _count("seed", seed),
                                 [_count("initial", r) for r in initial], metric, device, _count("threads", threads)))


def screen(job, *, library=None, output=None, resume=False, overwrite=False, threads=0, device="auto",
           progress=None):
    """Runs a screening job file as ``molsieve screen`` does and returns its report (a dict: rows,
    passed_filters, selected, ..., ``warnings``, and ``domain``: one sentence per model on how far
    the library is from its training data, as the command line prints).
    ``library``: files replacing the job's library; ``output``: the results store (default the
    job's). ``progress``: called with a dict of rows read, featurized, scored and written and
    rows_total as the job goes. Ctrl-C (or an exception raised by ``progress``) stops the job
    after the chunks in flight and keeps their parts: call again with ``resume=True``."""
    if progress is not None and not callable(progress):
        raise Error(f"progress: {type(progress).__name__} is not callable")
    if isinstance(library, (str, os.PathLike)):
        library = [library]
    return _molsieve.screen(str(job), [str(p) for p in (library or [])], "" if output is None else str(output), resume,
                            overwrite, _count("threads", threads), device, progress)
