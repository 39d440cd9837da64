#!/usr/bin/env python3
"""Unzipped deployment size of every function in the built SAM template.

Reads .aws-sam/build/template.yaml (the output of `sam build`), and for every
zip-packaged function adds up the bytes of its code and of every layer it
references (``!Ref`` to a layer of the same template), prints a table, writes the
same data as JSON, and exits 1 if any function exceeds AWS's 250 MB limit
(function code plus all its layers, unzipped).

Usage: size_report.py [--build-dir .aws-sam/build] [--output .aws-sam/size-report.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crypto_advisor.local.template_yaml import load_template

MIB = 1024 * 1024
# AWS: "250 MB" unzipped, i.e. 262,144,000 bytes, for the function and all its layers.
DEFAULT_LIMIT_MB = 250

FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
LAYER_TYPES = {"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"}


def tree_bytes(path: Path) -> int:
    """Bytes of every file under path once unzipped (a directory, a .zip, or one file)."""
    if path.is_dir():
        total = 0
        for root, _dirs, files in os.walk(path, followlinks=True):
            for name in files:
                p = Path(root, name)
                if p.is_file():
                    total += p.stat().st_size
        return total
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return sum(info.file_size for info in zf.infolist())
    return path.stat().st_size


def artifact_path(value: Any, base: Path) -> Path | None:
    """The local path that CodeUri / ContentUri / Code / Content points at, if local."""
    if isinstance(value, dict):
        # AWS::Lambda::* after sam build: Code/Content may be {"ZipFile": ...} or S3 coordinates.
        return None
    if not isinstance(value, str) or value.startswith("s3://"):
        return None
    path = Path(value)
    return path if path.is_absolute() else base / path


@dataclass
class Part:
    name: str
    bytes: int | None  # None: not measurable here (external layer ARN, S3 object, ...)
    note: str = ""

    @property
    def mb(self) -> float | None:
        return None if self.bytes is None else self.bytes / MIB


@dataclass
class FunctionSize:
    function: str
    code: Part
    layers: list[Part] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(p.bytes or 0 for p in [self.code, *self.layers])

    @property
    def complete(self) -> bool:
        return all(p.bytes is not None for p in [self.code, *self.layers])


def _layer_name(ref: Any) -> tuple[str, str | None]:
    """(display name, logical id or None) of one entry of a function's Layers."""
    if isinstance(ref, dict) and set(ref) == {"Ref"} and isinstance(ref["Ref"], str):
        return ref["Ref"], ref["Ref"]
    if isinstance(ref, str):
        return ref, None  # a literal layer ARN
    return json.dumps(ref, sort_keys=True), None


def measure(template: dict[str, Any], base: Path) -> list[FunctionSize]:
    resources: dict[str, Any] = template.get("Resources") or {}
    globals_fn: dict[str, Any] = (template.get("Globals") or {}).get("Function") or {}

    layer_sizes: dict[str, Part] = {}
    for lid, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") not in LAYER_TYPES:
            continue
        props = res.get("Properties") or {}
        uri = props.get("ContentUri", props.get("Content"))
        path = artifact_path(uri, base)
        if path is None or not path.exists():
            layer_sizes[lid] = Part(lid, None, f"content not local: {uri!r}")
        else:
            layer_sizes[lid] = Part(lid, tree_bytes(path))

    sizes: list[FunctionSize] = []
    for fid, res in resources.items():
        if not isinstance(res, dict) or res.get("Type") not in FUNCTION_TYPES:
            continue
        props = res.get("Properties") or {}
        is_serverless = res["Type"] == "AWS::Serverless::Function"
        package_type = props.get("PackageType", globals_fn.get("PackageType") if is_serverless else None)
        if package_type == "Image":
            continue  # container images have a 10 GB limit of their own
        uri = props.get("CodeUri", globals_fn.get("CodeUri")) if is_serverless else props.get("Code")
        if props.get("InlineCode") is not None:
            code = Part("code", len(str(props["InlineCode"]).encode()))
        else:
            path = artifact_path(uri, base)
            if path is None or not path.exists():
                code = Part("code", None, f"code not local: {uri!r}")
            else:
                code = Part("code", tree_bytes(path))
        refs = list(props.get("Layers") or [])
        if is_serverless:
            refs = list(globals_fn.get("Layers") or []) + refs
        layers = []
        for ref in refs:
            name, lid = _layer_name(ref)
            if lid is not None and lid in layer_sizes:
                layers.append(layer_sizes[lid])
            else:
                layers.append(Part(name, None, "not built by this template"))
        sizes.append(FunctionSize(fid, code, layers))
    return sizes


def _fmt(mb: float | None) -> str:
    return "?" if mb is None else f"{mb:.1f}"


def render_table(sizes: list[FunctionSize], limit_mb: float) -> str:
    layer_cols: list[str] = []
    for s in sizes:
        for p in s.layers:
            if p.name not in layer_cols:
                layer_cols.append(p.name)
    header = ["function", "code MB", *(f"{c} MB" for c in layer_cols), "total MB", "limit MB", "status"]
    rows = [header]
    for s in sizes:
        by_layer = {p.name: p for p in s.layers}
        total = s.total_bytes / MIB
        if total > limit_mb:
            status = "OVER LIMIT"
        elif not s.complete:
            status = "ok (partial: ? not measured)"
        else:
            status = "ok"
        rows.append(
            [
                s.function,
                _fmt(s.code.mb),
                *(_fmt(by_layer[c].mb) if c in by_layer else "-" for c in layer_cols),
                f"{total:.1f}",
                f"{limit_mb:g}",
                status,
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        last = len(row) - 1
        cells = [c.ljust(w) if i in (0, last) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_json(sizes: list[FunctionSize], limit_mb: float) -> dict[str, Any]:
    def part(p: Part) -> dict[str, Any]:
        d = asdict(p)
        d["mb"] = None if p.mb is None else round(p.mb, 2)
        return d

    return {
        "limit_mb": limit_mb,
        "limit_bytes": int(limit_mb * MIB),
        "functions": [
            {
                "function": s.function,
                "code": part(s.code),
                "layers": [part(p) for p in s.layers],
                "total_bytes": s.total_bytes,
                "total_mb": round(s.total_bytes / MIB, 2),
                "complete": s.complete,
                "within_limit": s.total_bytes <= limit_mb * MIB,
            }
            for s in sizes
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--output", type=Path, default=Path(".aws-sam/size-report.json"))
    parser.add_argument("--limit-mb", type=float, default=DEFAULT_LIMIT_MB)
    args = parser.parse_args(argv)

    template_path = args.build_dir / "template.yaml"
    if not template_path.is_file():
        print(f"size_report: {template_path} not found; run `sam build` first", file=sys.stderr)
        return 2
    sizes = measure(load_template(template_path), args.build_dir)
    if not sizes:
        print(f"size_report: no zip-packaged functions in {template_path}", file=sys.stderr)
        return 2

    print(render_table(sizes, args.limit_mb))
    report = to_json(sizes, args.limit_mb)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.output}")

    over = [f["function"] for f in report["functions"] if not f["within_limit"]]
    if over:
        print(f"size_report: over the {args.limit_mb:g} MB limit: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
