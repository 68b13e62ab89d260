# survrepro: every target sets itself up; `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help
.PHONY: help install test reproduce bench clean

help:  ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install survrepro with its test extras

test: $(STAMP)  ## run the whole test suite (unit, validation against R, reproduction)
	$(BIN)/python -m pytest

reproduce: $(STAMP)  ## re-run every analysis, redraw the figures, write build/report.*
	$(BIN)/survrepro analyze data/example/lung.csv --ci log --landmarks 180,365 --reference 1
	$(BIN)/survrepro analyze data/example/lung.csv --ci log --landmarks 180,365 --reference 1 --json > build/example_lung.json

bench: $(STAMP)  ## performance benchmarks (medians of repeated runs, side by side)
	$(BIN)/python -m survrepro.bench

clean:  ## remove generated outputs (build/), keep .venv
	rm -rf build
