# Two entry points: `make demo` (set up, prepare data, build, grade the samples, check their
# grades) and
# `make test` (set up, run the whole test suite). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= data
DIST   ?= dist
DEMO   ?= demo-out

.PHONY: setup demo data build samples grade test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# MNIST comes from $MNIST_DIR when set, else the download cache / canonical mirrors;
# with no network it falls back to scikit-learn's digits (and says so loudly).
data: setup
	$(BIN)/mlp-course data --dataset auto -o $(DATA)

build: data
	$(BIN)/mlp-course build notebooks/mlp_mnist.ipynb --data $(DATA) -o $(DIST)

grade: build
	$(BIN)/mlp-course grade samples/submissions --autograder $(DIST)/autograder/mlp_mnist-autograder.zip -o $(DEMO)/graded
	@echo; column -s, -t < $(DEMO)/graded/gradebook.csv | cut -c1-160

# The demo checks its own result: every sample must lose exactly the points its bug costs
# (grader/assemble/samples.py); any difference is listed and the demo fails.
demo: grade
	$(BIN)/python -m grader.assemble.samples --verify $(DEMO)/graded/gradebook.csv $(DATA)

test: setup
	$(BIN)/pytest -q -rs

bench: setup
	$(BIN)/python bench/bench_data.py
	$(BIN)/python bench/bench_reference.py
	$(BIN)/python bench/bench_grade.py

clean:
	rm -rf $(DIST) $(DEMO) .pytest_cache
