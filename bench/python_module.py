#!/usr/bin/python3
"""The Python module against the command line and the Python peers, on the same molecules in
the same run (docs/benchmarks.md, "Python module"):

- featurize: ``molsieve.featurize`` against ``molsieve featurize`` (which also writes the
  library store) and against RDKit's Python API doing the same per-molecule work
  (bench/featurize_peer.py);
- predict: ``molsieve.Model.predict`` against ``molsieve predict`` with the shipped bace
  model, and, when a Chemprop virtual environment is given (CHEMPROP_PYTHON, e.g. the one
  tests/chemprop/make_reference.sh makes), ``chemprop predict`` with a checkpoint
  (CHEMPROP_CHECKPOINT) of the same architecture.

Each measurement is the median of REPEATS runs, interleaved. Run with the build's package:

    PYTHONPATH=build/python /usr/bin/python3 bench/python_module.py [MOLECULES] [REPEATS] [THREADS]
"""
import csv
import gzip
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import molsieve

ROOT = pathlib.Path(__file__).resolve().parents[1]
MOLSIEVE = os.environ.get("MOLSIEVE_BIN", str(ROOT / "build" / "molsieve"))
DATASETS = pathlib.Path(os.environ.get("MOLSIEVE_DATASETS", ROOT.parent / "shared" / "datasets"))
count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2

work = pathlib.Path(tempfile.mkdtemp())
with gzip.open(DATASETS / "muv.csv.gz", "rt") as f:
    rows = [row for _, row in zip(range(count), csv.DictReader(f))]
smiles = [row["smiles"] for row in rows]
molecules_csv = work / "molecules.csv"
with open(molecules_csv, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["smiles", "id"])
    writer.writerows([s, i] for i, s in enumerate(smiles))


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def cli(*args):
    subprocess.run([MOLSIEVE, *map(str, args)], check=True, capture_output=True)


def peer_featurize():
    subprocess.run(["/usr/bin/python3", str(ROOT / "bench" / "featurize_peer.py"), str(molecules_csv)], check=True,
                   capture_output=True)


bace = molsieve.Model.load(ROOT / "models" / "pretrained" / "bace.h5")
runs = {
    "featurize: molsieve.featurize": lambda: molsieve.featurize(smiles, threads=threads),
    "featurize: molsieve featurize (command)": lambda: cli("featurize", molecules_csv, "-o", work / "lib.h5",
                                                           "--threads", threads, "--overwrite", "-q"),
    "featurize: RDKit Python API (1 thread)": peer_featurize,
    "predict bace: molsieve.Model.predict": lambda: bace.predict(smiles, threads=threads),
    "predict bace: molsieve predict (command)": lambda: cli("predict", "--model", ROOT / "models" / "pretrained" / "bace.h5",
                                                           "--input", molecules_csv, "-o", work / "p.csv",
                                                           "--threads", threads, "--overwrite", "-q"),
}
chemprop_python = os.environ.get("CHEMPROP_PYTHON")
checkpoint = os.environ.get("CHEMPROP_CHECKPOINT")
if chemprop_python and checkpoint:
    imported = work / "imported.h5"
    molsieve.import_chemprop(checkpoint, imported)
    model = molsieve.Model.load(imported)
    runs["predict chemprop model: molsieve.Model.predict (imported)"] = lambda: model.predict(smiles, threads=threads)
    chemprop = str(pathlib.Path(chemprop_python).parent / "chemprop")
    runs["predict chemprop model: chemprop predict"] = lambda: subprocess.run(
        [chemprop, "predict", "-i", str(molecules_csv), "--model-paths", checkpoint, "-o", str(work / "cp.csv"),
         "--num-workers", "0"], check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})

times = {name: [] for name in runs}
for _ in range(repeats):
    for name, run in runs.items():
        times[name].append(timed(run))
print(f"molecules: {count} from muv.csv.gz; median of {repeats} interleaved runs; {threads} thread(s); "
      f"{os.cpu_count()} cores")
for name, values in times.items():
    median = statistics.median(values)
    print(f"{name:60s} {median:8.2f} s  {count / median:9.0f} molecules/s")
