#!/usr/bin/env python3
"""The template without its container-image functions, for `sam build` with no Docker.

Building an ``PackageType: Image`` function (TrainFunction) needs a Docker
daemon; everything else (zip functions and layers) builds with pip alone. With
no daemon, `make build` builds this copy of the template: the image functions
are removed, with every resource, condition-free output and event that names
them, so the zip functions, their layers and `make size` still work. Deploying
still needs the full build (Docker), which the Makefile says.

Usage: zip_template.py template.yaml > .aws-sam/template-zip.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from crypto_advisor.local.template_yaml import load_template  # the CloudFormation-aware YAML loader


def names(node: Any, ids: set[str]) -> bool:
    """Whether ``node`` refers to any of ``ids`` (Ref, GetAtt, Sub, DependsOn)."""
    if isinstance(node, dict):
        if node.get("Ref") in ids:
            return True
        att = node.get("Fn::GetAtt")
        if isinstance(att, list) and att and att[0] in ids:
            return True
        if isinstance(att, str) and att.split(".", 1)[0] in ids:
            return True
        sub = node.get("Fn::Sub")
        text = sub if isinstance(sub, str) else (sub[0] if isinstance(sub, list) and sub else "")
        if any(f"${{{i}}}" in text or f"${{{i}." in text for i in ids):
            return True
        return any(names(v, ids) for v in node.values())
    if isinstance(node, list):
        return any(names(v, ids) for v in node)
    return False


def without_images(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    resources = template["Resources"]
    removed = {k for k, r in resources.items() if (r.get("Properties") or {}).get("PackageType") == "Image"}
    dropped = sorted(removed)
    # Resources that exist only for the removed ones (their log group, queue, alarm) stay: harmless, and
    # removing them would need to know intent. Whatever *names* a removed resource must go.
    changed = True
    while changed:
        changed = False
        for key, resource in list(resources.items()):
            if key in removed:
                continue
            if names(resource, removed):
                removed.add(key)
                dropped.append(key)
                changed = True
    out = dict(template)
    out["Resources"] = {k: v for k, v in resources.items() if k not in removed}
    out["Outputs"] = {k: v for k, v in (template.get("Outputs") or {}).items() if not names(v, removed)}
    return out, dropped


def main() -> None:
    template, dropped = without_images(load_template(Path(sys.argv[1])))
    print(f"zip_template: left out (container images need Docker): {', '.join(dropped)}", file=sys.stderr)
    json.dump(template, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
