# Frontline: `make run` starts the embedded desk, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv, installed from PyPI when missing (pyenv shims may exist without a working uv).
UV := $(shell if uv --version >/dev/null 2>&1; then echo uv; else \
	python3 -m pip install --quiet --disable-pip-version-check uv >&2 || \
	python3 -m pip install --quiet --disable-pip-version-check --user uv >&2; \
	echo "python3 -m uv"; fi)
PYTEST_ARGS ?=
PORT ?= 8000
export PORT

.PHONY: help install run test test-sqlite test-pg lint typecheck check format e2e-browser

help:
	@echo "make run    install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole test suite (PostgreSQL too when"
	@echo "            FRONTLINE_TEST_DATABASE_URL is set)"
	@echo "make check  ruff (lint + format) and mypy"

install:
	$(UV) sync --frozen

run: install
	$(UV) run frontline run --port $(PORT)

test: install test-sqlite test-pg

test-sqlite:
	$(UV) run pytest -n 2 $(PYTEST_ARGS)

# The same suite on PostgreSQL, when a server is named (CI names one).
test-pg:
	@if [ -n "$$FRONTLINE_TEST_DATABASE_URL" ]; then \
		echo "== the suite again on PostgreSQL =="; \
		$(UV) run pytest -n 2 -m "not e2e and not corpus" $(PYTEST_ARGS); \
	else echo "FRONTLINE_TEST_DATABASE_URL is not set: PostgreSQL run skipped"; fi

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck:
	$(UV) run mypy frontline

check: install lint typecheck

format:
	$(UV) run ruff format .
	$(UV) run ruff check --fix .
