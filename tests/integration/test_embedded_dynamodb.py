"""The embedded AWS answers DynamoDB's item reads as AWS does, whatever the attribute types (``local/stack.py``
writes those answers as plain JSON, and leaves what JSON cannot write to moto's own serializer)."""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.types import Binary

ITEM = {
    "pk": "kraken:BTC-USD:1h",
    "ts": 1764590400000,
    "close": Decimal("91300.7"),
    "volume": None,
    "healthy": True,
    "rules": ["rsi_oversold", "volume_spike"],
    "market": {"beta": Decimal("1.2"), "note": "ok", "trends": [{"tf": "4h", "up": False}]},
    "body": '{"json": "as text", "unicode": "ü→€"}',
}


def test_item_reads_return_every_attribute_type_as_written(aws):
    # Given a table holding an item with strings, numbers, NULL, booleans, lists and maps, and one with a binary
    # attribute and sets
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName="reads",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "ts", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    table = aws.resource("dynamodb").Table("reads")
    table.put_item(Item=ITEM)
    other = {"pk": "x", "ts": 1, "blob": Binary(b"\x00\x01"), "tags": {"a", "b"}, "sizes": {Decimal(1), Decimal(2)}}
    table.put_item(Item=other)
    key = {"pk": ITEM["pk"], "ts": ITEM["ts"]}
    # When they are read by every item read
    queried = table.query(
        KeyConditionExpression="pk = :p AND ts >= :t", ExpressionAttributeValues={":p": ITEM["pk"], ":t": 1}
    )
    got = table.get_item(Key=key, ConsistentRead=True)
    scanned = table.scan()
    batch = aws.resource("dynamodb").batch_get_item(RequestItems={"reads": {"Keys": [key, {"pk": "x", "ts": 1}]}})
    # Then each answer holds the items exactly as written
    assert queried["Items"] == [ITEM] and queried["Count"] == 1
    assert got["Item"] == ITEM
    assert sorted(scanned["Items"], key=lambda i: i["pk"]) == [ITEM, other]
    assert sorted(batch["Responses"]["reads"], key=lambda i: i["pk"]) == [ITEM, other]
    # And a page ends with the key to go on from
    page = table.scan(Limit=1)
    [first] = page["Items"]
    assert page["LastEvaluatedKey"] == {"pk": first["pk"], "ts": first["ts"]}
