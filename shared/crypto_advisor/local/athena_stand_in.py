"""Athena's stand-in on the embedded AWS: the stack's named queries run by DuckDB over the archive's objects.

moto keeps a Glue catalog and Athena's named queries but runs no SQL. So this
module copies the archive's ``raw/`` objects out of the embedded S3 (their keys
unchanged), declares each Glue table to DuckDB with the columns the template
gives it and the files its ``storage.location.template`` names (every
``${column}`` becomes a glob, the value read back from the key's Hive partition),
and runs a named query after sqlglot has translated it from Athena's dialect
(Trino) to DuckDB's. A key the template does not describe, a column the
objects do not hold, or a query naming a column no table has fails here as it
would fail in Athena. What it cannot show: Athena's own projection limits
(an injected column with no value in the WHERE clause is checked separately,
by :func:`injected_columns_named`).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

#: Glue (Hive) column types -> DuckDB's, for the types the archive's tables use.
_SCALARS = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "double": "DOUBLE", "boolean": "BOOLEAN"}


def duckdb_type(hive: str) -> str:
    """``array<struct<a:string,b:struct<c:int>>>`` -> ``STRUCT(a VARCHAR, b STRUCT(c INTEGER))[]``."""
    hive = hive.strip()
    if hive in _SCALARS:
        return _SCALARS[hive]
    if hive.startswith("array<") and hive.endswith(">"):
        return duckdb_type(hive[6:-1]) + "[]"
    if hive.startswith("struct<") and hive.endswith(">"):
        fields = [f"{name} {duckdb_type(kind)}" for name, kind in _struct_fields(hive[7:-1])]
        return f"STRUCT({', '.join(fields)})"
    raise ValueError(f"no DuckDB type for the Glue type {hive!r}")


def _struct_fields(body: str) -> Iterator[tuple[str, str]]:
    depth, start = 0, 0
    for i, ch in enumerate(body + ","):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            name, _, kind = body[start:i].partition(":")
            yield name, kind
            start = i + 1


@dataclass(frozen=True)
class GlueTable:
    """What Athena reads a table by: its columns, its partition columns and where their values sit in a key."""

    name: str
    columns: tuple[tuple[str, str], ...]
    partitions: tuple[str, ...]
    #: ``storage.location.template`` with the bucket's ``s3://bucket/`` removed
    location: str
    projection: Mapping[str, str]

    @classmethod
    def from_glue(cls, table: Mapping[str, Any]) -> GlueTable:
        params = table["Parameters"]
        template = params["storage.location.template"]
        return cls(
            name=table["Name"],
            columns=tuple((c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]),
            partitions=tuple(p["Name"] for p in table.get("PartitionKeys", [])),
            location=re.sub(r"^s3://[^/]+/", "", template),
            projection={k: v for k, v in params.items() if k.startswith("projection.")},
        )

    def key_pattern(self) -> re.Pattern[str]:
        """A regex matching the object keys this table reads, one named group per partition column."""
        pattern = re.escape(self.location)
        for column in self.partitions:
            pattern = pattern.replace(re.escape("${" + column + "}"), f"(?P<{column}>[^/]+)")
        return re.compile(pattern + r"[^/]+$")

    def partition_values(self, key: str) -> dict[str, str] | None:
        """The partition values a key holds, or None when the table does not read it."""
        match = self.key_pattern().match(key)
        return match.groupdict() if match else None

    def projects(self, values: Mapping[str, str]) -> list[str]:
        """Why Athena's projection would not produce these values (empty: it would)."""
        problems = []
        for column, value in values.items():
            kind = self.projection.get(f"projection.{column}.type")
            if kind == "enum" and value not in self.projection[f"projection.{column}.values"].split(","):
                problems.append(f"{column}={value} is not among the projected values")
            if kind == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                problems.append(f"{column}={value} is not a yyyy-MM-dd date")
            if kind is None:
                problems.append(f"{column} has no projection")
        return problems


def injected_columns_named(table: GlueTable, sql: str) -> list[str]:
    """The injected partition columns a query fails to pin with equality/IN conditions (Athena refuses those)."""
    injected = [c for c in table.partitions if table.projection.get(f"projection.{c}.type") == "injected"]
    tree = sqlglot.parse_one(sql, read="trino")
    pinned = {
        node.this.name
        for node in tree.find_all(sqlglot.exp.EQ, sqlglot.exp.In)
        if isinstance(node.this, sqlglot.exp.Column)
    }
    return [c for c in injected if c not in pinned]


def _lowered(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k).lower(): _lowered(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lowered(v) for v in node]
    return node


def _lower_keys(body: bytes) -> bytes:
    """The object with every JSON key lower-cased: the OpenX SerDe matches keys to columns ignoring case, DuckDB not."""
    lines = gzip.decompress(body).decode().splitlines()
    return gzip.compress("".join(json.dumps(_lowered(json.loads(line))) + "\n" for line in lines if line).encode())


class ArchiveQueries:
    """DuckDB over a local copy of the archive, with one view per Glue table."""

    def __init__(self, root: Path, tables: list[GlueTable]) -> None:
        self.root = root
        self.tables = {t.name: t for t in tables}
        self.db = duckdb.connect()
        for table in tables:
            self._declare(table)

    @classmethod
    def from_stack(cls, aws: Any, outputs: Mapping[str, str], root: Path) -> ArchiveQueries:
        """Copy ``raw/`` out of the stack's archive bucket and declare the stack's Glue tables."""
        s3, glue = aws.client("s3"), aws.client("glue")
        bucket = outputs["ArchiveBucketName"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="raw/"):
            for obj in page.get("Contents", []):
                target = root / obj["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                target.write_bytes(_lower_keys(body) if obj["Key"].endswith(".gz") else body)
        tables = glue.get_tables(DatabaseName=outputs["ArchiveDatabaseName"])["TableList"]
        return cls(root, [GlueTable.from_glue(t) for t in tables])

    def _declare(self, table: GlueTable) -> None:
        glob = table.location
        for column in table.partitions:
            glob = glob.replace("${" + column + "}", f"{column}=*" if f"{column}=" not in glob else "*")
        pattern = f"{self.root}/{glob}*"
        columns = ", ".join(f"'{name}': '{duckdb_type(kind)}'" for name, kind in table.columns)
        if not list(self.root.glob(glob + "*")):
            typed = ", ".join(f"NULL::{duckdb_type(k)} AS {n}" for n, k in table.columns)
            parts = ", ".join(f"NULL::VARCHAR AS {p}" for p in table.partitions)
            self.db.execute(f"CREATE VIEW {table.name} AS SELECT {typed}, {parts} WHERE false")
            return
        self.db.execute(
            f"CREATE VIEW {table.name} AS SELECT * FROM read_json('{pattern}', columns={{{columns}}}, "  # noqa: S608 - our template's names
            "format='newline_delimited', hive_partitioning=true, hive_types_autocast=false)"
        )

    def run(self, athena_sql: str, *, today: date | None = None) -> list[dict[str, Any]]:
        """Run a query written for Athena (Trino SQL); rows as dicts.

        ``today`` stands in for ``current_date`` (the demo's market runs on a simulated clock).
        """
        tree = sqlglot.parse_one(athena_sql, read="trino")
        if today is not None:
            literal = sqlglot.exp.cast(sqlglot.exp.Literal.string(today.isoformat()), "date")
            tree = tree.transform(lambda node: literal.copy() if isinstance(node, sqlglot.exp.CurrentDate) else node)
        duck_sql = tree.sql(dialect="duckdb")
        result = self.db.execute(duck_sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
