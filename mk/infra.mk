# Build, size and lint targets; included by the top-level Makefile, which defines
# PY (.venv/bin/python, with ruff and cfn-lint) and the `venv` target.
# sam and checkov live in their own venvs under .tools/ (tools/install-tools.sh)
# because their dependency pins clash with the app's.

PY ?= .venv/bin/python
SAM := .tools/sam/bin/sam
CHECKOV := .tools/checkov/bin/checkov
CFN_LINT := $(dir $(PY))cfn-lint
TEMPLATE := template.yaml
BUILD_DIR := .aws-sam/build

# Offline SAM CLI: no telemetry, no credentials lookup, a fixed region (validate needs one).
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 \
	AWS_EC2_METADATA_DISABLED=true
# Offline checkov: no Prisma Cloud download, no version check.
CHECKOV_ENV := CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE

.PHONY: tools build size lint lint-ruff lint-imports lint-types lint-cfn lint-checkov lint-sam

tools:  ## install sam and checkov into .tools/ (isolated venvs)
	@bash tools/install-tools.sh

# sam's python builder needs a CPython 3.13 on PATH even for a function with no
# requirements; outside the build image, find one (PATH, pyenv, uv) and expose it
# as .tools/py313/python3.13. It also lets IngestDepsLayer ship 3.13 bytecode.
PY313 = $(shell for c in python3.13 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1) \
	$$(command -v uv >/dev/null 2>&1 && uv python find 3.13 2>/dev/null); do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null && break; \
	done)

build: tools venv web  ## sam build (in the Lambda build image if Docker answers, else locally, without the image function)
	@if docker info >/dev/null 2>&1; then \
		echo "sam build --use-container (Docker is available)"; \
		$(SAM_ENV) $(SAM) build --template $(TEMPLATE) --use-container; \
	else \
		py313="$(PY313)"; \
		if [ -z "$$py313" ]; then \
			echo "build: no Docker daemon and no Python 3.13 found (sam's python builder needs one):" \
				"install python3.13 (e.g. pyenv install 3.13) or start Docker" >&2; \
			exit 1; \
		fi; \
		mkdir -p .tools/py313 .aws-sam && ln -sfn "$$py313" .tools/py313/python3.13; \
		$(PY) tools/zip_template.py $(TEMPLATE) > .aws-sam/template-zip.json; \
		echo "sam build (no Docker daemon: python3.13 = $$py313; layers use manylinux cp313 wheels;" \
			"TrainFunction's container image needs Docker and is not built, so this build cannot be deployed)"; \
		PATH="$(CURDIR)/.tools/py313:$$PATH" PYC_PYTHON="$$py313" \
			$(SAM_ENV) $(SAM) build --template .aws-sam/template-zip.json --base-dir . ; \
	fi

size: build venv  ## unzipped size of every function + its layers vs the 250 MB limit
	$(PY) tools/size_report.py --build-dir $(BUILD_DIR) --output .aws-sam/size-report.json

lint: lint-ruff lint-imports lint-types lint-cfn lint-checkov lint-sam lint-web  ## ruff, import contracts, mypy, cfn-lint, checkov, sam validate --lint, tsc

lint-ruff: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The package map (pyproject.toml [tool.importlinter]): layers, adapters free of logic, and where
# boto3, ccxt and Powertools may be imported.
lint-imports: venv
	$(dir $(PY))lint-imports --no-cache

# mypy over the package and the shared test fakes (pyproject.toml [tool.mypy]).
lint-types: venv
	$(PY) -m mypy

lint-cfn: venv
	$(CFN_LINT) $(TEMPLATE)

# Skips are declared per resource in the template (Metadata: checkov: skip:) with a reason.
lint-checkov: tools
	$(CHECKOV_ENV) $(CHECKOV) -f $(TEMPLATE) --framework cloudformation --quiet --compact \
		--skip-download

# --lint runs cfn-lint on the transformed template; no AWS call. Profile and credential
# files are hidden so a stale or missing AWS_PROFILE cannot break an offline lint.
lint-sam: tools
	env -u AWS_PROFILE AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		$(SAM_ENV) $(SAM) validate --template $(TEMPLATE) --lint --region us-east-1
