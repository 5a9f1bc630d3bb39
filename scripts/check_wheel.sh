#!/usr/bin/env bash
# The only proof that svmodel works when installed: build a wheel, install it with its
# dependencies into a throwaway virtual environment, and run the main commands from a folder
# outside the repository (an editable install would hide missing package data).
#
#   svmodel run --json, svmodel framework show knowsley, svmodel report (local pool), and
#   svmodel report on a Dask cluster of `dask scheduler` + `dask worker` started as separate
#   processes from that environment.
#
# Usage: scripts/check_wheel.sh [PYTHON]   (default: python3; `make test` passes the project's
# .venv). By default the fresh environment sees the dependencies already installed for PYTHON
# (a .pth line; none of that environment's own .pth hooks, so its editable svmodel stays
# invisible) and pip resolves the wheel's declared dependencies against them: no download, about
# a minute. SVMODEL_WHEEL_CHECK=isolated installs every dependency afresh from the package index
# instead (slower; what a new user does). Exits non-zero on any failure and leaves nothing
# behind (temporary folder and processes are removed on exit, even on Ctrl-C).
set -euo pipefail
PYTHON=${1:-python3}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/svmodel-wheel.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
started=$(date +%s)
say() { printf 'wheel-check: [%3d s] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

say "building the wheel"
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$WORK/dist" "$REPO" >/dev/null \
  || fail "pip could not build the wheel"
wheel=$(ls "$WORK"/dist/svmodel-*.whl)
# The wheel must carry the data and notebooks it finds at run time.
"$PYTHON" - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["svmodel/data/proxies/library.yaml", "svmodel/data/proxies/ucd.csv",
        "svmodel/data/proxies/gdp_deflators.csv", "svmodel/data/frameworks/knowsley.yaml",
        "svmodel/data/notebooks/sroi_report.ipynb", "svmodel/data/notebooks/portfolio.ipynb",
        "svmodel/data/notebooks/scenario_explorer.ipynb", "svmodel/data/examples/reablement_home_care.yaml",
        "svmodel/report/templates/svmodel_report/index.html.j2",
        "svmodel/report/templates/sroi/title.html.j2", "svmodel/procurement/templates/panel_report.html.j2",
        "svmodel/procurement/templates/panel_report.css",
        "svmodel/data/ledger/example.yaml", "svmodel/data/tenders/home_care_2026/spec.yaml",
        "svmodel/ledger/migrations/env.py"]
missing = [n for n in need if n not in names]
if missing:
    sys.exit("wheel-check: the wheel lacks " + ", ".join(missing))
if any(n.startswith("svmodel/data/proxies/sources/") for n in names):
    sys.exit("wheel-check: the wheel ships the proxy source workbook, which is for rebuilding only")
PY

say "installing it with its dependencies into a fresh virtual environment"
VENV="$WORK/venv/bin"
pip_args=(--quiet --disable-pip-version-check)
if [ "${SVMODEL_WHEEL_CHECK:-shared}" != "isolated" ]; then
  # No pip of its own (ensurepip takes seconds): PYTHON's pip installs into it (`pip --python`).
  "$PYTHON" -m venv --without-pip "$WORK/venv"
  pip=("$PYTHON" -m pip --python "$VENV/python")
  shared=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  own=$("$VENV/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$shared" > "$own/svmodel-wheel-check-dependencies.pth"
  # The dependencies' data files (nbconvert's base templates, kernel specs) live in that prefix.
  export JUPYTER_PATH="$("$PYTHON" -c 'import sys; print(sys.prefix)')/share/jupyter"
  pip_args+=(--no-index)   # every declared dependency must already be satisfied: nothing downloads
else
  "$PYTHON" -m venv "$WORK/venv"
  pip=("$VENV/python" -m pip)
fi
"${pip[@]}" install "${pip_args[@]}" "${wheel}[distributed]" \
  || fail "pip could not install the wheel"

# Everything below runs from a folder outside the repository, with a copy of one example.
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere"
cp "$REPO/params/examples/reablement_home_care.yaml" scenario.yaml
export PYTHONPATH="" MPLBACKEND=Agg
"$VENV/python" - "$REPO" <<'PY' || fail "svmodel is imported from the repository, not from the wheel"
import sys, svmodel
from pathlib import Path
where = Path(svmodel.__file__).resolve()
if Path(sys.argv[1]).resolve() in where.parents:
    sys.exit(f"wheel-check: svmodel imported from {where}")
PY

say "svmodel run --json"
"$VENV/svmodel" run scenario.yaml --json > run.json || fail "svmodel run"
"$VENV/python" - <<'PY' || fail "svmodel run --json output"
import json
data = json.load(open("run.json"))
for key in ("total_present_value", "total_inputs", "net_present_value", "sroi_ratio", "lines", "years", "provenance"):
    assert key in data, key
assert data["sroi_ratio"] > 0, data["sroi_ratio"]
assert data["provenance"]["proxy_library_hash"], data["provenance"]
PY

say "svmodel framework show knowsley"
"$VENV/svmodel" framework show knowsley > framework.txt || fail "svmodel framework show knowsley"
grep -q "K29" framework.txt || fail "the Knowsley framework lists no K29"

say "svmodel report (local pool)"
"$VENV/svmodel" report scenario.yaml --out local --draws 200 --workers 1 --no-progress \
  || { cat local/manifest.json >&2 2>/dev/null; fail "svmodel report"; }
[ -s local/index.html ] || fail "svmodel report wrote no index.html"

say "svmodel report on a Dask cluster (dask scheduler + dask worker processes)"
port=$("$VENV/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$VENV/python" -m dask scheduler --host 127.0.0.1 --port "$port" --no-dashboard > scheduler.log 2>&1 &
pids+=($!)
"$VENV/python" -m dask worker "tcp://127.0.0.1:$port" --nthreads 1 --nworkers 1 --no-dashboard > worker.log 2>&1 &
pids+=($!)
"$VENV/python" - "$port" <<'PY' || { cat scheduler.log worker.log >&2; fail "the Dask cluster did not start"; }
import sys, time
from distributed import Client
client = Client(f"tcp://127.0.0.1:{sys.argv[1]}", timeout=60)
client.wait_for_workers(1, timeout=90)
client.close()
PY
"$VENV/svmodel" report scenario.yaml --out dask --draws 200 --scheduler "tcp://127.0.0.1:$port" --no-progress \
  --no-portfolio \
  || { cat worker.log >&2; fail "svmodel report --scheduler"; }
[ -s dask/index.html ] || fail "the Dask report wrote no index.html"

say "passed in $(( $(date +%s) - started )) s"
