# Two commands matter: `make run` (the bot on its embedded defaults) and `make test`.
# Dependencies: requirements.lock (what the bot needs to run; the Docker image installs only
# this) and requirements-dev.lock (that, plus the tools of `make test`), both exact pins.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint install lock clean

$(BIN)/.installed: pyproject.toml requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/cohortbot run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite on every core (pytest-xdist), then the real-time proofs alone (three bot processes
# on a compressed clock, a database outage through a proxy): a parallel stream would stretch them.
test: lint
	$(BIN)/pytest -n auto --dist worksteal -m "not alone"
	$(BIN)/pytest -m alone

# After changing the dependencies in pyproject.toml: install the change, then rewrite both locks.
lock: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python tools/lock.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
