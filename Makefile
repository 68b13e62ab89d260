# survrepro: every target sets itself up; `make help` lists them.
# Portable to GNU make 3.81 and later: no grouped targets (&:), no .ONESHELL, no $(file ...).
ifneq ($(firstword $(sort $(MAKE_VERSION) 3.81)),3.81)
$(error This Makefile needs GNU make 3.81 or later; this is make $(MAKE_VERSION))
endif

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN    := $(BIN)/python
# Two install stamps: the package with its runtime dependencies (all `make reproduce` needs),
# then the extras of the tests and of the benchmarks on top of it.
STAMP       := $(VENV)/.installed
TEST_STAMP  := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
# Minimum versions: a separate environment with every lower bound of pyproject.toml installed.
MIN_VENV  := .venv-min
MIN_STAMP := $(MIN_VENV)/.installed
# Caps on packages the dependencies pull in, for the minimum versions: matplotlib-inline
# (ipykernel's) >= 0.2 calls RcParams._get, which matplotlib 3.6 lacks.
MIN_CAPS  := 'matplotlib-inline<0.2'
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

# Every exhibit script runs the same way, through the one runner.
EXHIBIT := $(RUN) -m survrepro.report.exhibits
# The package code an analysis runs: a change to any of it redraws every figure and section.
PKG := $(filter-out src/survrepro/bench/%,$(wildcard src/survrepro/*.py src/survrepro/*/*.py \
         src/survrepro/*/*/*.py src/survrepro/*/*/*/*.py))
# A script writing several files records its run in a stamp here; a listed output that is
# missing re-runs the script.
RAN     := build/ran
RECOVER  = @if test ! -f $@; then rm -f $<; $(MAKE) --no-print-directory $< && test -f $@; fi

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.PHONY: help install install-test test test-fast test-min bench reproduce clean example extend_breast levee2025 design report

help:  ## list the targets
	@grep -E '^[a-z][a-z0-9_-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# ----------------------------------------------------------------------------- set-up
$(RUN):
	$(PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(RUN)
	$(RUN) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(RUN) -m pip install --quiet -e '.[test]'
	sh tests/data/digitize/fetch_fonts.sh $(VENV)
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(RUN) -m pip install --quiet -e '.[bench]'
	touch $@

install: $(STAMP)  ## create .venv and install survrepro with its runtime dependencies only

install-test: $(TEST_STAMP)  ## install the test extras into .venv as well

# ----------------------------------------------------------------------------- tests
test: $(TEST_STAMP)  ## run every test (unit, validation against R, reproduction, exhibits, notebooks) and the doctests
	$(RUN) -m pytest

test-fast: $(TEST_STAMP)  ## the tests not marked slow (no exhibit scripts, notebooks, long simulations)
	$(RUN) -m pytest -m "not slow"

# The lower bounds of pyproject.toml (runtime and test extras) as == pins, installed from wheels only.
$(MIN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) -c "import re, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	deps = p['dependencies'] + p['optional-dependencies']['test']; \
	print('\n'.join(sorted({re.sub(r'\s*>=\s*', '==', d) for d in deps if '>=' in d and ';' not in d})))" \
	  > $(MIN_VENV)/minimum.txt
	$(MIN_VENV)/bin/python -m pip install --quiet --only-binary=:all: -r $(MIN_VENV)/minimum.txt $(MIN_CAPS)
	$(MIN_VENV)/bin/python -m pip install --quiet --no-deps -e .
	sh tests/data/digitize/fetch_fonts.sh $(MIN_VENV)
	touch $@

# Figures drawn by another matplotlib differ from the committed PNGs in their bytes, so those
# comparisons are left out; deprecation warnings of the old releases (raised by the newer
# packages they run with) are not errors here, as `make test` checks them on current releases.
test-min: $(MIN_STAMP)  ## run the tests with the minimum versions pyproject.toml declares (in .venv-min)
	@$(MIN_VENV)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|scipy|pandas|matplotlib|lifelines|pytest|hypothesis|nbformat|nbclient|ipykernel)=='
	$(MIN_VENV)/bin/python -m pytest -m "not committed_figure" -W "ignore::DeprecationWarning"

bench: $(BENCH_STAMP)  ## benchmarks (medians of repeated runs): CLI start-up, log-rank, reconstruction and extrapolation beside lifelines / Guyot
	$(RUN) -m survrepro.bench

reproduce: report  ## re-run every analysis, redraw figures/, write build/report.{md,csv,html}; fails on a miss

clean:  ## remove generated outputs (build/), keep .venv and the committed figures
	rm -rf build

# An exhibit script, run through the runner with its default output paths.
$(RAN)/%: analyses/%.py $(PKG) | $(STAMP)
	$(EXHIBIT) $<
	@mkdir -p $(@D) && touch $@

# ----------------------------------------------------------------------------- example
example: build/example_lung.json  ## R's lung data by sex through `survrepro analyze`

build/example_lung.json: data/example/lung.csv $(PKG) | $(STAMP)
	@mkdir -p build
	$(BIN)/survrepro analyze $< --ci log --landmarks 180,365 --reference 1
	$(BIN)/survrepro analyze $< --ci log --landmarks 180,365 --reference 1 --json > $@.tmp && mv $@.tmp $@

# ----------------------------------------------------------------------------- EXTEND breast basket
EB_IPD      := data/extend_breast/extend_breast_synthetic_ipd.csv
EB_REGISTER := data/published/extend_breast.toml
EB_DATA     := $(EB_REGISTER) $(EB_IPD) $(wildcard data/extend_breast/fig*_curves.csv data/extend_breast/fig*_at_risk.csv) \
               analyses/extend_breast/_extend_breast.py
EB_PANELS   := fig2a_pfs fig2b_swimmer fig3b_os fig3c_ttnt fig3d_new_lesion
EB_RAN      := $(addprefix $(RAN)/extend_breast/,$(EB_PANELS) ph_rmst)
EB_OUT      := $(addprefix figures/extend_breast/,$(addsuffix .png,$(EB_PANELS))) build/extend_breast/sections/20_ph_rmst.md
# the parametric extrapolation of PFS (analyses/extend_breast/extrapolation_pfs.py): a figure and a section
EB_RAN      += $(RAN)/extend_breast/extrapolation_pfs
EB_OUT      += figures/extend_breast/extrapolation_pfs.png build/extend_breast/sections/40_extrapolation_pfs.md

extend_breast: $(EB_OUT)  ## EXTEND: synthetic IPD, Fig 2A/2B/3B-3D, PH check and RMST, parametric extrapolation of PFS

# the synthetic data (and its SOURCE.md and calibration JSON beside it)
$(EB_IPD): analyses/extend_breast/make_synthetic.py $(EB_REGISTER) $(PKG) | $(STAMP)
	$(EXHIBIT) $<

$(EB_RAN): $(EB_DATA)

figures/extend_breast/%.png: $(RAN)/extend_breast/%
	$(RECOVER)

build/extend_breast/sections/20_ph_rmst.md: $(RAN)/extend_breast/ph_rmst
	$(RECOVER)

# EXTEND PFS by the six TSD 14 models (SYNTHETIC data)
build/extend_breast/sections/40_extrapolation_pfs.md: $(RAN)/extend_breast/extrapolation_pfs
	$(RECOVER)

# ----------------------------------------------------------------------------- LeVee et al. 2025
LV_IPD      := data/levee2025/levee2025_synthetic_ipd.csv
LV_REGISTER := data/published/levee2025.toml
LV_DATA     := $(LV_REGISTER) $(LV_IPD) analyses/levee2025/_levee2025.py
LV_RAN      := $(addprefix $(RAN)/levee2025/,fig_proportions fig_km_ttnt_pfs fig_swimmer subtype_tests)
LV_OUT      := figures/levee2025/proportions.png figures/levee2025/km_ttnt.png figures/levee2025/km_pfs.png \
               figures/levee2025/swimmer.png build/levee2025/sections/20_subtype_tests.md \
               build/levee2025/sections/30_km_median_ci.md

levee2025: $(LV_OUT)  ## LeVee 2025: synthetic cohort, proportions on therapy, KM of TTNT and PFS, swimmer, subtype tests

$(LV_IPD): analyses/levee2025/make_synthetic.py $(LV_REGISTER) $(PKG) | $(STAMP)
	$(EXHIBIT) $<

$(LV_RAN): $(LV_DATA)

figures/levee2025/proportions.png: $(RAN)/levee2025/fig_proportions
	$(RECOVER)

figures/levee2025/km_ttnt.png figures/levee2025/km_pfs.png build/levee2025/sections/30_km_median_ci.md: $(RAN)/levee2025/fig_km_ttnt_pfs
	$(RECOVER)

figures/levee2025/swimmer.png: $(RAN)/levee2025/fig_swimmer
	$(RECOVER)

build/levee2025/sections/20_subtype_tests.md: $(RAN)/levee2025/subtype_tests
	$(RECOVER)

# ----------------------------------------------------------------------------- trial design
DESIGN_IN  := analyses/design/_design.py data/designs/extend_breast.toml data/designs/boss.toml \
              data/designs/extend_op.toml $(EB_REGISTER) $(LV_REGISTER)
DESIGN_RAN := $(addprefix $(RAN)/design/,extend_events boss_power extend_op_power)
DESIGN_OUT := figures/design/extend_events.png figures/design/boss_power.png figures/design/extend_op_power.png \
              build/design/sections/10_extend_events.md build/design/sections/20_boss_power.md \
              build/design/sections/30_extend_op_power.md

design: $(DESIGN_OUT)  ## EXTEND required vs implied events, BOSS power, EXTEND-OP simulated power

$(DESIGN_RAN): $(DESIGN_IN)

figures/design/%.png: $(RAN)/design/%
	$(RECOVER)

build/design/sections/10_extend_events.md: $(RAN)/design/extend_events
	$(RECOVER)

build/design/sections/20_boss_power.md: $(RAN)/design/boss_power
	$(RECOVER)

build/design/sections/30_extend_op_power.md: $(RAN)/design/extend_op_power
	$(RECOVER)

# ----------------------------------------------------------------------------- report
report: example $(EB_OUT) $(LV_OUT) $(DESIGN_OUT) | $(STAMP)  ## compare every published number with its reproduction
	$(BIN)/survrepro reproduce
