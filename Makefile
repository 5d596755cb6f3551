# Two commands on a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

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

# The web app on SQLite with the Ia H'Drai 2022 demo: migrate, seed (accounts printed), serve with waitress
# on http://127.0.0.1:5000. `cfc score examples/*.yaml` scores the same communes from the command line.
run: $(STAMP) run-deps
	$(PY) -m webform.serve

test: $(STAMP) system-deps
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) tests/bench/bench_engine.py
	$(PY) tests/bench/bench_web.py
	$(PY) tests/bench/bench_reports.py
	$(PY) tests/bench/bench_upload.py

# The web tests on a throw-away local PostgreSQL (Debian's postgresql-15) instead of SQLite.
test-postgres: $(STAMP)
	sh tests/web/with_postgres.sh $(PY) -m pytest -q tests/web

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output
