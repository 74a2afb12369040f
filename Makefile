# Two commands matter: `make lab` (run the course) and `make test` (check it).
# Everything else here is a helper they use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The same settings when notebook outputs are made (`make refresh`) and when they are checked
# (`make test`): CPU only, fixed hash seed (stable set order), no progress bars.
NB_ENV := COURSE_DEVICE=cpu PYTHONHASHSEED=0 COURSE_UTILS_PROGRESS=0 TQDM_DISABLE=1 MPLBACKEND=module://matplotlib_inline.backend_inline
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test unit lint nbval refresh clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

test: $(STAMP) lint unit nbval

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests notebooks

unit: $(STAMP)
	$(BIN)/python -m pytest -q --doctest-modules course_utils tests

nbval: $(STAMP)
	$(NB_ENV) $(BIN)/python -m pytest -q --nbval --nbval-current-env \
		--nbval-sanitize-with $(CURDIR)/tests/nbval_sanitize.cfg $(NOTEBOOKS)

# Re-execute every notebook in place so its stored outputs are current (run after any change).
refresh: $(STAMP)
	$(NB_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=300 $(NOTEBOOKS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
