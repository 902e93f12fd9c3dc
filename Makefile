# Quick start: `make demo` (set up and run the bundled demo), `make test` (set up and run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean demo-data postgis demo-national

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/assetmap run data/demo/kent/assetmap.yaml
	$(BIN)/assetmap run data/demo/worcestershire/assetmap.yaml
	# two quarterly board runs of Kent, with the change report between them
	$(BIN)/assetmap quarter data/demo/kent/q2/assetmap.yaml --period 2026-Q2 --runs data/demo/kent/runs --force --quiet
	$(BIN)/assetmap quarter data/demo/kent/assetmap.yaml --period 2026-Q3 --force

# England's fire and police stations, GP practices, hospitals and libraries (real open data).
demo-national: $(STAMP)
	$(BIN)/assetmap run data/demo/national/assetmap.yaml
	$(BIN)/python scripts/make_national_demo.py --towns data/demo/national/out

demo-data: $(STAMP)
	$(BIN)/python scripts/make_demo_data.py

# Debian's Chromium for the real-browser map tests (Playwright drives it; it never downloads a browser).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	  || echo "Could not install chromium: the browser tests will be skipped"

# Debian's PostgreSQL and PostGIS for the database tests, which start a throwaway server of their
# own as an ordinary user (never the system's cluster); skipped, with the reason, where missing.
postgis:
	@ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-postgis >/dev/null; } \
	  || echo "Could not install PostgreSQL/PostGIS: the database tests will be skipped"

test: $(STAMP) $(CHROMIUM) postgis
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check assetmap tests scripts

lint: $(STAMP)
	$(BIN)/ruff check assetmap tests scripts

clean:
	rm -rf $(VENV) data/demo/*/out data/demo/*/runs data/demo/*/*/out
