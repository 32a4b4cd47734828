# Two commands do all the set-up: `make run` (default study) and `make test` (test suite).
# Each creates .venv and installs the package with its pinned dependencies on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/planner $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks
	$(BIN)/ruff format --check planner tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

clean-venv:
	rm -rf $(VENV)
