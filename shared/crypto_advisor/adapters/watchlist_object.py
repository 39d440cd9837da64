"""The watchlist as an object the dashboard can rewrite: the S3 object every function reads as ``WATCHLIST_URI``.

The archive bucket is versioned (template.yaml), so a write keeps the previous
watchlist as a noncurrent version: ``aws s3api list-object-versions --bucket
<ArchiveBucketName> --prefix config/watchlist.yaml`` lists them, and the history
of changes names the version before and after each edit. A write is
conditional on the ETag read (``If-Match``): S3 refuses it with 412 if another
edit wrote the object since, and the edit is made again to what it holds now
(:class:`crypto_advisor.steering.service.Steering`). A bundled file
(``file:///opt/config/watchlist.yaml``) is read-only here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.adapters.config_source import read_text
from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.steering import WatchlistChanged, WatchlistText

#: S3's answers to a conditional write whose object changed: 412 (the ETag differs) and 409 (another conditional
#: write to the key was in flight; AWS says to read the ETag again and retry).
_OVERTAKEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


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
            text = answer["Body"].read().decode("utf-8")
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot read {self._uri}: {exc}") from exc
        return WatchlistText(text, answer.get("VersionId"), answer.get("ETag"))

    def write(self, text: str, *, replacing: WatchlistText) -> str | None:
        """Put ``text`` only if the object still has ``replacing``'s ETag; WatchlistChanged (nothing written) if not."""
        if not self.editable:
            raise StorageError(f"{self._uri} is bundled with the deployment and cannot be written")
        if replacing.etag is None:  # an unconditional put could silently undo another edit: refuse instead
            raise StorageError(f"cannot write {self._uri}: the text to replace was read without its ETag")
        try:
            answer = self._s3.put_object(
                Bucket=self._bucket,
                Key=self._key,
                Body=text.encode("utf-8"),
                ContentType="application/yaml",
                IfMatch=replacing.etag,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _OVERTAKEN:
                raise WatchlistChanged(
                    f"{self._uri} changed since version {replacing.version} was read: {exc}"
                ) from exc
            raise StorageError(f"cannot write {self._uri}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"cannot write {self._uri}: {exc}") from exc
        return answer.get("VersionId")
