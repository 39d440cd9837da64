"""Rule parameters: each class declares its fields and the checks on them; :class:`Params` runs the checks.

Parameters come from a watchlist a person wrote, so a bad value must be
refused with words that name the param and what it must be. Declaring the
checks beside the fields, in the order they are run, keeps fourteen classes
from each re-implementing the same comparisons and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Check:
    """One condition on one param, and what the param must be when the condition fails."""

    param: str
    holds: Callable[[Any, Any], bool]
    must_be: Callable[[Any], str]

    def verify(self, params: Any) -> None:
        value = getattr(params, self.param)
        if not self.holds(value, params):
            raise ValueError(f"param {self.param!r} must be {self.must_be(params)}, got {value}")


def _words(requirement: str, unit: str) -> Callable[[Any], str]:
    text = f"{requirement} {unit}" if unit else requirement
    return lambda params: text


def between(param: str, low: float, high: float, unit: str = "") -> Check:
    """Strictly between ``low`` and ``high``."""
    return Check(param, lambda value, params: low < value < high, _words(f"between {low} and {high}", unit))


def at_least(param: str, minimum: float, unit: str = "") -> Check:
    return Check(param, lambda value, params: value >= minimum, _words(f">= {minimum}", unit))


def above(param: str, minimum: float, unit: str = "") -> Check:
    return Check(param, lambda value, params: value > minimum, _words(f"> {minimum}", unit))


def above_param(param: str, other: str) -> Check:
    """Above another param of the same rule, named with its value."""
    return Check(
        param,
        lambda value, params: getattr(params, other) < value,
        lambda params: f"above {other} ({getattr(params, other)})",
    )


#: Checks that more than one rule's params share.
OSCILLATOR_LEVEL = between("level", 0, 100)
SPIKE_FACTOR = above("factor", 1, "(times the average)")


class Params:
    """Base of every rule's params: a frozen dataclass whose ``checks`` run, in order, when it is built."""

    __slots__ = ()
    checks: ClassVar[tuple[Check, ...]] = ()

    def __post_init__(self) -> None:
        for check in self.checks:
            check.verify(self)


@dataclass(frozen=True, slots=True)
class NoParams(Params):
    """For rules whose inputs are fixed by the indicator columns they read."""


@dataclass(frozen=True, slots=True)
class WindowParams(Params):
    """For rules judged over a window of candles, each with its own default length."""

    window: int

    checks = (at_least("window", 2, "candles"),)
