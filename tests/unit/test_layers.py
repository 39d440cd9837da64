"""Every function's imports are shipped: by its layers, or by the Lambda runtime.

The tests import the handlers from the development venv, where everything is
installed, so a package missing from a function's layers would pass every other
test and fail only in AWS, at the first cold start. Here each handler is
imported in a fresh interpreter (as Lambda does), then what it loads on first
use (:data:`FIRST_USE`: modules imported inside a function, so that the cold
start does without them); the third-party distributions it loaded are
collected, and each must be listed in a requirements file of one of the
function's layers (as ``template.yaml`` and ``layers/Makefile`` wire
them) or be a dependency of one listed there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from crypto_advisor.local.stack import load_template
from tests.conftest import REPO

#: What the python3.13 Lambda runtime provides (boto3 and what it needs).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six"}
#: Imported when present, with a fallback when not: botocore tries ``certifi`` and
#: otherwise uses the CA bundle it ships; lark tries ``regex`` and otherwise uses ``re``.
OPTIONAL = {"certifi", "regex"}
#: The project's own package, shipped by SharedLayer.
OWN = {"crypto-advisor"}

#: The modules a function imports on first use, not at its cold start, by the module that names them (a missing
#: distribution would fail the first Kraken call, the first chart, or a dashboard page's first call, not the import).
EVERY_FUNCTION = ("lark",)  # the conditions' grammar, parsed where a watchlist has conditions: contracts/conditions.py
FIRST_USE = {
    "IngestFunction": ("ccxt", "crypto_advisor.ingest.scan"),  # adapters/kraken.py, ingest/service.py
    "IngestWorkerFunction": ("ccxt", "crypto_advisor.ingest.scan"),
    "NotifyFunction": ("crypto_advisor.notify.chart", "crypto_advisor.notify.market_chart"),  # notify/render.py, ...
    "DigestFunction": ("crypto_advisor.digest.chart",),  # digest/render.py
    "DashboardFunction": (  # dashboard/service.py, overview.py, wiring/dashboard.py, adapters/listings.py
        "crypto_advisor.dashboard.overview",
        "crypto_advisor.market.windows",
        "crypto_advisor.dashboard.series_view",
        "crypto_advisor.wiring.models",
        "crypto_advisor.forecast.artifacts",
        "crypto_advisor.dashboard.email_view",
        "requests",
    ),
}

_CALL = re.compile(r"\$\(call build_layer,(\w+),([\w/.-]+)")

IMPORT_HANDLER = """
import importlib, json, sys
from importlib import metadata
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)  # what the interpreter loaded at start (site hooks), not the handler
for name in sys.argv[2:]:  # the handler, then what it loads on first use
    importlib.import_module(name)
owners = metadata.packages_distributions()
names = set()
for module in set(sys.modules) - before:
    top = module.split(".", 1)[0]
    for dist in owners.get(top, []):
        names.add(dist)
print(json.dumps(sorted(names)))
"""


def layer_requirement_files() -> dict[str, Path]:
    """Layer logical id -> the requirements file layers/Makefile builds it from."""
    makefile = (REPO / "layers" / "Makefile").read_text()
    return {layer: REPO / "layers" / path for layer, path in _CALL.findall(makefile)}


def listed(path: Path) -> list[Requirement]:
    """Requirements of a file, following ``-r`` includes, plus ``requirements-pure.txt`` beside it."""
    found: list[Requirement] = []
    files = [path] + (
        [path.parent / "requirements-pure.txt"] if (path.parent / "requirements-pure.txt").exists() else []
    )
    for file in files:
        for raw in file.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("-r "):
                found.extend(listed(file.parent / line[3:].strip()))
            else:
                found.append(Requirement(line))
    return found


@cache
def closure(name: str, extras: frozenset[str] = frozenset()) -> frozenset[str]:
    """``name`` and every distribution it requires, transitively (as installed here)."""
    result = {canonicalize_name(name)}
    try:
        requires = metadata.distribution(name).requires or []
    except metadata.PackageNotFoundError:
        return frozenset(result)
    for text in requires:
        req = Requirement(text)
        marker_env = [{"extra": e} for e in extras] or [{"extra": ""}]
        if req.marker is not None and not any(req.marker.evaluate(env) for env in marker_env):
            continue
        result |= closure(req.name, frozenset(req.extras))
    return frozenset(result)


def shipped_by(layers: list[str]) -> set[str]:
    files = layer_requirement_files()
    shipped: set[str] = set()
    for layer in layers:
        for req in listed(files[layer]):
            shipped |= closure(req.name, frozenset(req.extras))
    return shipped


def functions() -> dict[str, dict]:
    """The zip functions (a container image, TrainFunction, brings its packages in its Dockerfile)."""
    template = load_template(REPO / "template.yaml")
    return {
        k: r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"].get("PackageType", "Zip") == "Zip"
    }


def imported_distributions(code_dir: Path, module: str, *first_use: str) -> set[str]:
    answer = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", IMPORT_HANDLER, str(code_dir), module, *first_use],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "AWS_DEFAULT_REGION": "us-east-1"},
        cwd=code_dir,
        timeout=120,
    )
    if answer.returncode != 0:
        pytest.fail(f"importing {code_dir}/{module}.py failed:\n{answer.stderr[-2000:]}")
    return {canonicalize_name(d) for d in json.loads(answer.stdout)}


@pytest.mark.parametrize("logical_id", sorted(functions()))
def test_every_import_of_a_function_is_in_its_layers(logical_id: str) -> None:
    # Given the function as the template deploys it
    props = functions()[logical_id]
    layers = [layer["Ref"] for layer in props.get("Layers", []) if isinstance(layer, dict) and "Ref" in layer]
    dependency_layers = [layer for layer in layers if layer in layer_requirement_files()]
    module = props["Handler"].rpartition(".")[0]
    # When its handler is imported in a fresh interpreter, and what it imports on first use
    imported = imported_distributions(REPO / props["CodeUri"], module, *EVERY_FUNCTION, *FIRST_USE.get(logical_id, ()))
    # Then every third-party distribution it loaded ships with its layers or the runtime
    missing = imported - shipped_by(dependency_layers) - RUNTIME_PROVIDED - OWN - OPTIONAL
    assert not missing, f"{logical_id} imports {sorted(missing)}, which none of its layers {dependency_layers} ships"


def test_the_check_catches_a_missing_layer() -> None:
    # Given AnalyzeFunction's imports, judged without CommonDepsLayer
    imported = imported_distributions(REPO / "functions" / "analyze", "app")
    # Then Powertools and pydantic are reported missing
    missing = imported - shipped_by(["AnalyzeDepsLayer"]) - RUNTIME_PROVIDED - OWN
    assert {"aws-lambda-powertools", "pydantic"} <= missing


def test_layers_are_at_most_five_per_function() -> None:
    # Lambda's hard limit
    for logical_id, props in functions().items():
        assert len(props.get("Layers", [])) <= 5, logical_id
