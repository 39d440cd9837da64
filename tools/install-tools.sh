#!/usr/bin/env bash
# Installs the command-line tools whose dependency pins clash with the app's
# into their own virtualenvs under .tools/ (idempotent; quiet when up to date):
#   .tools/sam/bin/sam          aws-sam-cli
#   .tools/checkov/bin/checkov  checkov
# Override versions with SAM_CLI_VERSION / CHECKOV_VERSION (empty = latest).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
PYTHON="${PYTHON:-python3}"
SAM_CLI_VERSION="${SAM_CLI_VERSION:-1.170.0}"
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# install_tool <venv name> <executable> <pip requirement>
install_tool() {
    local name="$1" exe="$2" req="$3" venv="$TOOLS/$1"
    local stamp="$venv/.installed-requirement"
    if [[ -x "$venv/bin/$exe" && -f "$stamp" && "$(cat "$stamp")" == "$req" ]]; then
        return 0
    fi
    echo "install-tools: installing $req into .tools/$name" >&2
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null
    "$venv/bin/python" -m pip install --quiet "$req"
    "$venv/bin/$exe" --version >/dev/null
    echo "$req" >"$stamp"
}

pin() { if [[ -n "$2" ]]; then echo "$1==$2"; else echo "$1"; fi; }

mkdir -p "$TOOLS"
install_tool sam sam "$(pin aws-sam-cli "$SAM_CLI_VERSION")"
install_tool checkov checkov "$(pin checkov "$CHECKOV_VERSION")"
