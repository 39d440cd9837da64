"""``make dashboard`` over a saved demo state: the dashboard served in a subprocess, signed in, stopped with Ctrl-C.

A stack in the embedded AWS gets real data (two series ingested, analysed and
decided by the real functions; the watchlist written twice, so its bucket
keeps two versions), its state is saved as ``make demo`` saves it, and
``python -m crypto_advisor.local.dashboard --state ...`` (what ``make
dashboard`` runs, and the same serving code ``make demo`` ends with) restores
it into its own embedded AWS and serves it. The test reads the three lines it
prints, signs in through the API with them (the embedded Cognito's user pool),
compares what the restored dashboard shows with the original, and sends SIGINT.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading

import pytest

from crypto_advisor.local.dashboard import start_dashboard
from crypto_advisor.local.demo_state import DASHBOARD_BUCKET, DASHBOARD_TABLES, read_manifest, save, save_changes
from crypto_advisor.local.stack import EmbeddedAws, free_port
from tests.integration.conftest import REPO, WATCHLIST_KEY
from tests.integration.test_dashboard_api import BTC, ETH, WATCHLIST, Client, seeded_runtime

#: generous: restoring creates the stack and loads every item; a loaded CI runner is slow
STARTUP_S = 600


@pytest.fixture(scope="module")
def saved(aws, tmp_path_factory):
    """The original stack with data, the folder its state was saved in, and what its dashboard showed."""
    # the watchlist written twice: the bucket keeps the earlier version
    runtime = seeded_runtime(aws, "it-state", tmp_path_factory.mktemp("logs"), ("series: []\n", WATCHLIST))
    stack = runtime.stack
    dashboard = start_dashboard(runtime, port=0)
    try:
        shown = _what_the_dashboard_shows(Client(dashboard.url), dashboard.user, dashboard.password)
    finally:
        dashboard.stop()
    folder = tmp_path_factory.mktemp("demo") / "state"
    state = save(stack, folder)
    return stack, folder, state, shown


def _what_the_dashboard_shows(client: Client, user: str, password: str) -> dict:
    status, _, tokens = client.call("POST", "/api/v1/auth/sign-in", {"email": user, "password": password})
    assert status == 200, tokens
    token = tokens["access_token"]
    _, _, overview = client.call("GET", "/api/v1/overview", token=token)
    _, _, alerts = client.call("GET", "/api/v1/alerts?limit=200", token=token)
    return {
        "closes": {row["key"]: row["close"] for row in overview["series"]},
        "alerts": sorted((a["id"], a["status"]) for a in alerts["alerts"]),
    }


class Served:
    """``python -m crypto_advisor.local.dashboard`` in a subprocess; its stdout lines read by a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO / "shared")}
        self.process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "crypto_advisor.local.dashboard", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.errors: list[str] = []
        # both pipes read by threads to their end: communicate() would race the stdout reader for the last lines
        self.readers = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def _read_errors(self) -> None:
        assert self.process.stderr is not None
        self.errors.extend(self.process.stderr)

    def line_starting(self, prefix: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_S)
            except queue.Empty:
                pytest.fail(f"no line starting {prefix!r}; printed: {self.seen}")
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        return self.finish(STARTUP_S)

    def finish(self, timeout: float) -> tuple[int, str]:
        """Its exit code and its whole stderr, once it has ended and both pipes are read."""
        self.process.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=60)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.process.returncode, "".join(self.errors)


def test_make_dashboard_serves_the_saved_state_signs_in_and_stops_cleanly_on_ctrl_c(saved, tmp_path):
    stack, folder, state, shown = saved
    assert state.items["CandlesTable"] > 0 and state.objects["ArchiveBucket"] >= 2
    port = free_port()
    served = Served("--state", str(folder), "--port", str(port), "--out", str(tmp_path))
    try:
        embedded = served.line_starting("embedded AWS at ")
        # Then it prints the three lines, exactly so, one after the other
        first = served.line_starting("dashboard: ")
        user, password = served.lines.get(timeout=60), served.lines.get(timeout=60)
        assert first == f"dashboard: http://127.0.0.1:{port}"
        assert user == "user: trader@example.com"
        assert re.fullmatch(r"password: \S{12,}", password)
        # ... and with them a user signs in through the API (the restored stack's user pool) and sees the same
        # series, closes and alert decisions as the original dashboard showed
        client = Client(first.removeprefix("dashboard: "))
        assert _what_the_dashboard_shows(client, "trader@example.com", password.removeprefix("password: ")) == shown
        assert set(shown["closes"]) == {BTC, ETH} and shown["alerts"]
        # ... the watchlist kept its earlier version, and the email link key is the original's (old links verify)
        restored = EmbeddedAws(port=int(embedded.split(":")[2].split()[0]))
        versions = restored.client("s3").list_object_versions(
            Bucket=_physical(restored, "ArchiveBucket"), Prefix=WATCHLIST_KEY
        )["Versions"]
        assert len(versions) == 2
        original_key = stack.aws.client("secretsmanager").get_secret_value(SecretId="it-state-EmailLinkKey")
        restored_key = restored.client("secretsmanager").get_secret_value(SecretId="it-state-EmailLinkKey")
        assert restored_key["SecretString"] == original_key["SecretString"]
    finally:
        code, stderr = served.stop()
    # Ctrl-C: exit 0, no traceback, the state saved again, and the port free
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert any(line.startswith("demo state saved in ") for line in served.seen), served.seen
    with socket.socket() as sock:
        # as any server binds (the next `make dashboard` too): the closed connections' TIME_WAIT does not count,
        # a listener still there would
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()


def _physical(aws: EmbeddedAws, logical_id: str) -> str:
    resources = aws.client("cloudformation").list_stack_resources(StackName="it-state")["StackResourceSummaries"]
    return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical_id)


def test_make_dashboard_without_a_demo_state_says_to_run_make_demo_first(tmp_path):
    served = Served("--state", str(tmp_path / "nothing"), "--port", str(free_port()), "--out", str(tmp_path))
    code, stderr = served.finish(120)
    assert code == 2
    assert "run `make demo` first" in stderr and str(tmp_path / "nothing") in stderr
    assert "Traceback" not in stderr


def test_ctrl_c_saves_only_what_the_dashboard_can_change_and_keeps_the_rest(saved, tmp_path):
    stack, folder, _, _ = saved
    state = tmp_path / "state"
    shutil.copytree(folder, state)
    candles_before = (state / "table-CandlesTable.jsonl").read_bytes()
    # Given a change the dashboard can make to each: a setting, and a third version of the watchlist
    dynamodb, s3 = stack.aws.client("dynamodb"), stack.aws.client("s3")
    dynamodb.put_item(
        TableName=stack.physical_ids["SettingsTable"],
        Item={"pk": {"S": "test#saved-again"}, "sk": {"S": "change"}, "note": {"S": "made in the dashboard"}},
    )
    s3.put_object(Bucket=stack.outputs["ArchiveBucketName"], Key=WATCHLIST_KEY, Body=WATCHLIST.encode() + b"# 3\n")
    # When Ctrl-C saves the changes
    again = save_changes(stack, state)
    # Then the setting and the new watchlist version are in the state, the earlier versions still in order
    assert "test#saved-again" in (state / "table-SettingsTable.jsonl").read_text()
    manifest = json.loads((state / "bucket-ArchiveBucket" / "manifest.json").read_text())
    watchlists = [
        (state / "bucket-ArchiveBucket" / m["file"]).read_bytes() for m in manifest if m["key"] == WATCHLIST_KEY
    ]
    assert watchlists == [b"series: []\n", WATCHLIST.encode(), WATCHLIST.encode() + b"# 3\n"]
    # ... every other object and table as saved before (the archive's other keys, the candles), and the manifest valid
    assert {m["key"] for m in manifest} == {m["key"] for m in _manifest(folder)} | {WATCHLIST_KEY}
    assert (state / "table-CandlesTable.jsonl").read_bytes() == candles_before
    assert read_manifest(state)["stack"] == stack.name and again.items == {
        "SettingsTable": again.items["SettingsTable"]
    }


def _manifest(folder):
    return json.loads((folder / "bucket-ArchiveBucket" / "manifest.json").read_text())


def test_what_ctrl_c_saves_is_everything_the_dashboards_role_may_write(saved):
    # Given DashboardFunction's role as the template gives it
    stack = saved[0]
    policies = stack.sam_template["Resources"]["DashboardFunction"]["Properties"]["Policies"]
    writes = (
        "PutItem",
        "DeleteItem",
        "UpdateItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "PutObject",
        "DeleteObject",
    )
    # Then its writes name only the tables and the bucket save_changes saves again (a new write must be saved too)
    statements = [s for p in policies if isinstance(p, dict) for s in _statements(p)]
    written = [json.dumps(s["Resource"]) for s in statements if any(w in json.dumps(s.get("Action")) for w in writes)]
    assert written and all(any(t in w for t in (*DASHBOARD_TABLES, DASHBOARD_BUCKET)) for w in written), written


def _statements(node):
    """Every IAM statement in a policy document, through the template's Fn::If branches."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            yield node
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)
