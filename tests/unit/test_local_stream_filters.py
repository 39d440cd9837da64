"""The local runtime applies an event source mapping's FilterCriteria as Lambda does (the subset it reproduces)."""

from __future__ import annotations

import json

import pytest

from crypto_advisor.local.filters import filter_patterns, passes

INSERT = {"eventName": "INSERT", "dynamodb": {"NewImage": {"healthy": {"BOOL": True}, "rules": {"L": []}}}}
REMOVE = {"eventName": "REMOVE", "dynamodb": {"OldImage": {"healthy": {"BOOL": False}}}}


def mapping(*patterns: dict) -> dict:
    return {"FilterCriteria": {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}}


def test_without_filters_every_record_passes():
    assert passes(filter_patterns({}), REMOVE)


def test_an_equality_pattern_keeps_only_matching_records():
    patterns = filter_patterns(mapping({"eventName": ["INSERT"]}))
    assert passes(patterns, INSERT) and not passes(patterns, REMOVE)


def test_nested_patterns_match_inside_the_record():
    patterns = filter_patterns(mapping({"dynamodb": {"NewImage": {"healthy": {"BOOL": [True]}}}}))
    assert passes(patterns, INSERT) and not passes(patterns, REMOVE)


def test_any_one_of_several_filters_lets_a_record_through():
    patterns = filter_patterns(mapping({"eventName": ["MODIFY"]}, {"eventName": ["REMOVE"]}))
    assert passes(patterns, REMOVE) and not passes(patterns, INSERT)


def test_an_operator_the_runtime_does_not_reproduce_is_refused_not_ignored():
    patterns = filter_patterns(mapping({"eventName": [{"prefix": "INS"}]}))
    with pytest.raises(NotImplementedError, match="prefix"):
        passes(patterns, INSERT)
