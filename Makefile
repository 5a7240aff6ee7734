# Everyday commands. `make test` is what CI runs after `make lint` (see .ci/run).
export HF_HUB_OFFLINE := 1

.PHONY: test-fast test lint format bench

test-fast:  ## the suite without the real-model tests marked slow (minutes)
	python -m pytest -q -m "not slow"

test:  ## everything CI runs, the slow real-model tests included (about 20 minutes on 2 cores)
	python -m pytest -q

lint:  ## ruff (lint and format) over the repository, mypy over longctx/ and agent/
	ruff check .
	ruff format --check .
	mypy

format:  ## rewrite the files as ruff formats them, imports sorted
	ruff check --fix --select I .
	ruff format .

bench:  ## the quick benchmarks; each writes its table to docs/benchmarks/ (the long ones: see README)
	python -m benchmarks.retrieval
	python -m benchmarks.serve
	python -m benchmarks.realdocs --split check --modes auto
