"""``make alert-quality``: the emails the live alerts would have sent over history, and what they were worth.

    python -m crypto_advisor.cli.alert_quality --csv ETHUSD_60.csv --series kraken:ETH-USD:1h \\
        --from 2019-01-01 --to 2022-12-31 [--watchlist watchlist.yaml] [--out report.json]

Candle by candle over the CSV, the live analysis and the live alert policy
(cooldowns, the rarity bar recalibrated daily on the past only, the weekly cap)
decide as they would have (:mod:`crypto_advisor.cli.alert_simulation`). The
candles before ``--from`` serve as the indicators' warm-up. The policy is the
series' own from ``--watchlist`` when it lists the series, else the defaults
(three emails a week). The report, printed and written as JSON, is documented
key by key in the README ("Alert quality").

Without ``--csv`` it runs over the seeded demo market (2,000 hourly candles),
which is what the tests and a newcomer without data use.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crypto_advisor.analysis.edge_verdicts import EDGE, TOO_FEW, WORSE
from crypto_advisor.cli.alert_simulation import measure, nothing_to_decide, simulate
from crypto_advisor.cli.replay import announced_history, rule_setup, write_report
from crypto_advisor.contracts.units import DAY_MS
from crypto_advisor.notify.format import email_record_words
from crypto_advisor.notify.replay_figures import email_record as read_email_record
from crypto_advisor.training.email_record import email_record


def _day_ms(text: str | None, *, end: bool = False) -> int | None:
    if text is None:
        return None
    day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    return int(day.timestamp() * 1000) + (DAY_MS - 1 if end else 0)


def format_report(report: dict[str, Any]) -> str:
    """The report in a few lines a person reads."""
    lines = [
        f"alert quality of {report['series']}: {report['candles_analysed']:,} candles, "
        f"{report['from'][:10]} to {report['to'][:10]} ({report['days']:,} days)",
        f"  emails: {report['emails']:,}, {report['emails_per_week']:.2f} a week; per day median "
        f"{report['emails_per_day_median']:g}, p90 {report['emails_per_day_p90']:g}, "
        f"max {report['emails_per_day_max']}; "
        f"days without an alert {report['days_without_alert_share']:.0%}; digests {report['digests']:,}",
        "  repeats: "
        + ", ".join(f"{n:,} at most {window} after the previous email" for window, n in report["repeats"].items()),
        f"  headlines: {', '.join(f'{rule} {n}' for rule, n in report['headline']['rules'].items()) or 'none'}",
    ]
    for horizon, skill in report["headline"]["skill"].items():
        if skill["n"]:
            lines.append(
                f"  directional headlines right {horizon} candle(s) later (an unchanged close counting half): "
                f"{skill['hit_rate']:.1%} "
                f"vs base {skill['base_rate']:.1%} (n={skill['n']}, {skill['blocks']} blocks, t={skill['t']})"
            )
            lines.append(f"    {skill['reading']}")
    lines.append(_by_rule_line(report["headline"].get("by_rule") or {}))
    quoted = ", ".join(f"{verdict} {n:,}" for verdict, n in report["quoted_records"].items()) or "none"
    lines.append(f"  rule records quoted in the emails (out of sample, 24 candles): {quoted}")
    suppressed = ", ".join(f"{reason} {n:,}" for reason, n in report["suppressed"].items())
    lines.append(f"  held back: {suppressed}")
    if (over := report.get("over_budget")) is not None:
        lines.append(
            f"  sent over a spent weekly budget (a capped record beyond each of the week's alerts): {over['emails']:,}"
        )
    bar = report["bar"]
    if bar["calibrations"]:
        lines.append(
            f"  rarity bar (record length, candles): median {bar['median_candles']:g}, "
            f"range {bar['min_candles']:g}..{bar['max_candles']:g} over {bar['calibrations']} daily calibrations"
        )
    return "\n".join(lines)


def _by_rule_line(by_rule: dict[str, dict[str, Any]]) -> str:
    """The headline rules judged apart: those better or worse than chance after the correction, or that none is."""
    said = [
        f"{rule} {h} candle(s) later {skill['hit_rate']:.1%} vs {skill['base_rate']:.1%} "
        f"(n={skill['n']}, t={skill['t']}): {skill['reading']}"
        for rule, horizons in by_rule.items()
        for h, skill in horizons.items()
        if skill["verdict"] in (EDGE, WORSE)
    ]
    tests = sum(1 for horizons in by_rule.values() for skill in horizons.values() if skill["verdict"] != TOO_FEW)
    head = f"  headline rules judged apart ({len(by_rule)} rules, {tests} tests corrected together): "
    return head + ("; ".join(said) if said else "none better or worse than chance")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="candles to read (default: the seeded demo market)")
    parser.add_argument("--series", default=None, help="series key, e.g. kraken:ETH-USD:1h (timeframe from the CSV)")
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day to decide (UTC)")
    parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day to decide (UTC, inclusive)")
    parser.add_argument("--watchlist", type=Path, help="take the series' alert policy and rule overrides from here")
    parser.add_argument("--out", type=Path, default=Path(".local/alert-quality/report.json"))
    args = parser.parse_args(argv)
    # The whole file is read: the candles before --from are the warm-up of the first analysis.
    loaded = announced_history(argparse.Namespace(csv=args.csv, series=args.series, start=None, end=None), count=2000)
    if loaded is None:
        return 2
    series, candles = loaded
    try:
        setup = rule_setup(args.watchlist, series)
        start, end = _day_ms(args.start), _day_ms(args.end, end=True)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if (why := nothing_to_decide(candles, start, end)) is not None:
        print(why, file=sys.stderr)
        return 2
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"  {done:,}/{total:,} candles ({time.perf_counter() - began:.0f} s)", file=sys.stderr)

    policy = setup.policy
    simulation = simulate(
        series, candles, setup.rules, policy, start_ts=start, end_ts=end, conditions=setup.conditions, progress=progress
    )
    try:
        report = measure(simulation)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    report["policy"] = {
        "max_per_week": policy.max_per_week,
        "weekly_cap": policy.weekly_cap,
        "min_severity": policy.min_severity,
        "cooldown_ms": policy.cooldown_ms,
    }
    print(format_report(report))
    # What every alert email on this series would quote under "How past alerts on this series fared", were this
    # range the replay's (the daily training run replays the series' trailing gap-free run with the same decisions).
    record = read_email_record({"email_record": email_record(simulation)})
    said = email_record_words(record, series.label, series.timeframe_ms) if record is not None else None
    if said:
        print(f"  the emails would say: {said}")
    write_report(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
