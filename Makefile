# The same commands locally and in CI (.ci/run calls `make test`).
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean

# One pip run for both distributions: the server's depends on the client's (clients/python),
# which is found here, not in a registry.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e './clients/python[audit]' -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/errorledger serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src clients tests bench
	$(BIN)/ruff format --check src clients tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n auto --dist worksteal

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ingest_path.py
	$(BIN)/python bench/large_bodies.py
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/issues_list.py
	$(BIN)/python bench/tlog_proofs.py
	$(BIN)/python bench/tsa.py
	$(BIN)/python bench/ratelimit.py

clean:
	rm -rf $(VENV) .errorledger .mypy_cache .ruff_cache .pytest_cache
