"""The template read without the local stack: short forms as CloudFormation's long forms, and the environment the
Globals give every function as Lambda gets it (what the benchmarks' interpreters set)."""

from __future__ import annotations

from pathlib import Path

from crypto_advisor.local.template_yaml import global_environment, load_template
from tests.conftest import REPO

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables:
        NAME: crypto-advisor
        LEVEL: !Ref LogLevel
        CHOSEN: !If [IsProd, a, b]
        ENDPOINT: ""
        RETRIES: 3
        RATIO: 0.5
        ENABLED: true
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-archive"
"""


def test_short_forms_read_as_long_forms(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        TEMPLATE + "  Alias:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Value: !GetAtt Bucket.Arn\n"
    )
    resources = load_template(path)["Resources"]
    assert resources["Bucket"]["Properties"]["BucketName"] == {"Fn::Sub": "${AWS::StackName}-archive"}
    assert resources["Alias"]["Properties"]["Value"] == {"Fn::GetAtt": ["Bucket", "Arn"]}
    assert load_template(path)["Globals"]["Function"]["Environment"]["Variables"]["LEVEL"] == {"Ref": "LogLevel"}


def test_literal_values_are_kept_as_text_and_computed_or_empty_ones_left_out(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    assert global_environment(path) == {"NAME": "crypto-advisor", "RETRIES": "3", "RATIO": "0.5", "ENABLED": "true"}


def test_the_projects_template_gives_every_function_powertools_names_and_no_pydantic_plugins() -> None:
    env = global_environment(REPO / "template.yaml")
    assert env["POWERTOOLS_SERVICE_NAME"] == "crypto-advisor"
    assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert "POWERTOOLS_LOG_LEVEL" not in env  # a parameter: CloudFormation's to fill
