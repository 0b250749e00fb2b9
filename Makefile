# `make run` and `make test` work on a fresh clone with only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-cluster lint bench fuzz faults clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/switchboard run

test: $(STAMP)
	$(BIN)/pytest

# The whole suite against a three-node Redis Cluster it starts itself (`make test` covers the
# cluster's own tests, tests/core/test_cluster.py, on one started per run).
test-cluster: $(STAMP)
	REDIS_CLUSTER=1 $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check core bots switchboard tests bench
	$(BIN)/mypy
	$(BIN)/vulture core bots switchboard vulture_whitelist.py --min-confidence 60

# 10,000 generated examples per property and per HTTP route (docs/fuzzing.md); `make test` runs a few dozen.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -n 0 -m fuzz -p no:logging -s --timeout 3600

bench: $(STAMP)
	@$(BIN)/python -c 'import matplotlib' 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m bench $(if $(FULL),--full,)

# Faults on real processes, larger than the tests: writes docs/reliability.md (a few minutes).
faults: $(STAMP)
	$(BIN)/python -m tests.reliability

clean:
	rm -rf $(VENV) build *.egg-info
