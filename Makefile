# Two entry points for a fresh machine with Python 3.11:
#   make        set up .venv and run the whole pipeline on the shipped data
#   make test   set up .venv (and R/lme4 where possible) and run the tests
#   make baseline  record the current results as paper/baseline.json (what paper/changes.md compares with)
#   make bench  time the pipeline on 100k and 1M synthetic trials and on Inspect logs (bench/results.json)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all

.PHONY: all pipeline test venv system-deps lint bench baseline clean

all: pipeline

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

pipeline: venv
	$(BIN)/snakemake --cores $(CORES)

system-deps:
	bash scripts/install-system-deps.sh

test: venv system-deps
	$(BIN)/python -m pytest

baseline: venv
	$(BIN)/snakemake --cores $(CORES) baseline

lint: venv
	$(BIN)/snakemake --lint

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf data/processed/* figures/* .snakemake logs report.html paper/*.pdf paper/*.html \
		paper/numbers.tex paper/numbers.json paper/claims.md paper/claims.json paper/changes.md paper/changes.json paper/tables paper/*.executed.ipynb
