# plan-assistant: every target does its own set-up. `make run` serves; `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-llm browser-deps redis-deps postgres-deps index enrich tune-embeddings run test test-fast lint eval bench load schemathesis test-llm clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev extras

install-llm: $(STAMP) ## the optional local LLM (llama-cpp-python builds from source: ~5-7 min)
	$(PY) -m pip install -e ".[dev,local-llm]"

browser-deps: ## Debian's chromium for the browser test (needs root or sudo; skipped where unavailable)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "browser-deps: cannot install chromium here; the browser test will be skipped"; fi

redis-deps: ## Debian's redis-server for the shared rate limit test and make load (needs root; skipped where unavailable)
	@if command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else echo "redis-deps: cannot install redis-server here; the shared rate limit tests will be skipped"; fi

postgres-deps: ## Debian's PostgreSQL server for the question log tests on PostgreSQL (needs root; skipped where unavailable)
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "postgres-deps: cannot install postgresql here; the question log tests on PostgreSQL will be skipped"; fi

data/outline.json: | $(STAMP)
	$(PY) -m ingest

index: $(STAMP) ## build or update the index from corpus/
	$(PY) -m ingest

enrich: install-llm ## corpus/derived/: questions, keywords and plain English from the local LLM (long; resumable)
	$(PY) -m ingest enrich

tune-embeddings: $(STAMP) ## opt-in: the embedding model tuned on corpus/derived/ questions (~30 s; prints the setting)
	$(PY) -m ingest tune-embeddings

run: $(STAMP) data/outline.json ## set up, build the index if missing, serve on http://127.0.0.1:7860
	$(PY) app.py

test: $(STAMP) browser-deps redis-deps postgres-deps data/outline.json ## the whole suite but the local model (make test-llm), then the eval gate
	$(PY) -m pytest -m "not llm"
	$(PY) -m evals --check --no-baselines --out build/eval-gate

test-fast: $(STAMP) ## unit tests only
	$(PY) -m pytest tests/unit -q

lint: $(STAMP) ## ruff check, ruff format --check, mypy, bandit
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/bandit -q -c pyproject.toml -r src ingest evals app.py

eval: $(STAMP) data/outline.json ## the grounding eval with baselines; fails when a threshold is missed
	$(PY) -m evals --check

fit: $(STAMP) data/outline.json ## refit by cross-validation: the lexical, commitment, hub and rank weights, then the answerability model
	$(PY) -m evals.tune lexical_weight 0,0.1,0.2,0.3,0.4,0.6
	$(PY) -m evals.tune commitment_weight 0,0.03,0.06,0.1,0.15
	$(PY) -m evals.tune hub_weight 0,0.05,0.1,0.15,0.2,0.25,0.5
	$(PY) -m evals.tune rank_weight 0,0.03,0.06,0.1,0.15,0.2,0.3
	$(PY) -m evals.calibrate

bench: $(STAMP) ## latency, throughput, ingest, cold start, memory -> evals/reports/bench.json
	$(PY) -m evals.bench

load: $(STAMP) redis-deps ## locust: 50 users for 60 s on 2 workers, a Chroma server and Redis; fails on any error but the intended 429s -> bench.json "load"
	$(PY) -m evals.load

schemathesis: $(STAMP) ## OpenAPI fuzz: no 500, no schema violation (also part of make test)
	$(PY) -m pytest -q tests/integration/test_api_fuzz.py

test-llm: install-llm data/outline.json ## the local model: every llm test (llama_cpp.server included), then the eval on both sets with llama-cpp -> evals/reports/llm/
	$(PY) -m pytest -m llm -q
	nice $(PY) -m evals --generator llama-cpp --no-baselines --out evals/reports/llm

clean:
	rm -rf data .pytest_cache .ruff_cache .mypy_cache
