"""The web app's files as DashboardFunction serves them: hashed bundles immutable, the rest revalidated, gzip."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Any

import pytest

from crypto_advisor.api.app import resolver
from crypto_advisor.local.http_api import Route, http_event

SCRIPT = b"export const answer = 42;\n" * 200


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text('<script type="module" src="/static/app-P5KJFTM2.js"></script>')
    (tmp_path / "app-P5KJFTM2.js").write_bytes(SCRIPT)
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return tmp_path


def get(root: Path, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    app = resolver()
    route = Route("GET", "/{proxy+}", "DashboardFunction", None)
    event = http_event(route, {}, method="GET", path=path, query="", headers=headers, body=b"", claims=None)
    app.append_context(static_root=root)
    answer: dict[str, Any] = app.resolve(event, {})
    body = answer.get("body") or ""
    raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    return answer["statusCode"], {k.lower(): v for k, v in answer["headers"].items()}, raw


def test_a_hashed_bundle_is_cached_for_good_and_the_page_is_revalidated(root):
    _, bundle, body = get(root, "/static/app-P5KJFTM2.js")
    _, page, _ = get(root, "/")
    _, icon, _ = get(root, "/static/favicon.svg")
    assert body == SCRIPT
    assert bundle["cache-control"] == "public, max-age=31536000, immutable"
    assert page["cache-control"] == icon["cache-control"] == "no-cache"


def test_an_unchanged_file_is_a_bodiless_304_and_a_changed_one_is_sent_again(root):
    _, first, _ = get(root, "/")
    status, _, body = get(root, "/", **{"If-None-Match": first["etag"]})
    assert (status, body) == (304, b"")
    (root / "index.html").write_text("<p>deployed again</p>")
    status, again, body = get(root, "/", **{"If-None-Match": first["etag"]})
    assert (status, body) == (200, b"<p>deployed again</p>") and again["etag"] != first["etag"]


def test_text_is_gzipped_only_for_a_client_that_accepts_it(root):
    _, plain, body = get(root, "/static/app-P5KJFTM2.js")
    _, zipped, packed = get(root, "/static/app-P5KJFTM2.js", **{"Accept-Encoding": "gzip, deflate, br"})
    assert "content-encoding" not in plain and body == SCRIPT
    assert zipped["content-encoding"] == "gzip" and gzip.decompress(packed) == SCRIPT and len(packed) < len(SCRIPT) / 10


def test_a_path_outside_the_folder_or_not_in_it_is_404(root):
    assert get(root, "/static/../../etc/passwd")[0] == 404
    assert get(root, "/static/missing.js")[0] == 404
