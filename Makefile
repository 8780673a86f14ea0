# sediment — `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WITH_STANZA := $(VENV)/.installed-stanza
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test lint format models stanza-model bench ocr clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# Stanza and the CPU build of PyTorch, for the second lemmatiser backend and its tests.
$(WITH_STANZA): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[dev,stanza]"
	touch $@

## demo: install, refresh the bundled sample corpus into outputs/demo with Prefect, write the report
demo: $(INSTALLED)
	$(BIN)/sediment refresh corpora/sample --output outputs/demo
	$(BIN)/sediment report outputs/demo -o outputs/demo-report.html

## test: lint, format check and the whole test suite (slow and flow tests included)
test: $(WITH_STANZA) lint
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## models: rebuild the shipped annotator and steering model from corpora/
models: $(INSTALLED)
	$(BIN)/sediment build-annotator --eval corpora/ud/sv_talbanken/sv_talbanken-ud-test.conllu ../shared/corpora/ud/sv_lines/sv_lines-ud-test.conllu
	$(BIN)/sediment train

## stanza-model: retrain the small Stanza model in models/stanza/v1 (about 8 minutes)
stanza-model: $(WITH_STANZA)
	$(BIN)/sediment build-stanza --eval corpora/ud/sv_talbanken/sv_talbanken-ud-test.conllu ../shared/corpora/ud/sv_lines/sv_lines-ud-test.conllu

## bench: print speed, quality and memory numbers for this machine
bench: $(INSTALLED)
	$(BIN)/python benchmarks/pipeline_speed.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/large_pdf.py
	$(BIN)/python benchmarks/lemmatizer_speed.py
	$(BIN)/python benchmarks/end_to_end.py
	$(BIN)/python benchmarks/end_to_end.py --runner process
	$(BIN)/python benchmarks/trend_recovery.py
	$(BIN)/python benchmarks/label_reliability.py

## ocr: install Tesseract and its Swedish model (Debian/Ubuntu, as root) to read scanned pages
ocr:
	apt-get update && apt-get install -y tesseract-ocr tesseract-ocr-swe

clean:
	rm -rf $(VENV) outputs/demo outputs/demo-report.html .pytest_cache .ruff_cache
