"""What one alert email says, as plain data: the notifier builds an :class:`AlertView`, the renderer reads it.

The view is the seam between the notifier (which decides *whether* to send and
gathers the inputs: the stored Signal, the candles, the replay figures) and the
renderer (which decides *how* it reads). Keeping it plain, frozen data lets the
renderer stay pure and lets tests build an email from real analysis output
without any AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from crypto_advisor.analysis.edge_verdicts import NO_EVIDENCE
from crypto_advisor.contracts.alerts import OverBudget
from crypto_advisor.contracts.candle import Candle
from crypto_advisor.contracts.series import Series
from crypto_advisor.contracts.signal import FiringRecord, Signal
from crypto_advisor.notify.grading import LiveRecord
from crypto_advisor.notify.headline import headline_order
from crypto_advisor.notify.links import EmailLinks

#: The horizon an email quotes when the replay has data for it: a day of hourly candles.
PREFERRED_HORIZON = 24


@dataclass(frozen=True)
class RuleRecord:
    """The replay figures of one rule on one series (``stats/replay/...`` in S3), at one horizon.

    ``hit_rate`` is direction-aware (the share of firings followed by a move in
    the firing's direction; for neutral rules a move larger than the median),
    and ``base_rate`` is the same share over every candle, so the two compare.
    ``verdict`` is the out-of-sample edge test's
    (:mod:`crypto_advisor.analysis.edge_verdicts`), with its ``t`` over
    ``blocks`` non-overlapping firings. Figures from a report written before
    the test existed have no verdict to quote: they read as no evidence of an
    edge, never as one.
    """

    rule_id: str
    horizon_candles: int
    hit_rate: float
    base_rate: float
    firings: int
    replayed_candles: int
    verdict: str = NO_EVIDENCE
    t: float | None = None
    blocks: int | None = None
    #: the test's own share of hits over ``blocks`` minus any candle's (its sign is t's; ``hit_rate`` and
    #: ``base_rate`` are over every firing, and can differ the other way); None in reports without it
    excess: float | None = None
    #: the rule's past firings on this series (how many, and quantiles of their distances), when enough to compare
    strength: tuple[int, tuple[float, ...]] | None = None


@dataclass(frozen=True)
class EmailHorizon:
    """How the series' directional emails fared ``candles`` candles after they were sent.

    ``hit_rate`` is the share of the ``n`` emails with a known outcome after
    which the price went the way the headline pointed (an unchanged close
    counting half), ``base_rate`` the same share over every analysed candle.
    ``verdict`` is the out-of-sample edge test's over ``blocks``
    non-overlapping emails, with its ``t``; ``detectable_edge`` is the
    smallest edge (a share: 0.08 is 8 points) that test could have found,
    which is what "no evidence" is worth.
    """

    candles: int
    n: int
    blocks: int
    hit_rate: float
    base_rate: float
    verdict: str = NO_EVIDENCE
    t: float | None = None
    detectable_edge: float | None = None


@dataclass(frozen=True)
class EmailRecord:
    """How the emails the live policy would have sent on this series fared, over the replayed range.

    A rule's own record (:class:`RuleRecord`) says nothing about the emails
    as sent: the policy picks among firings, and its picks can point the
    wrong way more often than chance even when no single rule does. So the
    replay also judges the emails themselves (``email_record`` in the replay
    report). ``horizons`` holds only those with an outcome, shortest first.
    """

    emails: int
    directional: int
    from_ts: int
    to_ts: int
    horizons: tuple[EmailHorizon, ...]
    #: the replay began after a gap in the archive (its records restart there, as the rules' records do)
    after_gap: bool = False
    #: the same record of each headline rule's own emails, every rule and horizon tested together (absent in reports
    #: written before it: empty)
    by_rule: Mapping[str, tuple[EmailHorizon, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertView:
    """Everything one email says.

    ``firings`` are what this email reports (after the alert policy), in any
    order; :attr:`ordered_firings` puts the headline first. ``candles`` are the
    recent closed candles up to and including the signal's candle, oldest
    first. ``rule_records`` maps a rule id to its replay figures on this
    series, for the rules that have them. ``live_records`` maps a model name
    to how its emailed predictions on this series fared (the forecast
    ledger), for the models that have graded ones. ``email_record`` is how
    the series' past emails as a whole fared, when the replay judged them.
    """

    signal: Signal
    series: Series
    firings: tuple[FiringRecord, ...]
    candles: tuple[Candle, ...]
    rule_records: Mapping[str, RuleRecord] = field(default_factory=dict)
    coin_name: str | None = None
    live_records: Mapping[str, LiveRecord] = field(default_factory=dict)
    #: the recipient's dashboard, mute and unsubscribe links; None: the stack has no dashboard URL
    links: EmailLinks | None = None
    #: sent over the series' spent weekly cap (the policy's :class:`~crypto_advisor.notify.policy.Send` says so):
    #: the email says why it came; None: within the budget
    over_budget: OverBudget | None = None
    #: how the series' past emails fared (the replay report's ``email_record``); None: not judged yet
    email_record: EmailRecord | None = None

    @property
    def ordered_firings(self) -> tuple[FiringRecord, ...]:
        """The firings, most important first (:func:`~crypto_advisor.notify.headline.headline_order`)."""
        return headline_order(self.firings)

    @property
    def headline(self) -> FiringRecord | None:
        """The firing the subject names, or None when there is nothing to report."""
        ordered = self.ordered_firings
        return ordered[0] if ordered else None
