# trialdesk tasks. `make run` and `make test` do all set-up on a fresh machine: they create .venv
# in the project root and install trialdesk (editable) with what each needs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench format clean venv system-deps r-deps golden pg-roles

# Source trees that ruff checks; bench/ may not exist on a branch without benchmarks.
LINT_PATHS := $(wildcard src tests bench)

# The venv is rebuilt whenever the project's dependency declaration changes.
$(STAMP): pyproject.toml
	# A leftover .venv without a working interpreter (a dangling link, a half-made venv) is replaced.
	test -x $(BIN)/python || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

venv: $(STAMP)

# Debian libraries that WeasyPrint (PDF reports) loads at run time, and the Chromium the browser
# tests drive; installed only when missing and only where we may (root with apt-get), so a
# developer machine without root still works.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core chromium
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (install them as root)"; fi; \
	fi

# R with the survival and cmprsk packages: the reference implementation behind the statistics
# golden values. Installed like the libraries above (only when missing, only as root).
R_PACKAGES := r-base-core r-cran-survival r-cran-cmprsk
r-deps:
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(R_PACKAGES)"

# Regenerate the statistics golden values: the data sets, then R's results as JSON fixtures.
golden: $(STAMP) r-deps
	$(BIN)/python tests/golden/make_data.py
	Rscript tests/golden/make_golden.R
	Rscript tests/golden/make_golden_binary.R
	$(BIN)/python tests/golden/make_data_survival.py && Rscript tests/golden/make_golden_survival.R
	Rscript tests/golden/make_golden_efficacy.R
	Rscript tests/golden/make_golden_reports.R
	Rscript tests/golden/make_ae_golden.R

# Serves the web application on SQLite (trialdesk.db here). The first start builds a DEMO trial
# of 130 simulated patients there and prints the demo accounts' one-time passwords; later starts
# just serve it.
run: $(STAMP)
	$(BIN)/trialdesk protocol show
	test -e trialdesk.db || $(BIN)/trialdesk demo --db sqlite:///trialdesk.db --subjects 130 \
	  || { rm -f trialdesk.db trialdesk.db-wal trialdesk.db-shm trialdesk.db-writelock; exit 1; }
	$(BIN)/trialdesk serve --db sqlite:///trialdesk.db --host 127.0.0.1 --port 8000 --demo

# The application's login role on the local PostgreSQL (the tests migrate as postgres and run the
# application as this role, which owns nothing); skipped quietly without a server unless CI=true.
pg-roles: $(STAMP)
	$(BIN)/python tests/pg_roles.py

test: $(STAMP) system-deps pg-roles
	$(BIN)/python -m pytest --cov --cov-context=test --cov-report= --durations=15 $(PYTEST_ARGS)
	$(BIN)/python -m coverage report --include='*/trialdesk/domain/*' --fail-under=95

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
