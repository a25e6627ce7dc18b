#!/usr/bin/env bash
# `pip install .` into a virtual environment that sees Debian's python3-rdkit, numpy and pandas
# (--system-site-packages), then `import molsieve` from outside the source tree and featurize
# one molecule: the install a user makes works, not only the build's package folder.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=build/python-install-venv
rm -rf "$venv"
/usr/bin/python3 -m venv --system-site-packages "$venv"
CMAKE_BUILD_PARALLEL_LEVEL="${MOLSIEVE_BUILD_JOBS:-2}" "$venv/bin/python" -m pip install -q .
cd "$(mktemp -d)"
"$OLDPWD/$venv/bin/python" - <<'PY'
import molsieve
features = molsieve.featurize(["CC(=O)Oc1ccccc1C(=O)O"])
assert features.table["status"][0] == "ok", features.table
print(f"python-install-check: import molsieve from {molsieve.__file__}: aspirin has "
      f"{int(features.fingerprint_bits().sum())} Morgan bits set")
PY
