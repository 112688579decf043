# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   - set up .venv and run the seed-claims experiment suite
#   make test   - set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,lab]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nurture demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The speed benchmarks, each recording its figures in benchmarks/RESULTS*.md (about 15 minutes).
# Old-vs-new engine comparisons need an old checkout: see benchmarks/bench_engine.py --old.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_world.py
	$(BIN)/python benchmarks/bench_engine.py --only sizes,process
	$(BIN)/python benchmarks/bench_imports.py
	$(BIN)/python benchmarks/bench_parallel.py 24
	$(BIN)/python benchmarks/bench_analysis.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
