# zongjie: `make serve` runs the service on the embedded default model, `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve train test test-quick check-offline wheelhouse bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dask,wheelhouse]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/zongjie serve

train: install
	$(BIN)/zongjie train --promote

test: install
	$(BIN)/zongjie labels check
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy --no-error-summary
	$(BIN)/python -m pytest -n auto --maxprocesses 4  # one test process per core (pytest-xdist)

# The quick subset (under a minute): the tests not marked `integration` (real servers and fresh
# processes, Dask, the browser, runs over all of labels/, training in the test) or `slow`.
test-quick: install
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy --no-error-summary
	$(BIN)/python -m pytest -n auto --maxprocesses 4 -m 'not slow and not integration'

# Offline install from a wheelhouse built for this Python, into a fresh venv (about a minute).
check-offline: install
	$(BIN)/python -m pytest -m slow

# Every wheel for Linux x86_64 and Windows amd64, Python 3.11 and 3.12, zongjie's own with the
# model in service bundled: wheelhouse/ and wheelhouse.zip (needs PyPI; the install does not).
wheelhouse: install
	$(BIN)/python deploy/wheelhouse.py

bench: install
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf $(VENV) .pytest_cache wheelhouse wheelhouse.zip serving/default_model
