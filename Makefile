# Two commands on a fresh machine: `make run` and `make test`. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
INSTALLED_DEV := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help run demo test lint model migrate bench clean browser

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --no-compile: byte-compiling every installed module took half the install; the modules the
# service imports are compiled the first time they are imported, and cached.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e .
	@touch $@

$(INSTALLED_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]'
	@touch $@ $(INSTALLED)

model: $(INSTALLED)  ## build the shipped NLU model if it is missing or stale
	$(BIN)/minsheng nlu build-default

migrate: $(INSTALLED)  ## bring the database to the latest schema
	$(BIN)/minsheng db upgrade

HOST ?= 127.0.0.1
PORT ?= 8000

run: $(INSTALLED) migrate model  ## set up, then serve on http://127.0.0.1:8000 (make run PORT=8080 HOST=0.0.0.0)
	$(BIN)/minsheng serve --host $(HOST) --port $(PORT)

# Three pytest processes by default, on two cores too: much of the suite waits on subprocesses,
# servers and sockets (measured on 2 cores: 442 s with two, 386 s with three). Tests keep to
# schemas, Redis keys and ports of their own, so they can share a machine;
# a whole file stays on one process (its module fixtures start servers once).
TEST_WORKERS ?= 3

# The static checks and the model's training each keep one core busy: side by side, once the
# one install both need is done.
test: $(INSTALLED_DEV)  ## set up, check the layers and types, then run every test (TEST_WORKERS=1 for one process)
	$(MAKE) --no-print-directory -j2 --output-sync=target lint model browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(INSTALLED_DEV)  ## the static checks: layers (import-linter), ruff, mypy
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The browser tests drive Debian's chromium (with a CJK font for the screenshots); installed
# once, only as root.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null \
		|| { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
		     apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; }; \
	fi

demo: $(INSTALLED) migrate model  ## fill a fresh database with sample cases, staff and ratings
	$(BIN)/minsheng demo

bench: $(INSTALLED_DEV) model  ## run the benchmarks (not part of make test)
	$(BIN)/python bench/case_store.py --count 20000
	$(BIN)/python bench/nlu.py

clean:  ## remove the virtualenv, the database and the built model
	rm -rf $(VENV) var nlu/_model
