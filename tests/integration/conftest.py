"""The embedded AWS for integration tests: one moto server per session, one fresh stack per test.

Every stack is created from ``template.yaml`` itself, so a table key, stream or
environment variable that changes in the template changes here too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto_advisor.local.runtime import LocalRuntime
from crypto_advisor.local.stack import EmbeddedAws, Stack, deploy
from tests.conftest import REPO

WATCHLIST_KEY = "config/watchlist.yaml"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def aws() -> Iterator[EmbeddedAws]:
    server = EmbeddedAws().start()
    yield server
    server.stop()


@dataclass
class Deployed:
    aws: EmbeddedAws
    stack: Stack
    runtime: LocalRuntime

    @property
    def bucket(self) -> str:
        return self.stack.outputs["ArchiveBucketName"]

    @property
    def table(self):
        return self.aws.resource("dynamodb").Table(self.stack.outputs["CandlesTableName"])

    @property
    def stream(self) -> str:
        return self.stack.outputs["CandleStreamName"]

    def upload_watchlist(self, text: str) -> None:
        self.aws.client("s3").put_object(Bucket=self.bucket, Key=WATCHLIST_KEY, Body=text.encode())


@pytest.fixture
def deploy_stack(aws: EmbeddedAws, tmp_path: Path):
    """Creates a fresh stack (its own bucket, table, stream) with the watchlist read from the bucket."""

    def create(**parameters: str) -> Deployed:
        name = f"it-{next(_names)}"
        stack = deploy(
            aws, REPO / "template.yaml", name=name, parameters={"WatchlistS3Key": WATCHLIST_KEY, **parameters}
        )
        return Deployed(aws, stack, LocalRuntime(stack, repo_root=REPO, log_dir=tmp_path / "logs"))

    return create


@pytest.fixture
def deployed(deploy_stack) -> Deployed:
    return deploy_stack()
