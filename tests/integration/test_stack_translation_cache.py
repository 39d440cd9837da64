"""The embedded stack's template, parsed and translated once per version and parameter set, a fresh copy a deploy."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crypto_advisor.local import stack
from crypto_advisor.local.stack import LOCAL_PARAMETERS, EmbeddedAws, deploy, translated
from tests.conftest import REPO

TEMPLATE = REPO / "template.yaml"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often the template was parsed and translated, counted from an empty cache (emptied again after)."""
    counted: Counter[str] = Counter()
    parse, translate = stack.load_template, stack.to_cloudformation

    def parsing(path: Path) -> dict[str, Any]:
        counted["parse"] += 1
        return parse(path)

    def translating(sam_template: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, Any]:
        counted["translate"] += 1
        return translate(sam_template, parameters)

    monkeypatch.setattr(stack, "load_template", parsing)
    monkeypatch.setattr(stack, "to_cloudformation", translating)
    stack._parsed_template.cache_clear()
    stack._translated_template.cache_clear()
    yield counted
    stack._parsed_template.cache_clear()
    stack._translated_template.cache_clear()


def test_a_template_is_parsed_and_translated_once_per_parameter_set(calls):
    # When three deploys translate the template, two with the same parameters
    first = translated(TEMPLATE, dict(LOCAL_PARAMETERS))
    again = translated(TEMPLATE, dict(reversed(LOCAL_PARAMETERS.items())))
    translated(TEMPLATE, {**LOCAL_PARAMETERS, "IngestInlineSeconds": "0"})
    # Then the template was parsed once and translated once per parameter set, each time as it is uncached
    assert calls == {"parse": 1, "translate": 2}
    assert again == first and again[1] == stack.to_cloudformation(stack.load_template(TEMPLATE), LOCAL_PARAMETERS)


def test_what_one_deploy_changes_in_its_template_no_other_deploy_sees(calls):
    sam_template, cfn = translated(TEMPLATE, dict(LOCAL_PARAMETERS))
    pristine = (stack.load_template(TEMPLATE), stack.to_cloudformation(stack.load_template(TEMPLATE), LOCAL_PARAMETERS))
    # When a deploy takes resources out of its copies (as it takes the secrets, user pools and catalog)
    sam_template["Resources"].clear()
    next(iter(cfn["Resources"].values()))["Properties"] = {"changed": True}
    # Then the next deploy gets the template and translation as they were
    assert translated(TEMPLATE, dict(LOCAL_PARAMETERS)) == pristine


def test_an_edited_template_is_read_again(calls, tmp_path):
    template = tmp_path / "template.yaml"
    shutil.copy(TEMPLATE, template)
    translated(template, dict(LOCAL_PARAMETERS))
    # When the template is edited (its mtime and size change)
    template.write_text(template.read_text().replace("Timeout: 30", "Timeout: 31", 1))
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 1_000_000_000))
    _, cfn = translated(template, dict(LOCAL_PARAMETERS))
    # Then it is parsed and translated again, and the translation is the new template's
    assert calls == {"parse": 2, "translate": 2}
    assert cfn == stack.to_cloudformation(stack.load_template(template), LOCAL_PARAMETERS)


def test_two_stacks_deployed_from_the_cached_template_are_whole(aws: EmbeddedAws):
    # When two stacks are deployed with the same parameters, the second from the cache
    stacks = [deploy(aws, TEMPLATE, name=name) for name in ("cache-first", "cache-second")]
    # Then the second has every output, user pool and secret the first has, its own
    first, second = stacks
    assert set(second.outputs) == set(first.outputs)
    assert second.outputs["DashboardUserPoolId"] != first.outputs["DashboardUserPoolId"]
    assert second.outputs["NewsApiKeySecretArn"] != first.outputs["NewsApiKeySecretArn"]
    assert second.sam_template == first.sam_template and second.sam_template is not first.sam_template
