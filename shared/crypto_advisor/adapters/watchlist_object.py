"""The watchlist as an object the dashboard can rewrite: the S3 object every function reads as ``WATCHLIST_URI``.

The archive bucket is versioned (template.yaml), so a write keeps the previous
watchlist as a noncurrent version: ``aws s3api list-object-versions --bucket
<ArchiveBucketName> --prefix config/watchlist.yaml`` lists them, and the history
of changes names the version before and after each edit. A bundled file
(``file:///opt/config/watchlist.yaml``) is read-only here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.config_source import read_text
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.steering import WatchlistText


class WatchlistObject:
    def __init__(self, uri: str, s3_client: Any) -> None:
        self._uri = uri
        self._s3 = s3_client
        parsed = urlparse(uri)
        self._bucket, self._key = (parsed.netloc, parsed.path.lstrip("/")) if parsed.scheme == "s3" else ("", "")

    @property
    def uri(self) -> str:
        return self._uri

    @property
    def editable(self) -> bool:
        return bool(self._bucket)

    def read(self) -> WatchlistText:
        if not self.editable:
            return WatchlistText(read_text(self._uri), None)
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=self._key)
            return WatchlistText(answer["Body"].read().decode("utf-8"), answer.get("VersionId"))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot read {self._uri}: {exc}") from exc

    def write(self, text: str) -> str | None:
        if not self.editable:
            raise StorageError(f"{self._uri} is bundled with the deployment and cannot be written")
        try:
            answer = self._s3.put_object(
                Bucket=self._bucket, Key=self._key, Body=text.encode("utf-8"), ContentType="application/yaml"
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot write {self._uri}: {exc}") from exc
        return answer.get("VersionId")
