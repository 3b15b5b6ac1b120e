# Newsdesk: `make run` starts the bot (or the console without a token); `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

# torch is pinned and installed first: an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev,openai]"
	touch $(STAMP)

run: install
	$(BIN)/newsdesk index index/samples
	$(BIN)/newsdesk run

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks print figures (recorded in the README); they read ../shared/eval at run time.
bench: install
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_eval.py
	$(BIN)/python bench/bench_reindex.py --from-index bench/out/realtimeqa
	$(BIN)/python bench/bench_discord.py

clean:
	rm -rf $(VENV) data
