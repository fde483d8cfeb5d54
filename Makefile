# certready — everything a fresh machine needs is installed by these targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# mitmproxy (the doctor's interception test) pins an older cryptography: never in $(VENV)
MITM_VENV  ?= .venv-mitmproxy
MITM_STAMP := $(MITM_VENV)/.installed

.PHONY: all demo mitmproxy test lint typecheck contracts unit wheel bench fuzz conformance clean readme

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(MITM_STAMP):
	$(PYTHON) -m venv $(MITM_VENV)
	$(MITM_VENV)/bin/python -m pip install --quiet 'mitmproxy~=11.0'
	touch $(MITM_STAMP)

mitmproxy: $(MITM_STAMP)

demo: $(STAMP)
	$(BIN)/python -m certready.interfaces.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) $(MITM_STAMP)
	$(BIN)/pytest -n auto -q

# the built wheel, installed into a fresh environment, runs outside the checkout
wheel: $(STAMP)
	PYTHON=$(PYTHON) scripts/check-wheel

test: lint typecheck contracts unit wheel

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/lint.py
	$(BIN)/python bench/rules.py

# coverage-guided fuzzing of every input parser, SECONDS per target (bench/README.md#fuzz)
SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]'
	for target in $$($(BIN)/python bench/fuzz.py --list); do \
		$(BIN)/python bench/fuzz.py $$target --seconds $(SECONDS) || exit 1; done

clean:
	rm -rf $(VENV) $(MITM_VENV) .venv-wheel dist .mypy_cache .ruff_cache .pytest_cache build dist

readme: $(STAMP)
	$(BIN)/python -c "import re,pathlib; from certready.interfaces.cli.rules import markdown_table as t; p=pathlib.Path('README.md'); s=p.read_text(); p.write_text(re.sub(r'(<!-- rules:begin -->\n).*?(<!-- rules:end -->)', lambda m: m.group(1)+t()+m.group(2), s, flags=re.S))"
	$(BIN)/python -c "import pathlib; from certready.interfaces.cli.rules import rules_document as d; pathlib.Path('docs').mkdir(exist_ok=True); pathlib.Path('docs/rules.md').write_text(d())"
