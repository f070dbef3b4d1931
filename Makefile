# sendreport: set-up and everyday commands. `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
# setuptools tells every editable install to mind folders named like the package ("Editable
# installation", information only, nothing to act on); set-up prints only what asks for action.
PIP_INSTALL = PYTHONWARNINGS="ignore:Editable installation" $(1)/python -m pip install --quiet
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-min docs install system-deps test-deps axe lint bench clean

demo: install
	$(BIN)/sendreport demo

test: install test-deps axe $(TEST_STAMP)
	$(BIN)/pytest --durations=30

install: system-deps $(STAMP)

# Python environment: the package and a Jupyter kernel inside .venv, so papermill runs
# notebooks with this environment's own Python. All `make demo` installs.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(call PIP_INSTALL,$(BIN)) -c constraints.txt -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (sendreport)" >/dev/null
	touch $(STAMP)

# The test tools (the `test` extra: pytest, hypothesis, DuckDB, ...), for `make test` and `make bench`.
$(TEST_STAMP): $(STAMP)
	$(call PIP_INSTALL,$(BIN)) -c constraints.txt -e ".[test]"
	touch $(TEST_STAMP)

# axe-core (npm) for the accessibility test of the HTML edition (tests/report/test_axe.py).
AXE := tests/axe/node_modules/axe-core/axe.min.js
axe: test-deps $(AXE)

$(AXE): tests/axe/package.json tests/axe/package-lock.json
	cd tests/axe && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(AXE)

# Debian packages a pack needs (`make demo`): fonts (Liberation Sans), Pango and HarfBuzz for
# WeasyPrint, poppler-utils (the privacy guard reads each PDF's text with pdftotext).
system-deps:
	@missing=""; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v fc-list >/dev/null 2>&1 || missing="$$missing fontconfig"; \
	fc-list 2>/dev/null | grep -qi "Liberation Sans" || missing="$$missing fonts-liberation"; \
	ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing="$$missing libpango-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing="$$missing libpangoft2-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || missing="$$missing libharfbuzz-subset0"; \
	$(APT_INSTALL)

# Debian packages only the tests need (`make test`): Chromium and npm for the axe-core check of
# the HTML edition.
test-deps: system-deps
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	$(APT_INSTALL)

# Installs the Debian packages named in the shell variable `missing`, if any.
APT_INSTALL = if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(BIN)/python -m pip install --quiet -c constraints.txt ruff
	$(BIN)/ruff check sendreport tests bench

# The suite again in a second environment built from the oldest supported versions
# (constraints-min.txt, the floors in pyproject.toml), so the floors stay true. Left out:
# the browser's accessibility check and the 100-area disclosure property test, which test
# no library floor and take the longest. (WeasyPrint's floor is 70: older versions let a
# heading end a page despite `break-after: avoid`, which tests/report/test_page_layout.py
# checks on these versions too.)
MIN_VENV := .venv-min
test-min: system-deps $(MIN_VENV)/.installed
	$(MIN_VENV)/bin/pytest -q -p no:cacheprovider --ignore=tests/report/test_axe.py \
	  --deselect "tests/disclosure/test_release.py::test_no_sum_or_difference_of_published_figures_gives_back_a_small_group"

$(MIN_VENV)/.installed: pyproject.toml constraints-min.txt
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(call PIP_INSTALL,$(MIN_VENV)/bin) -c constraints-min.txt -e ".[test]"
	$(MIN_VENV)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (sendreport, oldest versions)" >/dev/null
	touch $@

bench: install $(TEST_STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_kpis.py
	$(BIN)/python bench/bench_spc.py

# Pages of the user guide generated from the code (a test checks they are current).
docs: install
	$(BIN)/python -m sendreport.metrics.reference > docs/kpi-definitions.md

clean:
	rm -rf $(VENV) $(MIN_VENV) build *.egg-info .pytest_cache data/demo tests/axe/node_modules
