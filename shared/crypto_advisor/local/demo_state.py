"""The demo's state on disk: ``make demo`` saves it when its pipeline ends, ``make dashboard`` restores it.

The embedded AWS (moto in server mode) lives in the demo's process and dies
with it, so :func:`save` dumps what the dashboard reads, through the AWS APIs
themselves: every item of every DynamoDB table the template declares (the
candles, signals, alert decisions, settings and their history, news,
forecast ledger), every version of every object of its S3 buckets (the
watchlist with its earlier versions, the archive, the models, the replay
figures), and the values of its Secrets Manager secrets (the email link key,
so the links in the demo's outbox still verify). :func:`restore` starts from
an empty embedded AWS, creates the stack from ``template.yaml`` with the
parameters the demo used, and loads all of it back into the tables, buckets
and secrets of the same logical ids. moto's own recorder (``/moto-api/recorder``)
was not used: replaying its requests creates the user pool, the secrets and
the stack's resources under new random ids, which the later requests, which
name the old ones, would miss.

Not kept: the Cognito users (the stack's ``DashboardUsers`` are created again
by its custom resource, and the local user gets a fresh password each time
the dashboard starts), the streams' and queues' records (consumed by the time
the demo ends), and the embedded SES's sent messages (the demo wrote them to
its outbox; the dashboard re-renders an alert's email from the stored signal).

The folder is written whole to a sibling and then renamed over the previous
state, so an interrupted save leaves the last complete one. It is local and
made-up data, but it holds the link key: the files are readable by their owner only.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.local.stack import EmbeddedAws, Stack, deploy

#: Bumped when the layout changes: an older state is refused with what to run.
FORMAT = 1
MANIFEST = "state.json"


class NoDemoState(FileNotFoundError):
    """There is no saved demo state where it was looked for (or it is of another format)."""


@dataclass(frozen=True)
class SavedState:
    """What :func:`save` wrote: counts to print, per logical id."""

    folder: Path
    items: dict[str, int]
    objects: dict[str, int]
    secrets: list[str]

    def line(self) -> str:
        return (
            f"demo state saved in {self.folder}: {sum(self.items.values())} items in {len(self.items)} tables, "
            f"{sum(self.objects.values())} object versions in {len(self.objects)} buckets, "
            f"{len(self.secrets)} secret values"
        )


def _logical_ids(stack: Stack, resource_type: str) -> list[str]:
    return [k for k, r in stack.sam_template["Resources"].items() if r["Type"] == resource_type]


def _secret_name(stack_name: str, logical_id: str) -> str:
    """The name local/stack.py gives a template's secret (it creates them outside moto's CloudFormation)."""
    return f"{stack_name}-{logical_id}"


def _encode(value: Any) -> Any:
    """DynamoDB's low-level JSON, with binary values (bytes from botocore) as ``{"__b64__": ...}``."""
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot save {type(value).__name__}")


def _decode(node: dict[str, Any]) -> Any:
    return base64.b64decode(node["__b64__"]) if set(node) == {"__b64__"} else node


def _private(path: Path) -> Path:
    path.chmod(0o600)
    return path


def save(stack: Stack, folder: Path) -> SavedState:
    """Dump the stack's tables, buckets and secrets into ``folder`` (replacing what was there, atomically)."""
    partial = _fresh_partial(folder)
    dynamodb, s3, secrets = (stack.aws.client(s) for s in ("dynamodb", "s3", "secretsmanager"))
    items = {
        logical_id: _dump_table(dynamodb, stack.physical_ids[logical_id], partial / f"table-{logical_id}.jsonl")
        for logical_id in _logical_ids(stack, "AWS::DynamoDB::Table")
    }
    objects: dict[str, int] = {}
    for logical_id in _logical_ids(stack, "AWS::S3::Bucket"):
        folder_of = partial / f"bucket-{logical_id}"
        folder_of.mkdir(mode=0o700)
        manifest = _dump_versions(
            s3, stack.physical_ids[logical_id], folder_of, _versions_oldest_first(s3, stack.physical_ids[logical_id])
        )
        _write_manifest(folder_of, manifest)
        objects[logical_id] = sum(1 for m in manifest if not m.get("deleted"))
    values: dict[str, str] = {}
    for logical_id in _logical_ids(stack, "AWS::SecretsManager::Secret"):
        try:
            values[logical_id] = secrets.get_secret_value(SecretId=_secret_name(stack.name, logical_id))["SecretString"]
        except secrets.exceptions.ResourceNotFoundException:
            continue  # created without a value (as the template creates it) and never given one
    (partial / "secrets.json").write_text(json.dumps(values))
    _private(partial / "secrets.json")
    (partial / MANIFEST).write_text(
        json.dumps({"format": FORMAT, "stack": stack.name, "parameters": stack.parameters}, indent=2)
    )
    _replace(partial, folder)
    return SavedState(folder, items, objects, sorted(values))


#: What DashboardFunction can change, by its role in template.yaml (its only writes): the settings, mutes and their
#: history, and the watchlist object. ``tests/integration/test_demo_state.py`` holds this to the template.
DASHBOARD_TABLES = ("SettingsTable",)
DASHBOARD_BUCKET = "ArchiveBucket"


def save_changes(stack: Stack, folder: Path) -> SavedState:
    """Save again only what the dashboard can change, over a state :func:`save` wrote (atomically, as it does).

    ``make dashboard`` and ``make demo`` call it on Ctrl-C: the pipeline's tables and the archive do not change
    while only the dashboard runs, so they are carried over as they are (hard links, no copy), and stopping takes
    a few requests instead of a dump of every table.
    """
    read_manifest(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(folder, partial, copy_function=os.link)
    dynamodb, s3 = stack.aws.client("dynamodb"), stack.aws.client("s3")
    items = {}
    for logical_id in DASHBOARD_TABLES:
        path = partial / f"table-{logical_id}.jsonl"
        path.unlink(missing_ok=True)  # a hard link: written anew, not through it
        items[logical_id] = _dump_table(dynamodb, stack.physical_ids[logical_id], path)
    key = stack.parameters.get("WatchlistS3Key", "")
    objects = {}
    if key:
        bucket_folder = partial / f"bucket-{DASHBOARD_BUCKET}"
        kept = [m for m in json.loads((bucket_folder / "manifest.json").read_text()) if m["key"] != key]
        bucket = stack.physical_ids[DASHBOARD_BUCKET]
        versions = (v for v in _versions_oldest_first(s3, bucket, prefix=key) if v["key"] == key)
        first = 1 + max((int(m["file"]) for m in kept if "file" in m), default=-1)
        manifest = kept + _dump_versions(s3, bucket, bucket_folder, versions, first=first)
        (bucket_folder / "manifest.json").unlink()
        _write_manifest(bucket_folder, manifest)
        objects[DASHBOARD_BUCKET] = sum(1 for m in manifest if not m.get("deleted"))
    _replace(partial, folder)
    return SavedState(folder, items, objects, [])


def _fresh_partial(folder: Path) -> Path:
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)
    return partial


def _replace(partial: Path, folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def _dump_table(dynamodb: Any, table: str, path: Path) -> int:
    """Every item of ``table`` into ``path`` as JSON lines; the count."""
    count = 0
    with path.open("w") as out:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                out.write(json.dumps(item, default=_encode) + "\n")
                count += 1
    _private(path)
    return count


def _dump_versions(
    s3: Any, bucket: str, folder_of: Path, versions: Iterator[dict[str, Any]], *, first: int = 0
) -> list[dict[str, Any]]:
    """Each version's body into ``folder_of`` (files numbered from ``first``); their manifest entries, in order."""
    manifest: list[dict[str, Any]] = []
    for index, version in enumerate(versions, start=first):
        if version["deleted"]:
            manifest.append({"key": version["key"], "deleted": True})
            continue
        got = s3.get_object(Bucket=bucket, Key=version["key"], VersionId=version["version"])
        body = folder_of / str(index)
        body.write_bytes(got["Body"].read())
        _private(body)
        manifest.append(
            {
                "key": version["key"],
                "file": str(index),
                "content_type": got.get("ContentType"),
                "metadata": got.get("Metadata") or {},
            }
        )
    return manifest


def _write_manifest(folder_of: Path, manifest: list[dict[str, Any]]) -> None:
    (folder_of / "manifest.json").write_text(json.dumps(manifest))
    _private(folder_of / "manifest.json")


def _versions_oldest_first(s3: Any, bucket: str, prefix: str = "") -> Iterator[dict[str, Any]]:
    """Every version and delete marker of the bucket (under ``prefix``), each key's oldest first (S3 lists the
    newest first)."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry, deleted in [(v, False) for v in page.get("Versions", [])] + [
            (m, True) for m in page.get("DeleteMarkers", [])
        ]:
            by_key.setdefault(entry["Key"], []).append(
                {"key": entry["Key"], "version": entry["VersionId"], "at": entry["LastModified"], "deleted": deleted}
            )
    for versions in by_key.values():
        # equal times (one second's resolution): S3's own order, newest first, reversed
        yield from sorted(reversed(versions), key=lambda v: v["at"])


def read_manifest(folder: Path) -> dict[str, Any]:
    """The saved state's manifest; :class:`NoDemoState` naming what to run when there is none."""
    path = folder / MANIFEST
    if not path.exists():
        raise NoDemoState(f"no demo state in {folder}: run `make demo` first (it saves its state when it ends)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise NoDemoState(f"the demo state in {folder} is of an older format: run `make demo` again")
    return dict(manifest)


def restore(aws: EmbeddedAws, folder: Path, template: Path) -> Stack:
    """The stack created from ``template`` in the embedded AWS ``aws``, with the state in ``folder`` loaded.

    ``aws`` must not hold a stack of the saved name: a fresh process's embedded AWS (moto's backends are per process).
    """
    manifest = read_manifest(folder)
    stack = deploy(aws, template, name=manifest["stack"], parameters=manifest["parameters"])
    verify_sender(stack)
    dynamodb, s3, secrets = (aws.client(s) for s in ("dynamodb", "s3", "secretsmanager"))
    for logical_id in _logical_ids(stack, "AWS::DynamoDB::Table"):
        path = folder / f"table-{logical_id}.jsonl"
        if path.exists():
            with path.open() as lines:
                _load_table(
                    dynamodb, stack.physical_ids[logical_id], (json.loads(x, object_hook=_decode) for x in lines)
                )
    for logical_id in _logical_ids(stack, "AWS::S3::Bucket"):
        saved = folder / f"bucket-{logical_id}"
        if not saved.exists():
            continue
        bucket = stack.physical_ids[logical_id]
        for entry in json.loads((saved / "manifest.json").read_text()):
            if entry.get("deleted"):
                s3.delete_object(Bucket=bucket, Key=entry["key"])
                continue
            extra = {"ContentType": entry["content_type"]} if entry.get("content_type") else {}
            s3.put_object(
                Bucket=bucket,
                Key=entry["key"],
                Body=(saved / entry["file"]).read_bytes(),
                Metadata=entry.get("metadata") or {},
                **extra,
            )
    for logical_id, value in json.loads((folder / "secrets.json").read_text()).items():
        secrets.put_secret_value(SecretId=_secret_name(stack.name, logical_id), SecretString=value)
    return stack


def _load_table(client: Any, table: str, items: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:  # BatchWriteItem's limit
            _write(client, table, batch)
            batch = []
    if batch:
        _write(client, table, batch)


def _write(client: Any, table: str, batch: list[dict[str, Any]]) -> None:
    requests = {table: batch}
    while requests:
        requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
