# crypto-advisor: every target sets up what it needs (.venv, tool venvs) on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: help venv demo test test-unit test-integration test-e2e test-browser lint bench replay train alert-quality cost embedded-aws env-json dashboard bench-api clean

help:  ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: requirements/dev.txt $(wildcard layers/*/requirements*.txt) shared/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --upgrade pip
	$(PY) -m pip install $(PIP_QUIET) -r requirements/dev.txt -e shared
	$(PY) -c "import crypto_advisor, ccxt, moto, samtranslator"
	touch $@

venv: $(VENV)/.installed  ## create .venv with the app, test and lint dependencies

demo: venv web  ## run the whole pipeline locally on the embedded AWS (no account, no network), picture the dashboard, then serve it at http://127.0.0.1:8765 until Ctrl-C [PORT= NO_SERVE=1]
	$(PY) -m crypto_advisor.local.demo $(if $(PORT),--port $(PORT)) $(if $(NO_SERVE),--no-serve)

test: venv web  ## run the whole test suite (unit, integration, e2e, browser) on every core [JOBS=auto: pytest-xdist workers]
	$(PY) -m pytest -n $(or $(JOBS),auto)

test-unit: venv  ## unit tests: no sockets, no AWS
	$(PY) -m pytest tests/unit

test-integration: venv  ## handlers against the embedded AWS
	$(PY) -m pytest tests/integration

test-e2e: venv  ## the whole local pipeline
	$(PY) -m pytest tests/e2e

test-browser: venv web  ## the dashboard's pages in Chromium (apt-get install chromium) against the demo's local dashboard
	$(PY) -m pytest tests/browser

replay: venv  ## replay the rules over history: the demo market, or CSV=path [SERIES=kraken:BTC-USD:1h FROM=YYYY-MM-DD TO=YYYY-MM-DD WATCHLIST=file]
	$(PY) -m crypto_advisor.cli.replay $(if $(CSV),--csv $(CSV)) $(if $(SERIES),--series $(SERIES)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(WATCHLIST),--watchlist $(WATCHLIST))

alert-quality: venv  ## the emails the live alerts would have sent over history: CSV=path SERIES=key [FROM=YYYY-MM-DD TO=YYYY-MM-DD OUT=file.json WATCHLIST=file]
	$(PY) -m crypto_advisor.cli.alert_quality $(if $(CSV),--csv $(CSV)) $(if $(SERIES),--series $(SERIES)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(OUT),--out $(OUT)) $(if $(WATCHLIST),--watchlist $(WATCHLIST))

train: venv  ## train the forecast models in-process, no AWS: the demo market, or CSV=path [SERIES=kraken:BTC-USD:1h FROM= TO=]
	$(PY) -m crypto_advisor.cli.train $(if $(CSV),--csv $(CSV)) $(if $(SERIES),--series $(SERIES)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

cost: venv  ## the monthly bill, itemised, for SERIES=20 hourly series [COINS= RECIPIENTS=]: template + make demo's measured work + cli/prices_us_east_1.json
	@test -n "$(SERIES)" || { echo "SERIES=<number of series> is required, e.g. make cost SERIES=20"; exit 2; }
	$(PY) -m crypto_advisor.cli.cost --series $(SERIES) $(if $(COINS),--coins $(COINS)) $(if $(RECIPIENTS),--recipients $(RECIPIENTS))

embedded-aws: venv  ## keep the embedded AWS running with the stack, for sam local invoke [PORT=4599 HOST=127.0.0.1; HOST=0.0.0.0 for Docker on Linux]
	$(PY) -m crypto_advisor.local.serve $(if $(PORT),--port $(PORT)) $(if $(HOST),--host $(HOST))

env-json: venv  ## write env.json for sam local invoke --env-vars: the running embedded AWS, or STACK=name [REGION=] a deployed stack
	$(PY) -m crypto_advisor.local.env_json $(if $(STACK),--stack $(STACK)) $(if $(REGION),--region $(REGION))

.PHONY: redrive
redrive: venv  ## replay the stream batches a deployed stack parked in S3 through their function (idempotent): STACK=name [DRY_RUN=1]
	@test -n "$(STACK)" || { echo "redrive: name the deployed stack, e.g. make redrive STACK=crypto-advisor" >&2; exit 2; }
	$(PY) -m crypto_advisor.cli.redrive --stack $(STACK) $(if $(DRY_RUN),--dry-run)

dashboard: venv  ## the last make demo's state (.local/demo/state) restored, its dashboard served at http://127.0.0.1:8765 until Ctrl-C, no rerun [PORT=]
	$(PY) -m crypto_advisor.local.dashboard $(if $(PORT),--port $(PORT))

bench-api: venv web  ## the demo's pipeline, then each dashboard read route timed over HTTP [ROUNDS=50], then the overview's first render in headless Chromium [LOADS=7]: .local/dashboard/api-latency.json
	$(PY) -m crypto_advisor.local.dashboard --port 0 --bench $(or $(ROUNDS),50) --loads $(or $(LOADS),7)

clean:  ## remove build output and local state (keeps the venvs)
	rm -rf .aws-sam .local .pytest_cache

-include mk/infra.mk
-include mk/bench.mk
-include mk/web.mk
