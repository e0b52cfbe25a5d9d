# Two commands set everything up: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv book test lint clean vendor lab browser-test notebooks-test

# Installs the full lock (every package pinned, with hashes); requirements.txt is the
# readable list of direct dependencies it is made from (`make lock`). Python's own pip
# is new enough: no upgrade on every install.
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve requirements.txt into requirements.lock with pip-tools, in a throwaway venv.
# Pins already in the lock are kept unless UPGRADE=1.
LOCK_VENV := _build/lock-venv
.PHONY: lock
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install -q pip-tools; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe \
	  --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) \
	  -o requirements.lock requirements.txt

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

# The book, strict: -W -n --keep-going, and a cell error fails it (_config.yml).
# Sphinx re-reads only changed chapters, and executed outputs are cached per chapter
# on their code cells (_config.yml), so a prose edit executes nothing. What the chapters
# import is tracked here: when the hash of BOOK_DEPS, the Python version or the installed
# packages differs from the last good build's, the execution cache is cleared and every
# chapter re-read (--all), so no page shows outputs of old code. TOC=file builds a subset.
TOC        ?= _toc.yml
EXEC_CACHE := _build/.jupyter_cache
DEPS_HASH  := _build/.deps-hash
BOOK_DEPS  := minigrad pyproject.toml requirements.txt requirements.lock _config.yml $(TOC) tools/book_notebooks.py
deps_hash   = { $(PY) -V; ls $(VENV)/lib/python*/site-packages | grep 'dist-info$$'; \
  find $(BOOK_DEPS) -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16

book: $(STAMP) vendor
	@new=$$($(deps_hash)); all=; \
	if [ "$$new" != "$$(cat $(DEPS_HASH) 2>/dev/null)" ]; then \
	  all=--all; echo "minigrad/, requirements, packages or config changed: executing every chapter"; \
	  if [ "$$new" != "$$(cat $(DEPS_HASH).pending 2>/dev/null)" ]; then \
	    rm -rf $(EXEC_CACHE); mkdir -p _build; echo "$$new" > $(DEPS_HASH).pending; fi; fi; \
	cmd="$(VENV)/bin/jupyter-book build . -W -n --keep-going --toc $(TOC) $$all $(BOOK_ARGS)"; \
	echo "$$cmd"; $$cmd && echo "$$new" > $(DEPS_HASH) && rm -f $(DEPS_HASH).pending
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

# Every chapter's downloadable .ipynb from the built book matches its chapter and runs
# on a reader's bare Python: a fresh venv with only Colab's packages (at the book's
# pins), where each notebook's first cell installs the rest (minigrad from a clean
# clone). Results and setup times: _build/reader-notebooks.txt.
READER_VENV := _build/reader-venv
COLAB_SET   := numpy|scipy|matplotlib|sympy|jax|jaxlib|ipykernel
notebooks-test: $(STAMP)
	rm -rf $(READER_VENV) && $(PYTHON) -m venv $(READER_VENV)
	$(READER_VENV)/bin/python -m pip install -q $$(grep -E '^($(COLAB_SET))==' requirements.txt)
	BOOK_HTML=$(HTML) READER_PYTHON=$(CURDIR)/$(READER_VENV)/bin/python \
	  $(PY) -m pytest -p no:cacheprovider tests/test_notebooks.py tests/test_reader_notebooks.py
	@cat _build/reader-notebooks.txt

# `make book` after a change to minigrad/ shows the new code's outputs (a small book in a copy).
.PHONY: freshness-test
freshness-test: $(STAMP) vendor
	BOOK_FRESHNESS=1 $(PY) -m pytest -p no:cacheprovider tests/test_build_freshness.py

# minigrad side by side with micrograd, autograd and JAX (peers pinned in benchmarks/).
.PHONY: bench
bench: $(STAMP)
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	$(PY) -m benchmarks.run --out _build/bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf _build
