"""The dashboard writes a price as the emails do: `web/src/format.ts` `price` against `market/numbers.py` `price`.

A trader reads one close in an email and on the dashboard; before, the dashboard's own rule showed 123.4568 where the
email said 123.46, and 3 where it said 3.00. The TypeScript is bundled with the project's esbuild and run in Node
(in the en-US locale the emails use), and its answers compared with the Python formatter's over prices from a
micro-priced coin's to Bitcoin's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from crypto_advisor.market.numbers import price

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "web" / "node_modules" / ".bin" / "esbuild"
PRICES = [
    0.0,
    0.00001234,
    0.000123456,
    0.0123456,
    0.1,
    0.98765,
    1.0,
    2.34567,
    3.0,
    12.3456,
    123.456789,
    999.99,
    1234.5,
    45678.9,
    95123.456,
    123456.789,
    -2.34567,
]


def test_the_dashboards_price_is_the_emails_price(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not ESBUILD.exists():
        pytest.fail("node and web/node_modules are needed: make web installs them (.ci/run does)")
    bundle = tmp_path / "format.mjs"
    subprocess.run(  # noqa: S603 - the project's own esbuild and source file
        [str(ESBUILD), str(ROOT / "web" / "src" / "format.ts"), "--format=esm", f"--outfile={bundle}"],
        check=True,
        capture_output=True,
    )
    script = f"import('{bundle.as_uri()}').then(m => console.log(JSON.stringify({json.dumps(PRICES)}.map(m.price))))"
    out = subprocess.run(  # noqa: S603 - node on our own bundle
        [node, "--input-type=module", "-e", script],
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": str(Path(node).parent), "LANG": "en_US.UTF-8"},
    )
    assert json.loads(out.stdout) == [price(x) for x in PRICES]
