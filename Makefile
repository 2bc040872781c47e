# Two commands do everything on a fresh machine:
#   make serve   install, then open the web chat over the bundled sample disclosure
#   make test    install with test extras, then lint, type-check and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test serve test lint bench eval browser postgres

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e '.[test,st]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

serve: install
	$(VENV)/bin/budgetqa serve

browser:
	bash scripts/install-browser.sh

postgres:
	bash scripts/install-postgres.sh

lint: install-test
	$(VENV)/bin/ruff check qa index eval tests
	$(VENV)/bin/mypy

test: install-test browser postgres lint
	$(VENV)/bin/python -m pytest tests

eval: install
	$(VENV)/bin/budgetqa eval eval/seed.jsonl --baseline eval/baseline.json
