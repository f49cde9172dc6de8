# ruralstudy: two commands on a fresh machine.
#   make site   - set everything up, build data, notebooks and the static site from raw data
#   make test   - set everything up, run the test suite (browser tests included)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: setup system-deps site build test bench clean

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

# Debian packages: Chromium for the browser tests, Noto CJK so charts show Chinese glyphs.
system-deps:
	@bash scripts/system-deps.sh

site build: setup
	$(BIN)/ruralstudy build

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/* reports/executed reports/site .ruralstudy-cache
