# Two commands matter: `make lab` (run the course) and `make test` (check it).
# Everything else here is a helper they use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The same settings when notebook outputs are made (`make refresh`) and when they are checked
# (`make test`): CPU only, fixed hash seed (stable set order), no progress bars; idle OpenMP threads
# sleep instead of spinning (much faster on a busy 2-core machine, same numbers).
NB_ENV := OMP_WAIT_POLICY=PASSIVE COURSE_DEVICE=cpu PYTHONHASHSEED=0 COURSE_UTILS_PROGRESS=0 TQDM_DISABLE=1 MPLBACKEND=module://matplotlib_inline.backend_inline
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# The solution notebooks of the take-home assignments (the teacher's material, outside notebooks/):
# checked and refreshed like the course notebooks.
ASSIGNMENTS := $(sort $(wildcard teacher/assignments/*.ipynb))
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test test-browser unit lint nbval nbval-other-cpu nbgrader-check refresh canary student grade bench site slides teaching-times clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)

# Installed with the lock of exact versions that the stored outputs were made with (requirements-lock.txt);
# `make canary` tries the newest releases instead.
LOCK := requirements-lock.txt
$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c $(LOCK) -e '.[test]'
	@# `git diff` of a notebook shows its cells, not JSON (nbdime; .gitattributes names the driver). The drivers
	@# are written with this venv's absolute path so that git finds them without an activated venv. Only in the
	@# course's own git clone (not a download, not a folder inside another repository).
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		$(BIN)/nbdime config-git --enable && \
		git config diff.jupyternotebook.command "'$(CURDIR)/$(BIN)/git-nbdiffdriver' diff" && \
		git config merge.jupyternotebook.driver "'$(CURDIR)/$(BIN)/git-nbmergedriver' merge %O %A %B %L %P"; fi
	touch $(STAMP)

# JupyterLab as the course runs it; lab-settings/ holds its JupyterLab user settings (no news toast, RISE's
# slideshow defaults) and lab-config/ its page config, which switches off jupyterlab-mathjax3: jupyterlab-rise
# installs that JupyterLab 3 extension, which would replace JupyterLab 4's own math renderer (the one that
# gives screen readers the formulas as MathML).
# The browser tests start JupyterLab through this very target, setting only LAB_DIR (a temporary copy of
# notebooks/), LAB_ARGS (--no-browser, a free loopback port, a random token) and BIN (their Python's).
LAB_DIR := notebooks
LAB_ARGS :=
lab: $(STAMP)
	JUPYTERLAB_SETTINGS_DIR="$(CURDIR)/lab-settings" JUPYTER_CONFIG_PATH="$(CURDIR)/lab-config$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		$(BIN)/jupyter lab --notebook-dir="$(LAB_DIR)" $(ROOT_FLAG) $(LAB_ARGS)

# `make test` runs the browser tests too when Chromium is installed (CI installs it: .ci/run), and says so
# when it is not: students need no browser for the other checks.
CHROMIUM := /usr/bin/chromium
test: $(STAMP) lint unit nbval nbval-other-cpu nbgrader-check
	@if [ -x "$(CHROMIUM)" ]; then $(MAKE) --no-print-directory test-browser; else \
		echo "*** SKIPPED the browser tests (make test-browser): no Chromium at $(CHROMIUM)."; \
		echo "*** To run them: sudo apt-get install chromium chromium-driver"; fi

# End-to-end: `make lab`'s JupyterLab in headless Chromium, driven by Playwright (tests/browser; a minute
# or two). Screenshots of each step go to test-artifacts/browser/. `make unit` skips these tests.
test-browser: $(STAMP)
	COURSE_BROWSER_TESTS=1 COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q tests/browser

lint: $(STAMP)
	$(BIN)/ruff check course_utils tests notebooks teacher benchmarks tools

unit: $(STAMP)
	$(BIN)/python -m pytest -q --doctest-modules course_utils tests

NBVAL := $(BIN)/python -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with $(CURDIR)/tests/nbval_sanitize.cfg
nbval: $(STAMP)
	$(NB_ENV) $(NBVAL) $(NOTEBOOKS) $(ASSIGNMENTS)

# The same check as another laptop would run it: one thread and PyTorch's generic (non-AVX) CPU kernels,
# MKL on its SSE4.2 path. Both change floating-point results slightly, so a stored output that depends on
# the machine fails here before a teacher on another laptop finds it.
OTHER_CPU_ENV := OMP_NUM_THREADS=1 ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2
nbval-other-cpu: $(STAMP)
	$(NB_ENV) $(OTHER_CPU_ENV) $(NBVAL) $(NOTEBOOKS) $(ASSIGNMENTS)

# The real nbgrader (in its own .venv-nbgrader/, versions in tests/requirements-nbgrader.txt) still accepts the
# teacher's solution notebooks unchanged: generate_assignment, then autograde (full marks for the solutions,
# none for the blank release). `make unit` skips this test; it takes a few minutes.
NBGRADER_VENV := .venv-nbgrader
$(NBGRADER_VENV)/.installed: tests/requirements-nbgrader.txt
	$(PYTHON) -m venv $(NBGRADER_VENV)
	$(NBGRADER_VENV)/bin/python -m pip install -r tests/requirements-nbgrader.txt
	touch $@
nbgrader-check: $(STAMP) $(NBGRADER_VENV)/.installed
	COURSE_NBGRADER=$(CURDIR)/$(NBGRADER_VENV)/bin/nbgrader $(BIN)/python -m pytest -q tests/test_assignments_nbgrader.py

# Re-execute every notebook in place so its stored outputs are current (run after any change), then
# replace this machine's absolute paths in tracebacks with placeholders (tests/scrub_paths.py). Last, the
# course notebooks' slide metadata is brought up to date (tools/slides.py: it reads the new outputs to keep
# each slide within the screen, and changes no code or output).
refresh: $(STAMP)
	$(NB_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=300 $(NOTEBOOKS) $(ASSIGNMENTS)
	$(BIN)/python tests/scrub_paths.py $(NOTEBOOKS) $(ASSIGNMENTS)
	$(if $(NOTEBOOKS),$(BIN)/python tools/slides.py $(NOTEBOOKS))

# Take-home assignments (README: "Take-home assignments"). `make student` writes the notebooks to hand out
# into student/ (never overwriting one: FORCE=1 replaces them; SOLUTIONS="a1 a3" or "all" lets solution()
# print the teacher's code, for self-study). `make grade SUBMISSIONS="a.ipynb b.ipynb"` grades completed
# notebooks one by one (sandboxed when bwrap is installed) and prints a table per submission
# (GRADES=grades.csv also appends the rows to a CSV file, FEEDBACK=folder writes a notebook per student).
STUDENT_DIR := student
SOLUTIONS :=
SUBMISSIONS :=
GRADES :=
FEEDBACK :=
student: $(STAMP)
	$(BIN)/python -m course_utils.assignments student teacher/assignments -o $(STUDENT_DIR) $(if $(FORCE),--force) \
		$(if $(SOLUTIONS),--solutions $(SOLUTIONS))

grade: $(STAMP)
	@if [ -z "$(SUBMISSIONS)" ]; then echo 'usage: make grade SUBMISSIONS="path/to/A1_....ipynb ..." [GRADES=grades.csv] [FEEDBACK=folder]'; exit 2; fi
	$(BIN)/python -m course_utils.assignments grade teacher/assignments $(SUBMISSIONS) $(if $(GRADES),--csv $(GRADES)) \
		$(if $(FEEDBACK),--feedback $(FEEDBACK))

# Performance (README: "Performance"): are the course's speed lessons true, and do the notebooks fit the
# class's time budget? Prints a table and writes it to bench-results/ (about 3 minutes on a 2-core CPU).
# Options through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--only lstm"` or `BENCH_ARGS=--quick`.
BENCH_ARGS :=
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The canary: the course against the newest releases of every package (torch stays pinned), in its own
# .venv-canary/. It prints which versions differ from the lock, then runs the unit tests and the strict
# notebook check there. A failure here is news about a coming release, not a broken course; `make test`
# keeps using the lock.
CANARY := .venv-canary
canary:
	rm -rf $(CANARY)
	$(PYTHON) -m venv $(CANARY)
	$(CANARY)/bin/python -m pip install --upgrade pip
	$(CANARY)/bin/python -m pip install --upgrade --upgrade-strategy eager -e '.[test]'
	touch $(CANARY)/.installed
	$(CANARY)/bin/python tests/lock.py diff
	COURSE_CANARY=1 $(MAKE) --no-print-directory unit nbval VENV=$(CANARY)

# The course as static web pages in _site/ (tools/build_site.py): every notebook with its stored outputs,
# an index in course order, math as MathML; nothing is fetched from the network. Open _site/index.html.
SITE_DIR := _site
site: $(STAMP)
	$(BIN)/python tools/build_site.py $(SITE_DIR)

# The notebooks as reveal.js slideshows in _slides/ (tools/build_slides.py), for presenting without a kernel: one
# self-contained NN_name.slides.html per notebook (reveal.js inside it, nothing fetched). Open _slides/index.html.
SLIDES_DIR := _slides
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py $(SLIDES_DIR)

# TEACHING.md's table of run times, from a fresh run of every notebook (make bench's course part, a couple
# of minutes on 2 cores); after `make bench`, `$(BIN)/python tools/teaching_times.py bench-results/benchmarks.csv
# TEACHING.md` alone rewrites the table from that run. Commit TEACHING.md afterwards.
teaching-times: $(STAMP)
	$(BIN)/python -m benchmarks --only course
	$(BIN)/python tools/teaching_times.py bench-results/benchmarks.csv TEACHING.md

clean:
	@# the notebook diff driver lives in .venv: switch it off with it, so that plain `git diff` keeps working
	if [ -x $(BIN)/nbdime ] && [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
		$(BIN)/nbdime config-git --disable; fi
	rm -rf $(VENV) $(CANARY) $(NBGRADER_VENV) *.egg-info .pytest_cache .ruff_cache
