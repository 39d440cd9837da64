"""Time spans come from `contracts/units.py`, never written out as numbers (issue 9).

An hour written as ``3_600_000`` in one module and ``HOUR_MS`` in another reads the same until one of them is
mistyped or redefined; the literals had crept back into eight places after the first clean-up, so this test keeps them
out of the package.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "crypto_advisor"
UNITS = PACKAGE / "contracts" / "units.py"
#: An hour, a day, a week in milliseconds, with or without digit separators.
SPANS = re.compile(r"\b(3_?600_?000|86_?400_?000|604_?800_?000)\b")


def test_no_module_writes_out_an_hour_a_day_or_a_week_in_milliseconds() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if path != UNITS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SPANS.search(line)
    ]
    assert found == [], "use contracts.units (HOUR_MS, DAY_MS, WEEK_MS):\n" + "\n".join(found)
