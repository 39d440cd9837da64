"""Retry with exponential backoff and full jitter, for transient source errors only."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from crypto_advisor.contracts.errors import TransientSourceError

T = TypeVar("T")


def with_retry(
    call: Callable[[], T],
    *,
    attempts: int = 4,
    max_wait_s: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; retry it on :class:`TransientSourceError`, re-raise everything else at once.

    Full jitter (a random wait up to an exponentially growing cap) keeps many
    series that failed together from retrying in lockstep against the same API.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.5, max=max_wait_s),
        retry=retry_if_exception_type(TransientSourceError),
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)
