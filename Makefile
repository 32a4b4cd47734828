# Two commands do all the set-up: `make run` (default study) and `make test` (test suite).
# Each creates .venv and installs the package with its pinned dependencies on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long lint bench clean-venv

# First use: about 3 minutes on a 2-core machine (JAX, HiGHS, matplotlib...); pip names each
# package as it collects and installs it, so the wait is never silent.
$(STAMP): pyproject.toml
	@echo "==> First run: creating $(VENV) and installing planner with its dependencies (a few minutes)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Upgrading pip"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "==> Installing planner and its pinned dependencies (pyproject.toml)"
	$(BIN)/pip install --progress-bar off -e ".[dev]"
	touch $(STAMP)
	@echo "==> Installed. Later runs skip this step until pyproject.toml changes."

run: $(STAMP)
	$(BIN)/planner $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not long" $(PYTEST_ARGS)

# The tests that solve the Japan default-size LP (minutes each; not in CI's time budget).
test-long: $(STAMP)
	$(BIN)/python -m pytest -q -m long $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks
	$(BIN)/ruff format --check planner tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

clean-venv:
	rm -rf $(VENV)
