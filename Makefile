# kyc-helper: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-pg lint validate run console telegram bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "kyc-helper needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(VENV)/.installed

lint: install
	$(PY) -m ruff check bot tests
	$(VENV)/bin/lint-imports

validate: install
	$(PY) -m bot validate

# the tests run on every core (pytest-xdist; TEST_WORKERS=0 runs them in this process)
TEST_WORKERS ?= auto
test: install lint validate
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

# the same, with a throwaway PostgreSQL server for the PostgreSQL tests (what CI runs)
test-pg: install
	KYC_REQUIRE_POSTGRES=1 .ci/with-postgres $(MAKE) test

run: install
	@$(PY) -m bot run

console: install
	$(PY) -m bot console

telegram: install
	$(PY) -m bot telegram

# the engine + store figure is paired against the commit #13 measured ("today"); BENCH_BASELINE= to skip
BENCH_BASELINE ?= dc507a1
# the instances section needs PostgreSQL: DATABASE_URL, else a throwaway server (BENCH_PG= to skip)
BENCH_PG ?= $(if $(DATABASE_URL),,.ci/with-postgres)
bench: install
	$(BENCH_PG) $(PY) -m bot bench $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
