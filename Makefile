# Two commands do everything on a fresh machine:
#   make serve   install, then open the web chat over the bundled sample disclosure
#   make test    install with test extras, then lint, type-check, smoke-test the base install and run every test
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test serve test lint bench eval browser smoke

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	@echo "正在安装预算问答及其依赖到 $(VENV)/（首次约 1 分钟，之后跳过）…"
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	@echo "正在安装预算问答和测试依赖到 $(VENV)/（首次约 2 分钟，含 CPU 版 torch）…"
	$(PIP) install -e '.[test,st]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

serve: install
	$(VENV)/bin/budgetqa serve

browser:
	bash scripts/install-browser.sh

lint: install-test
	$(VENV)/bin/ruff check qa index eval tests
	$(VENV)/bin/mypy

# the base package alone in a fresh venv (no test extras): answers the example question and serves the page
smoke:
	bash scripts/smoke-base.sh

# PostgreSQL 16 + pgvector for tests/integration comes from the pgserver wheel in the test extra (no root, no apt)
test: install-test browser lint smoke
	$(VENV)/bin/python -m pytest tests

eval: install
	$(VENV)/bin/budgetqa eval eval/seed.jsonl --baseline eval/baseline.json
