# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STRATEGY_DB ?= data/strategy.duckdb
PORT ?= 8501
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice
PDFTOTEXT := /usr/bin/pdftotext

.PHONY: run install install-test migrate demo test check lint typecheck bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

$(VENV)/.test-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHROMIUM):
	# Debian's Chromium: Playwright cannot download its own browser here.
	apt-get update -qq && apt-get install -y -qq chromium

# LibreOffice Calc and poppler: a test converts the review pack to PDF and CSV and reads them.
$(SOFFICE) $(PDFTOTEXT) &:
	apt-get update -qq && apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui poppler-utils

# panva's oidc-provider (OpenID Certified), which the single sign-on tests run with Node.
OIDC_PROVIDER := tests/oidc_certified/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc_certified/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd tests/oidc_certified && npm ci --no-audit --no-fund --loglevel=error

# axe-core, which tests/test_accessibility.py injects into every page.
AXE := tests/axe/node_modules/.package-lock.json
$(AXE): tests/axe/package-lock.json
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd tests/axe && npm ci --no-audit --no-fund --loglevel=error

# PostgreSQL's server from Debian: the tests start a throwaway cluster of their own
# (tests/postgres_cluster.py) and run the domain's tests on it as well as on DuckDB.
POSTGRES_SERVER := $(VENV)/.postgres-installed
$(POSTGRES_SERVER): $(VENV)/.installed
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends postgresql)
	touch $@

install-test: $(VENV)/.test-installed $(CHROMIUM) $(SOFFICE) $(PDFTOTEXT) $(OIDC_PROVIDER) $(AXE) \
	$(POSTGRES_SERVER)

HOST ?= 127.0.0.1

migrate: install
	STRATEGY_DB=$(STRATEGY_DB) $(PY) -m strategy migrate --demo-if-empty

# The server answers only on this machine unless HOST says otherwise (behind a
# proxy that adds https, say). Sign-in is required either way.
run: install
	STRATEGY_DB=$(STRATEGY_DB) $(PY) -m strategy migrate --demo-if-empty \
		--setup-link http://localhost:$(PORT)
	STRATEGY_DB=$(STRATEGY_DB) $(PY) -m streamlit run strategy/ui/server.py \
		--server.port $(PORT) --server.address $(HOST)

demo: install
	STRATEGY_DB=$(STRATEGY_DB) $(PY) -m strategy demo

test: install-test
	$(PY) -m pytest

lint: install-test
	$(PY) -m ruff check .

typecheck: install-test
	$(PY) -m mypy

check: lint typecheck test

# Speed and memory at the size of a real organisation (issue 11): one large
# organisation is built, then every page and tab (server side), the review pack
# beside pandas/xlsxwriter, and the running server after a browser walk.
BENCH_DB ?= $(or $(TMPDIR),/tmp)/strategy-bench-large.duckdb

bench: install-test
	rm -f $(BENCH_DB) $(BENCH_DB).wal
	$(PY) -m strategy demo --size large --db $(BENCH_DB)
	$(PY) bench/bench_pages.py $(BENCH_DB)
	$(PY) bench/bench_pack.py $(BENCH_DB)
	$(PY) bench/bench_import.py
	$(PY) bench/bench_server.py $(BENCH_DB)
	$(PY) bench/bench_people.py $(BENCH_DB)
	$(PY) bench/bench_plan.py
	$(PY) bench/bench_workshop.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
