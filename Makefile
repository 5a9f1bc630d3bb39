# svmodel: two-command quick start (`make demo`, `make test`).
# The virtual environment is built from pyproject.toml (the single source of dependencies).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make demo` prints each report to PDF too when a Chromium-family browser is installed (`make
# system-deps`); without one it says why and writes the HTML reports only.
DEMO_PDF = $$($(BIN)/python -c 'import sys; from svmodel.util.pdf import pdf_unavailable_reason as r; m = r(); print(f"no PDF: {m}", file=sys.stderr) if m else print("--pdf")')

.PHONY: demo test test-fast venv clean benchmarks system-deps wheel-check docs

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "svmodel needs Python 3.11 or later")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,distributed,web,docs]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# Every example scenario through the report batch: reports/index.html, a report per example,
# the portfolio roll-up; then the headline comparison in the terminal.
demo: $(STAMP)
	$(BIN)/svmodel report params/examples/*.yaml --out reports $(DEMO_PDF)
	$(BIN)/svmodel compare params/examples/*.yaml
	$(BIN)/svmodel ledger load-example --db reports/ledger.db --site reports/ledger_site
	$(BIN)/svmodel ledger summary --db reports/ledger.db
	$(BIN)/svmodel tender report params/tenders/home_care_2026/spec.yaml params/tenders/home_care_2026/bids/* \
		--scores params/tenders/home_care_2026/scores.csv --out reports/tender --pdf

# Chromium, LibreOffice Calc, poppler-utils and PostgreSQL, which the tests drive for real
# (Debian packages). Never stops make: without root it says what is missing, and the tests that
# need it are skipped with their reason.
system-deps:
	@bash scripts/install_system_deps.sh

# The documentation site (Sphinx + MyST-NB): every page rebuilt and every tutorial executed,
# warnings are errors. Offline; open docs/_build/html/index.html. tests/test_docs.py runs the
# same build in `make test`. SVMODEL_DOCS_EXECUTE=off skips the tutorials while editing.
docs: $(STAMP)
	$(BIN)/python -m sphinx -W --keep-going -E -q -j auto -b html docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

# The test suite. It includes the installed-wheel check (tests/test_packaging.py runs
# scripts/check_wheel.sh: build a wheel, install it in a throwaway virtual environment, run the
# CLI, a report and a Dask batch from a folder outside the repo; `make wheel-check` runs it
# alone) and the documentation build (tests/test_docs.py). Tests run on one worker per core
# (pytest-xdist), a test file per worker at a time; `pytest -n 0` runs them in one process.
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto --dist loadfile

# The quick loop while editing: every test not marked slow (no browser, docs build, wheel check,
# Dask cluster or batch fault tests), on one worker per core.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"

wheel-check: $(STAMP)
	bash scripts/check_wheel.sh $(BIN)/python

benchmarks: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info docs/_build docs/reference/generated
