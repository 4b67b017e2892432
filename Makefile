# Two commands on a fresh machine with Python 3.11+ and make:
#   make serve   set up, build the bundled site and serve it on http://127.0.0.1:8000/
#   make test    set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install serve build check check-site test check-package bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("certsite needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: install
	$(BIN)/certsite serve --port $(PORT)

build: install
	$(BIN)/certsite build

check: install
	$(BIN)/certsite check

test: install
	$(BIN)/python -m pytest
	.ci/check-package

# Build the register, then check site/: strict HTML5 and heading order, the W3C Nu HTML
# Checker, internal links and fragments, loads from other hosts, and axe-core in Chromium.
check-site: build
	$(BIN)/python tests/site_checks.py site

# Build the wheel, install it into a fresh environment and build the register with it.
check-package: install
	.ci/check-package

# Build generated registers of 1,000, 10,000 and 30,000 announcements as a user would (cold,
# unchanged and one-edit rebuilds, without and with search, serve's edit-to-browser time, and
# Hugo when installed) and print the figures; options in BENCH, e.g. make bench BENCH=--quick.
bench: install
	$(BIN)/python bench/bench.py $(BENCH)

clean:
	rm -rf $(VENV) site .site-staging-* .site-previous-* *.egg-info
