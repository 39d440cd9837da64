# Benchmark of the analysis path; included by the top-level Makefile, which defines
# PY (.venv/bin/python) and the `venv` target.

PY ?= .venv/bin/python
BENCH_OUT := .local/bench/analysis.json

.PHONY: bench

bench: venv size  ## the analysis path with predictions (1,000 series x 720 1h candles), cold imports, deployment sizes -> .local/bench/analysis.json
	$(PY) tools/bench_analysis.py --out $(BENCH_OUT) --size-report .aws-sam/size-report.json
