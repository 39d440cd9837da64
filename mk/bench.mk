# Benchmark of the analysis path; included by the top-level Makefile, which defines
# PY (.venv/bin/python) and the `venv` target.

PY ?= .venv/bin/python
BENCH_OUT := .local/bench/analysis.json

BENCH_COLD_OUT := .local/bench/cold.json

.PHONY: bench bench-cold

bench: venv size  ## series updates (1,000 x 720 1h candles) now vs the frame-twice baseline, each handler's cold import vs pandas+numpy, deployment sizes -> .local/bench/analysis.json
	$(PY) tools/bench_analysis.py --out $(BENCH_OUT) --size-report .aws-sam/size-report.json

bench-cold: venv  ## only each handler's cold import vs pandas+numpy, 9 fresh interpreters each in turns, median [RUNS=9] -> .local/bench/cold.json
	$(PY) tools/bench_analysis.py --imports-only --import-runs $(or $(RUNS),9) --out $(BENCH_COLD_OUT)

.PHONY: bench-against
bench-against: venv  ## a series update now vs the code at REV (e.g. REV=af35b8b), taking turns in one run -> .local/bench/against.json
	@test -n "$(REV)" || { echo "REV=<commit> is required, e.g. make bench-against REV=af35b8b"; exit 2; }
	$(PY) tools/bench_against.py $(REV)

.PHONY: bench-scale
bench-scale: venv  ## SERIES=1000 hourly series through the local stack over TICKS=3 ticks (COINGECKO=5 of them on CoinGecko, SCAN=500 the top-500 market scan's coins, the rest Kraken): per-tick calls, requests, signals, tick to last signal (local and for Lambda), the cost -> .local/bench/scale.json
	$(PY) -m crypto_advisor.cli.bench_scale --series $(or $(SERIES),1000) --coingecko $(or $(COINGECKO),5) --scan $(or $(SCAN),500) --ticks $(or $(TICKS),3) --history $(or $(HISTORY),720)

.PHONY: bench-history
bench-history: venv  ## the daily refit's S3 requests per series and run after DAYS=365 days of hourly objects: full read vs training history, and a top-COINS=1000 scan's projection -> .local/bench/history.json
	$(PY) -m crypto_advisor.cli.bench_history --days $(or $(DAYS),365) --coins $(or $(COINS),1000)

.PHONY: bench-scan-train
bench-scan-train: venv  ## the market scan's daily breakout fit at COINS=1000 coins x DAYS=90 days: its seconds and peak memory against TrainFunction's timeout and memory -> .local/bench/scan-train.json
	$(PY) -m crypto_advisor.cli.bench_scan_train --coins $(or $(COINS),1000) --days $(or $(DAYS),90)

.PHONY: bench-cold-steps
bench-cold-steps: venv  ## where AnalyzeFunction's and DashboardFunction's cold imports go: each step timed after the ones before (and what a dashboard page loads on its first call), RUNS=9 fresh interpreters, median -> .local/bench/import-steps.json
	$(PY) tools/import_steps.py --runs $(or $(RUNS),9)
