"""The dashboard on localhost over the embedded stack: ``make dashboard``, and what tests and ``make demo`` start.

:func:`start_dashboard` gives the stack's user pool a user who can sign in at
once (created by the admin API as the stack's users are, then given a
permanent password, so no emailed temporary one is needed) and serves the
stack's HTTP API (:class:`~crypto_advisor.local.http_api.LocalHttpApi`) on
``http://127.0.0.1:8765``: the same handler, the routes and JWT authorizer read
from ``template.yaml``. Stop it with :meth:`LocalDashboard.stop`.

:func:`serve_until_stopped` is how ``make demo`` ends and what ``make
dashboard`` does: it prints the address and the sign-in, exactly three
lines, and serves until Ctrl-C (or SIGTERM), which stops the server, frees
the port and returns, so the process exits 0. ``make dashboard`` does not
rerun the demo: it restores the state the last ``make demo`` saved
(:mod:`crypto_advisor.local.demo_state`) into a fresh embedded AWS, and on
Ctrl-C saves it again, so what was changed in the dashboard (mutes, settings,
series) is there the next time; without a saved state it says to run ``make
demo`` first and exits 2. ``make bench-api`` runs the demo's pipeline
and then times every read route over HTTP instead (:func:`api_latencies`:
sign-in, the authorizer's check, the handler, the stores), writing the
figures to ``.local/dashboard/api-latency.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import secrets
import signal
import statistics
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto_advisor.adapters.config_source import load_watchlist
from crypto_advisor.local.demo_state import NoDemoState, read_manifest, restore, save_changes
from crypto_advisor.local.http_api import LocalHttpApi
from crypto_advisor.local.market import simulated_sources
from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.stack import EmbeddedAws, Stack

API = "DashboardHttpApi"
DEFAULT_PORT = 8765
#: The web app's built page (``make web``); the first-render benchmark needs it.
STATIC_INDEX = Path(__file__).resolve().parents[3] / "functions" / "dashboard" / "static" / "index.html"
#: The series page the benchmark sizes (the demo's first series).
BENCH_SERIES = "kraken:BTC-USD:1h"
#: The stack's default recipient locally (local/stack.py LOCAL_PARAMETERS), and so its default dashboard user.
DEFAULT_USER = "trader@example.com"


@dataclass
class LocalDashboard:
    api: LocalHttpApi
    user: str
    password: str

    @property
    def url(self) -> str:
        return self.api.url

    def stop(self) -> None:
        self.api.stop()

    def lines(self) -> list[str]:
        """What ``make demo`` and ``make dashboard`` print, exactly so."""
        return [f"dashboard: {self.url}", f"user: {self.user}", f"password: {self.password}"]


def add_user(runtime: LocalRuntime, email: str, password: str | None = None) -> str:
    """A confirmed user of the stack's user pool with a permanent ``password`` (a fresh one when None).

    The stack's own users (``DashboardUsers``, the recipients by default) already exist with the temporary
    password Cognito would have emailed; setting a permanent one lets a local run sign in without an inbox.
    """
    cognito = runtime.stack.aws.client("cognito-idp")
    pool_id = runtime.stack.outputs["DashboardUserPoolId"]
    password = password or f"Local-{secrets.token_urlsafe(12)}-9a"
    # A user of DashboardUsers (the stack's custom resource made it) exists already: it gets the password.
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    return password


def start_dashboard(
    runtime: LocalRuntime,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    user: str = DEFAULT_USER,
    sources: Mapping[str, Any] | None = None,
) -> LocalDashboard:
    """Serve the stack's dashboard on ``host:port`` (0: any free port) with ``user`` able to sign in.

    ``sources`` are the market sources Settings asks whether they list a new series (the demo's simulated market).
    """
    password = add_user(runtime, user)
    collaborators = {"sources": sources} if sources is not None else None
    api = LocalHttpApi(runtime, API, host=host, port=port, collaborators=collaborators)
    return LocalDashboard(api.start(), user, password)


def api_latencies(dashboard: LocalDashboard, runtime: LocalRuntime, rounds: int) -> dict[str, dict[str, float]]:
    """Median and p95 (ms) of each read route, ``rounds`` calls each, over HTTP with a signed-in user's token."""

    def call(path: str, body: bytes | None = None, token: str | None = None) -> bytes:
        request = urllib.request.Request(dashboard.url + path, data=body, method="POST" if body else "GET")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - the local dashboard
            return bytes(answer.read())

    sign_in = json.dumps({"email": dashboard.user, "password": dashboard.password}).encode()
    token = json.loads(call("/api/v1/auth/sign-in", sign_in))["access_token"]
    uri = runtime.function_environment("DashboardFunction")["WATCHLIST_URI"]
    watchlist = load_watchlist(uri, s3_client=runtime.stack.aws.client("s3"))
    first = next(iter(watchlist)).series.key
    alerts = json.loads(call("/api/v1/alerts?limit=50", token=token))["alerts"]
    emailed = next((a["id"] for a in alerts if a["status"] == "sent"), None)
    routes = ["/api/v1/overview", f"/api/v1/series/{first}?days=7", "/api/v1/alerts?limit=50"]
    routes += [f"/api/v1/alerts/{emailed}/email"] if emailed else []
    figures = {}
    for route in routes:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            call(route, token=token)
            times.append((time.perf_counter() - started) * 1000)
        first_call = times[0]
        times.sort()
        figures[route] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
            "calls": rounds,
            # the route's first call in this process: what the warm container's read cache had not read yet
            "first_ms": round(first_call, 1),
        }
    return figures


def first_render(dashboard: LocalDashboard, loads: int) -> dict[str, Any] | None:
    """Median and slowest overview first render (navigation start to the series table drawn) in headless Chromium,
    over ``loads`` page loads; None without chromium or without the web app's bundle (``make web``)."""
    from crypto_advisor.local.screenshots import chromium_path, first_render_ms, page_heights

    if chromium_path() is None or not STATIC_INDEX.exists():
        return None
    timings = sorted(first_render_ms(dashboard.url, dashboard.user, dashboard.password, loads=loads))
    return {
        "median_ms": round(statistics.median(timings), 1),
        "slowest_ms": round(timings[-1], 1),
        "loads": loads,
        # the pages' sizes at a phone's and a laptop's width (CSS px), over the same state
        "pages": page_heights(dashboard.url, dashboard.user, dashboard.password, series_key=BENCH_SERIES),
    }


def serve_until_stopped(
    runtime: LocalRuntime,
    *,
    port: int = DEFAULT_PORT,
    sources: Mapping[str, Any] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Serve the dashboard, print its three lines, and return once SIGINT or SIGTERM came (the server stopped).

    ``on_stop`` runs after the server has stopped (``make dashboard`` saves the state again).
    """
    stopped = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stopped.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        dashboard = start_dashboard(runtime, port=port, sources=sources)
        try:
            print("\n" + "\n".join(dashboard.lines()), flush=True)
            print("Ctrl-C stops it.", flush=True)
            stopped.wait()
        finally:
            dashboard.stop()
        print("dashboard stopped", flush=True)
        if on_stop is not None:
            on_stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def serve_saved_state(folder: Path, *, port: int, repo: Path, log_dir: Path | None = None) -> int:
    """``make dashboard``: the last demo's state restored and served until Ctrl-C; 2 when there is none."""
    from crypto_advisor.local.demo import demo_market  # the demo's market: Settings asks it about a new series

    try:
        read_manifest(folder)
    except NoDemoState as error:
        print(f"make dashboard: {error}", file=sys.stderr)
        return 2
    aws = EmbeddedAws().start()
    try:
        stack = restore(aws, folder, repo / "template.yaml")
        print(f"embedded AWS at {aws.endpoint}: stack {stack.name} restored from the demo state in {folder}")
        runtime = LocalRuntime(stack, repo_root=repo, log_dir=log_dir)
        serve_until_stopped(
            runtime,
            port=port,
            sources=simulated_sources(demo_market()),
            on_stop=lambda: save_again(stack, folder),
        )
    finally:
        aws.stop()
    return 0


def save_again(stack: Stack, folder: Path) -> None:
    """After Ctrl-C: what the dashboard can change (settings, mutes, the watchlist) saved again over the state, so it
    is there next time (a further Ctrl-C is ignored until it is written; the previous state stays whole until then)."""
    print(f"saving the dashboard's changes in {folder} for the next make dashboard ...", flush=True)
    print(save_changes(stack, folder).line(), flush=True)


def main() -> None:
    from crypto_advisor.local.demo import REPO, demo_market, run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--out", type=Path, default=REPO / ".local" / "dashboard")
    parser.add_argument("--watchlist", type=Path, default=REPO / "config" / "demo-watchlist.yaml")
    parser.add_argument("--bench", type=int, default=0, help="time each read route this many times, then stop")
    parser.add_argument("--loads", type=int, default=7, help="with --bench: overview page loads timed in Chromium")
    parser.add_argument(
        "--state", type=Path, default=REPO / ".local" / "demo" / "state", help="the demo state make demo saved"
    )
    args = parser.parse_args()
    if not args.bench:
        raise SystemExit(serve_saved_state(args.state, port=args.port, repo=REPO, log_dir=args.out / "logs"))

    def serve(runtime: LocalRuntime) -> None:
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        dashboard = start_dashboard(runtime, port=args.port, sources=simulated_sources(demo_market()))
        if args.bench:
            try:
                figures: dict[str, Any] = api_latencies(dashboard, runtime, args.bench)
                render = first_render(dashboard, args.loads)
            finally:
                dashboard.stop()
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "api-latency.json").write_text(
                json.dumps({**figures, "overview_first_render": render}, indent=2)
            )
            print(f"\nAPI latency over the demo's state, {args.bench} calls per route (HTTP, JWT check, handler):")
            for route, f in figures.items():
                print(
                    f"  {route:<60} median {f['median_ms']:>7.1f} ms   p95 {f['p95_ms']:>7.1f} ms"
                    f"   first call {f['first_ms']:>7.1f} ms"
                )
            if render is None:
                print("overview first render: skipped (no chromium, or no web bundle: make web)")
            else:
                print(
                    f"overview first render (headless Chromium, navigation start to the series table, {args.loads}"
                    f" loads): median {render['median_ms']:.0f} ms, slowest {render['slowest_ms']:.0f} ms"
                )
                for name, size in render["pages"].items():
                    print(f"  {name:<18} {size['height']:>6} px tall, {size['width']:>5} px wide")
            return

    run(args.out, args.watchlist, keep=serve)


if __name__ == "__main__":
    main()
