"""Issue 11, item 17: data a user cannot rebuild outlives the stack, and the archive can be copied elsewhere.

Kraken serves 720 candles and NewsAPI a month: the archive's raw/ cannot be fetched again, nor can the alert
decisions (Notifications) or the graded predictions (Ledger). Read from the translated template.
"""

from __future__ import annotations

import re

import pytest

from tests.unit.operations.conftest import translate

REPLICA = "arn:aws:s3:::my-archive-copy-eu-west-1"


@pytest.mark.parametrize("resource", ["ArchiveBucket", "NotificationsTable", "LedgerTable"])
def test_what_cannot_be_rebuilt_is_retained_on_delete_and_on_replacement(resources, resource):
    assert resources[resource]["DeletionPolicy"] == "Retain"
    assert resources[resource]["UpdateReplacePolicy"] == "Retain"


def test_the_archives_replication_skip_no_longer_claims_it_can_be_rebuilt(resources):
    [skip] = [s for s in resources["ArchiveBucket"]["Metadata"]["checkov"]["skip"] if s["id"] == "CKV_AWS_144"]
    reason = skip["comment"]
    assert "rebuildable" not in reason and "cannot be rebuilt" in reason
    assert "ArchiveReplicaBucketArn" in reason  # the option it points to exists (next tests)


def test_by_default_nothing_is_replicated(resources):
    assert resources["ArchiveBucket"]["Properties"]["ReplicationConfiguration"]["Fn::If"][0] == "HasArchiveReplica"
    assert resources["ArchiveReplicationRole"]["Condition"] == "HasArchiveReplica"
    assert resources["ArchiveReplicationPolicy"]["Condition"] == "HasArchiveReplica"


def test_a_replica_bucket_receives_everything_under_raw():
    # Given a deploy naming a replica bucket
    cfn = translate(ArchiveReplicaBucketArn=REPLICA)
    condition, replication, _ = cfn["Resources"]["ArchiveBucket"]["Properties"]["ReplicationConfiguration"]["Fn::If"]
    # Then the condition holds for it and raw/ goes to that bucket, with a role S3 assumes
    assert cfn["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ArchiveReplicaBucketArn"}, ""]}]}
    [rule] = replication["Rules"]
    assert rule["Status"] == "Enabled" and rule["Filter"] == {"Prefix": "raw/"}
    assert rule["Destination"]["Bucket"] == {"Ref": "ArchiveReplicaBucketArn"}
    assert replication["Role"] == {"Fn::GetAtt": ["ArchiveReplicationRole", "Arn"]}
    trust = cfn["Resources"]["ArchiveReplicationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "s3.amazonaws.com"}
    policy = cfn["Resources"]["ArchiveReplicationPolicy"]["Properties"]
    actions = {a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"]}
    assert {"s3:GetObjectVersionForReplication", "s3:ReplicateObject"} <= actions
    assert policy["RoleName"] == {"Ref": "ArchiveReplicationRole"}


def test_the_replica_parameter_accepts_a_bucket_arn_or_nothing(cfn):
    pattern = re.compile(cfn["Parameters"]["ArchiveReplicaBucketArn"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch(REPLICA)
    assert not pattern.fullmatch("my-archive-copy") and not pattern.fullmatch("arn:aws:s3:::b/raw")
