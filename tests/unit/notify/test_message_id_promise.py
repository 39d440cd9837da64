"""Issue 11, item 3: nothing promises that a mail client shows two copies of an alert as one.

A stable Message-ID of our own would let a client merge two copies, but SES
replaces the Message-ID (and the Date) of every message it accepts with its
own (https://docs.aws.amazon.com/ses/latest/dg/header-fields.html): in a real
mailbox the two copies of the one crash window stay two. What the README and
the code say about duplicates must match that.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

#: Ways the old text promised a merge that SES prevents.
PROMISES = re.compile(r"same Message-ID|show them as one|clients? use to merge|clients? (?:show|merge)s? .{0,40}as one")


def texts() -> dict[Path, str]:
    files = [REPO / "README.md", *(REPO / "shared" / "crypto_advisor").rglob("*.py"), *(REPO / "tests").rglob("*.py")]
    return {path: " ".join(path.read_text(encoding="utf-8").split()) for path in files if path != Path(__file__)}


def test_no_text_promises_that_mail_clients_merge_the_copies_of_an_email():
    promising = {
        str(path.relative_to(REPO)): m.group(0) for path, text in texts().items() if (m := PROMISES.search(text))
    }
    assert promising == {}


def test_the_readme_says_what_ses_does_to_the_message_id():
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert "SES replaces every message's Message-ID and Date with its own" in readme
    assert "Mail clients do not merge the two copies" in readme
