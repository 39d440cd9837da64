"""What every rule offers, and how a set of rules judges one candle.

The concrete rules are frozen dataclasses with a class-level ``id`` and their
params; this Protocol is what the analysis, the replay and the wiring rely on,
so none of them needs to know a rule's family.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from crypto_advisor.analysis.firing import Firing


class Rule(Protocol):
    """What every rule offers; the concrete rules are frozen dataclasses.

    The id is the class's, not the instance's: the registry and the config
    name a rule before any instance of it exists.
    """

    id: ClassVar[str]

    @property
    def params(self) -> Any: ...

    def evaluate(self, frame: pd.DataFrame, timeframe_ms: int) -> Firing | None: ...


def evaluate_all(frame: pd.DataFrame, rules: Iterable[Rule], timeframe_ms: int) -> list[Firing]:
    """The firings of ``rules`` on the last row of ``frame``, in rule order."""
    if isinstance(timeframe_ms, bool) or not isinstance(timeframe_ms, (int, np.integer)) or timeframe_ms <= 0:
        raise ValueError(f"timeframe_ms must be a positive whole number of milliseconds, got {timeframe_ms!r}")
    return [firing for rule in rules if (firing := rule.evaluate(frame, timeframe_ms)) is not None]
