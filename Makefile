# survrepro: every target sets itself up; `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN    := $(BIN)/python
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.DEFAULT_GOAL := help
.PHONY: help install test reproduce bench clean example extend_breast levee2025 design report

help:  ## list the targets
	@grep -E '^[a-z][a-z0-9_-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(RUN) -m pip install --quiet --upgrade pip
	$(RUN) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install survrepro with its test extras

test: $(STAMP)  ## run every test: unit, validation against R, reproduction of each published number
	$(RUN) -m pytest

bench: $(STAMP)  ## performance benchmarks (medians of repeated runs, side by side with lifelines / Guyot)
	$(RUN) -m survrepro.bench

reproduce: report  ## re-run every analysis, redraw figures/, write build/report.{md,csv,html}; fails on a miss

clean:  ## remove generated outputs (build/), keep .venv and the committed figures
	rm -rf build

# ----------------------------------------------------------------------------- example
example: build/example_lung.json  ## R's lung data by sex through `survrepro analyze`

build/example_lung.json: data/example/lung.csv | $(STAMP)
	@mkdir -p build
	$(BIN)/survrepro analyze $< --ci log --landmarks 180,365 --reference 1
	$(BIN)/survrepro analyze $< --ci log --landmarks 180,365 --reference 1 --json > $@.tmp && mv $@.tmp $@

# ----------------------------------------------------------------------------- EXTEND breast basket
EB_IPD      := data/extend_breast/extend_breast_synthetic_ipd.csv
EB_REGISTER := data/published/extend_breast.toml
EB_DATA     := $(EB_REGISTER) $(EB_IPD) $(wildcard data/extend_breast/fig*_curves.csv data/extend_breast/fig*_at_risk.csv)
EB_FIGS     := $(addprefix figures/extend_breast/,fig2a_pfs.png fig2b_swimmer.png fig3b_os.png fig3c_ttnt.png fig3d_new_lesion.png)
EB_SECTIONS := build/extend_breast/sections/20_ph_rmst.md

extend_breast: $(EB_FIGS) $(EB_SECTIONS)  ## EXTEND: synthetic IPD, Fig 2A/2B/3B-3D, PH check and RMST

$(EB_IPD): analyses/extend_breast/make_synthetic.py $(EB_REGISTER) src/survrepro/sources/synthesize.py | $(STAMP)
	$(RUN) $<

figures/extend_breast/%.png: analyses/extend_breast/%.py analyses/extend_breast/_extend_breast.py $(EB_DATA) | $(STAMP)
	$(RUN) $< --out $@

build/extend_breast/sections/20_ph_rmst.md: analyses/extend_breast/ph_rmst.py analyses/extend_breast/_extend_breast.py $(EB_DATA) | $(STAMP)
	$(RUN) $< --out $@

# ----------------------------------------------------------------------------- LeVee et al. 2025
LV_IPD      := data/levee2025/levee2025_synthetic_ipd.csv
LV_REGISTER := data/published/levee2025.toml
LV_DATA     := $(LV_REGISTER) $(LV_IPD) analyses/levee2025/_levee2025.py
LV_OUT      := figures/levee2025/proportions.png figures/levee2025/km_ttnt.png figures/levee2025/swimmer.png \
               build/levee2025/sections/20_subtype_tests.md

levee2025: $(LV_OUT)  ## LeVee 2025: synthetic cohort, proportions on therapy, KM of TTNT and PFS, swimmer, subtype tests

$(LV_IPD): analyses/levee2025/make_synthetic.py $(LV_REGISTER) src/survrepro/sources/synthesize.py | $(STAMP)
	$(RUN) $<

figures/levee2025/proportions.png build/levee2025/proportions.csv &: analyses/levee2025/fig_proportions.py $(LV_DATA) | $(STAMP)
	$(RUN) $<

figures/levee2025/km_ttnt.png figures/levee2025/km_pfs.png build/levee2025/sections/30_km_median_ci.md &: analyses/levee2025/fig_km_ttnt_pfs.py $(LV_DATA) | $(STAMP)
	$(RUN) $<

figures/levee2025/swimmer.png: analyses/levee2025/fig_swimmer.py $(LV_DATA) | $(STAMP)
	$(RUN) $<

build/levee2025/sections/20_subtype_tests.md: analyses/levee2025/subtype_tests.py $(LV_DATA) | $(STAMP)
	$(RUN) $<

# ----------------------------------------------------------------------------- trial design
DESIGN_IN  := analyses/design/_design.py data/designs/extend_breast.toml data/designs/boss.toml \
              data/designs/extend_op.toml $(EB_REGISTER) $(LV_REGISTER) $(wildcard src/survrepro/design/*.py) src/survrepro/design/simulate.py
DESIGN_OUT := figures/design/extend_events.png figures/design/boss_power.png figures/design/extend_op_power.png

design: $(DESIGN_OUT)  ## EXTEND required vs implied events, BOSS power, EXTEND-OP simulated power

figures/design/%.png: analyses/design/%.py $(DESIGN_IN) | $(STAMP)
	$(RUN) $<

# ----------------------------------------------------------------------------- report
report: example $(EB_FIGS) $(EB_SECTIONS) $(LV_OUT) $(DESIGN_OUT) | $(STAMP)  ## compare every published number with its reproduction
	$(BIN)/survrepro reproduce
