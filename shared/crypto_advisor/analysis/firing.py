"""What a trigger rule reports when it fires on a closed candle.

A firing says what the rule saw, in numbers and in one sentence: the value, the
threshold it was judged against, and how far past it the value went. These are
what a Signal stores and an email shows, so a trader can judge the alert
without opening a chart.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

Direction = Literal["bullish", "bearish", "neutral"]
DIRECTIONS: tuple[Direction, ...] = ("bullish", "bearish", "neutral")

#: Severity levels. Each rule documents when it uses which.
INFO = 1
NOTABLE = 2
STRONG = 3
SEVERITY_NAMES: dict[int, str] = {INFO: "info", NOTABLE: "notable", STRONG: "strong"}


@dataclass(frozen=True, slots=True)
class Firing:
    """One rule firing on one closed candle.

    ``value`` is what the rule saw on the candle and ``threshold`` what it was
    judged against, both in the indicator's own scale (a price for rules that
    compare the close or one price line with another). ``distance`` is how far
    ``value`` went past ``threshold``, in ``unit``, signed so that positive
    means past it; for price-line rules ``unit`` is ``"%"`` of the threshold so
    that distances compare across coins.
    """

    rule_id: str
    direction: Direction
    severity: int
    value: float
    threshold: float
    distance: float
    unit: str
    sentence: str

    def __post_init__(self) -> None:
        if not self.rule_id:
            raise ValueError("a firing needs a rule id")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}")
        if self.severity not in SEVERITY_NAMES:
            raise ValueError(f"severity {self.severity!r} is not one of 1 (info), 2 (notable), 3 (strong)")
        for name in ("value", "threshold", "distance"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} of a {self.rule_id} firing is {getattr(self, name)}, not finite")
        if not self.sentence:
            raise ValueError(f"a {self.rule_id} firing needs a sentence")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
