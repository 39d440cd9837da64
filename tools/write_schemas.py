#!/usr/bin/env python3
"""Regenerate the committed JSON Schemas of the project's message contracts.

Run after changing a contract model: ``.venv/bin/python tools/write_schemas.py``.
A unit test fails while a committed schema differs from its model.
"""

from __future__ import annotations

import json
from pathlib import Path

from crypto_advisor.contracts.candle_update import CandleUpdate

REPO = Path(__file__).resolve().parents[1]

#: committed file (relative to the repository root) -> the schema it must hold
SCHEMAS = {
    "schemas/candle-update.v1.json": CandleUpdate.json_schema,
}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2) + "\n"


def main() -> None:
    for relative, make in SCHEMAS.items():
        path = REPO / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(make()))
        print(f"wrote {relative}")


if __name__ == "__main__":
    main()
