# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Giuria needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

demo: $(VENV)/.installed
	$(BIN)/giuria demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Refresh the message catalog after changing user-visible strings (then translate the new entries it lists).
messages: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 \
		-o core/platform/locale/messages.pot .
	$(BIN)/python tools/update_catalog.py

clean:
	rm -rf $(VENV) .pytest_cache
