# `make run` and `make test` do every set-up step themselves (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/index.html frontend/package.json \
	frontend/tsconfig.json frontend/vite.config.ts
CHROMIUM := /usr/bin/chromium

.PHONY: help run test lint typecheck test-python test-frontend db-upgrade bench clean

help:
	@echo "make run    set everything up, migrate var/soarflow.db, serve on http://127.0.0.1:8080"
	@echo "make test   set everything up, then lint, type-check and run every test"
	@echo "make bench  run the benchmarks in bench/"

$(BIN)/soarflow: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null

db-upgrade: $(BIN)/soarflow
	$(BIN)/soarflow db upgrade

run: $(BIN)/soarflow frontend/dist/index.html db-upgrade
	$(BIN)/soarflow serve

lint: $(BIN)/soarflow
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench

typecheck: $(BIN)/soarflow frontend/node_modules/.package-lock.json
	$(BIN)/mypy
	cd frontend && npm run typecheck

test-frontend: frontend/node_modules/.package-lock.json
	cd frontend && npm test

test-python: $(BIN)/soarflow frontend/dist/index.html $(CHROMIUM)
	$(BIN)/pytest

test: lint typecheck test-frontend test-python

bench: $(BIN)/soarflow frontend/dist/index.html $(CHROMIUM)
	$(BIN)/python -m bench.validate
	$(BIN)/python -m bench.runtime
	$(BIN)/python -m bench.canvas
	$(BIN)/python -m bench.run_view

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var test-results
