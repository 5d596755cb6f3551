# Two commands on a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# axe-core (npm) for the accessibility checks of the browser tests, pinned by tests/web/axe/package-lock.json.
AXE    := tests/web/axe/node_modules/axe-core/axe.min.js

.PHONY: run test bench lint system-deps run-deps clean test-postgres

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

# Debian packages the product and its tests use; installed only when missing.
system-deps:
	@sh .ci/system-deps.sh test

run-deps:
	@sh .ci/system-deps.sh run

# The web app on SQLite with the Ia H'Drai 2022 demo: migrate, seed (accounts printed), serve with gunicorn
# (one worker process per core; CFC_WORKERS overrides) on http://127.0.0.1:5000. `cfc score examples/*.yaml` scores the same communes from the command line.
run: $(STAMP) run-deps
	$(PY) -m webform.serve

$(AXE): tests/web/axe/package.json tests/web/axe/package-lock.json
	cd tests/web/axe && npm ci --no-audit --no-fund --silent
	touch $@

test: $(STAMP) system-deps $(AXE)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) tests/bench/bench_cli.py $(if $(BENCH_REFERENCE),--reference $(BENCH_REFERENCE))
	$(PY) tests/bench/bench_engine.py
	$(PY) tests/bench/bench_web.py
	$(PY) tests/bench/bench_reports.py
	$(PY) tests/bench/bench_upload.py
	$(PY) tests/bench/bench_units.py

# The web tests on a throw-away local PostgreSQL (Debian's postgresql-15) instead of SQLite.
test-postgres: $(STAMP)
	sh tests/web/with_postgres.sh $(PY) -m pytest -q tests/web

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy engine reports webform

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis test-output tests/web/axe/node_modules
