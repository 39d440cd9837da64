"""The import contracts name every package: a package added later cannot slip past `make lint`.

import-linter's forbidden contracts list their source packages by name, so a new package is checked by none of them
until someone remembers to add it (the dashboard's routes and the steering package were each missed once). Each
contract here names the packages it deliberately leaves out; every other package must be among its sources.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "crypto_advisor"

#: Per contract name (its start), the packages it leaves out on purpose, and why.
EXEMPT: dict[str, set[str] | None] = {
    # the adapters and the composition root are where AWS clients are built; the tools run locally; the routes
    # have their own contract (they sit above the composition root, so only their direct imports are checked)
    "boto3 and botocore only": {"adapters", "wiring", "local", "cli", "api"},
    # None: scoped to its sources on purpose (the routes' direct imports only)
    "the dashboard's routes build no AWS client": None,
    # the local tools drive the browser (screenshots, the demo's pages)
    "Playwright": {"local"},
    # the handlers' own helpers: telemetry (metrics, logs), the composition root and the HTTP API's routers
    "Powertools only": {"telemetry", "wiring", "api"},
    "Adapters implement ports": set(),
}


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def _packages() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def _exempt(name: str) -> set[str] | None:
    matches = [exempt for start, exempt in EXEMPT.items() if name.startswith(start)]
    assert matches, f"contract {name!r} has no entry in EXEMPT: say which packages it leaves out and why"
    return matches[0]


@pytest.mark.parametrize("contract", [c for c in _contracts() if c["type"] == "forbidden"], ids=lambda c: c["name"])
def test_each_forbidden_contract_covers_every_package_it_does_not_exempt(contract: dict) -> None:
    sources = {module.removeprefix("crypto_advisor.") for module in contract["source_modules"]}
    if sources == {"crypto_advisor"}:  # the whole package: nothing can be missed
        return
    if contract["name"].startswith("Adapters implement ports"):  # its forbidden list is the logic packages
        logic = _packages() - {"adapters", "contracts", "wiring", "telemetry", "api", "local", "cli"}
        forbidden = {module.removeprefix("crypto_advisor.") for module in contract["forbidden_modules"]}
        assert logic - forbidden == set(), f"adapters may import logic packages {sorted(logic - forbidden)}"
        return
    exempt = _exempt(contract["name"])
    if exempt is None:
        return
    missing = _packages() - sources - exempt
    assert missing == set(), f"{contract['name']!r} does not check {sorted(missing)}"


def test_the_layers_contract_places_every_package() -> None:
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    assert _packages() - placed == set()
