"""The embedded DynamoDB's Query, read by partition: the same answers as moto's whole-table walk gives."""

from __future__ import annotations

import boto3
from boto3.dynamodb.conditions import Attr, Key
from moto import mock_aws
from moto.dynamodb.models.table import Table

from crypto_advisor.local.dynamodb_partitions import dynamodb_queries_by_partition


def test_a_query_answers_its_partitions_items_in_order_with_conditions_pages_and_filters():
    dynamodb_queries_by_partition()
    dynamodb_queries_by_partition()  # twice: patched once
    assert getattr(Table.query, "by_partition", False)
    with mock_aws():
        db = boto3.resource("dynamodb", region_name="us-east-1")
        table = db.create_table(
            TableName="Candles",
            KeySchema=[{"AttributeName": "series", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "series", "AttributeType": "S"},
                {"AttributeName": "ts", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        # Given three partitions of candles, put out of order
        for ts in (5, 1, 4, 2, 3, 0):
            for series in ("b", "a", "c"):
                table.put_item(Item={"series": series, "ts": ts, "close": ts * 10 + ord(series)})
        # Then a Query reads its partition only, in range-key order, both ways
        items = table.query(KeyConditionExpression=Key("series").eq("a"))["Items"]
        assert [(i["series"], i["ts"]) for i in items] == [("a", t) for t in range(6)]
        back = table.query(KeyConditionExpression=Key("series").eq("c"), ScanIndexForward=False)["Items"]
        assert [i["ts"] for i in back] == [5, 4, 3, 2, 1, 0]
        # with a range condition, a limit and its next page, and a filter
        first = table.query(KeyConditionExpression=Key("series").eq("b") & Key("ts").between(1, 4), Limit=3)
        assert [i["ts"] for i in first["Items"]] == [1, 2, 3]
        rest = table.query(
            KeyConditionExpression=Key("series").eq("b") & Key("ts").between(1, 4),
            ExclusiveStartKey=first["LastEvaluatedKey"],
        )
        assert [i["ts"] for i in rest["Items"]] == [4]
        odd = table.query(KeyConditionExpression=Key("series").eq("a"), FilterExpression=Attr("ts").is_in([1, 3]))
        assert [i["ts"] for i in odd["Items"]] == [1, 3]
        # a partition with nothing is empty, and a Scan still walks the whole table, in moto's order
        assert table.query(KeyConditionExpression=Key("series").eq("z"))["Items"] == []
        assert len(table.scan()["Items"]) == 18
        # And a table without a range key answers its one item
        plain = db.create_table(
            TableName="Settings",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        plain.put_item(Item={"pk": "x", "v": 1})
        plain.put_item(Item={"pk": "y", "v": 2})
        assert plain.query(KeyConditionExpression=Key("pk").eq("y"))["Items"] == [{"pk": "y", "v": 2}]
