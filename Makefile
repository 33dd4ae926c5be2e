# Every target works on a fresh clone: the first one to need it builds .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint demo run bench soak simulator clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Test-only: Rackspace's own older client (tests/simulator/test_sim_rcbu.py). Its declared
	# enum34 and pycrypto do not build on current Python; the dev extra has what it needs.
	$(BIN)/python -m pip install --quiet --no-deps 'rackspace-backup-client==0.19.3'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot

test: lint
	$(BIN)/pytest

demo: $(STAMP)
	$(BIN)/backup-bot demo

run: $(STAMP)
	$(BIN)/backup-bot serve

simulator: $(STAMP)
	$(BIN)/backup-bot simulator

bench: $(STAMP)
	$(BIN)/python -m bench

# The chaos soak (bench/soak): SOAK_MINUTES (default 10); SOAK_SEED replays a run.
SOAK_MINUTES ?= 10
soak: $(STAMP)
	SOAK_MINUTES=$(SOAK_MINUTES) SOAK_SEED=$(SOAK_SEED) $(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
