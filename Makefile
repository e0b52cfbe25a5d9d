# Two commands set everything up: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv book test lint clean vendor lab browser-test notebooks-test

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# MathJax 3 from the npm registry, served from the book's own _static/ (no CDN).
MATHJAX     := 3.2.2
MATHJAX_DIR := _vendor/mathjax
$(MATHJAX_DIR)/tex-chtml.js:
	@command -v npm >/dev/null || { echo "make book needs npm (Node.js) to fetch MathJax"; exit 1; }
	tmp=$$(mktemp -d) && npm install --silent --no-save --no-audit --no-fund --prefix "$$tmp" mathjax@$(MATHJAX) \
	  && rm -rf $(MATHJAX_DIR) && mkdir -p $(MATHJAX_DIR) \
	  && for f in tex-chtml.js input output a11y sre ui adaptors; do \
	       cp -r "$$tmp/node_modules/mathjax/es5/$$f" $(MATHJAX_DIR)/ || exit 1; done \
	  && rm -rf "$$tmp"

vendor: $(MATHJAX_DIR)/tex-chtml.js

book: $(STAMP) vendor
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(PY) -m pytest
	$(VENV)/bin/ruff check .

# Where the built HTML is, for browser-test and notebooks-test.
HTML ?= _build/html
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# JupyterLab with jupytext: the .md chapters open as notebooks (.jupyter/labconfig).
lab: $(STAMP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/.jupyter $(VENV)/bin/jupyter lab --notebook-dir=$(CURDIR) \
	  $(if $(SUDO),,--allow-root) $(LAB_ARGS) book/intro.md

# Every page of the built book in headless Chromium (Debian's chromium + chromedriver,
# or the browser and driver named by $CHROMIUM and $CHROMEDRIVER).
browser-test: $(STAMP)
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" && test -x "$${CHROMEDRIVER:-/usr/bin/chromedriver}" || { \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver; }
	$(PY) tools/browser_test.py $(HTML)

# Execute every chapter's downloadable .ipynb from the built book with nbclient.
notebooks-test: $(STAMP)
	BOOK_HTML=$(HTML) $(PY) -m pytest -p no:cacheprovider tests/test_notebooks.py

# minigrad side by side with micrograd, autograd and JAX (peers pinned in benchmarks/).
.PHONY: bench
bench: $(STAMP)
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) -m benchmarks.run --out _build/bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf _build
