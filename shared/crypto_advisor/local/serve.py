"""``make embedded-aws``: the embedded AWS with the stack in it, kept running for ``sam local invoke``.

``make demo`` starts the embedded AWS, runs the pipeline in-process and stops
it. This keeps it running instead, on a fixed port, with the stack created
from ``template.yaml`` with its default parameters (the bundled watchlist, as
a fresh deployment), and the sender verified in its SES: ``make env-json``
then points ``sam local invoke`` at it, and functions run in SAM's containers
write to the same tables, bucket and stream a test or ``aws --endpoint-url``
can read. It writes where it listens to :data:`~crypto_advisor.local.env_json.STATE_FILE`
and removes it on Ctrl-C.

A container reaches it as ``host.docker.internal``. Docker Desktop forwards
that name to the host's loopback; on Linux the name needs
``--add-host host.docker.internal:host-gateway`` and the server must listen
on the Docker bridge as well: ``HOST=0.0.0.0`` (every interface, so anyone
on your network can reach an AWS emulator without credentials while it runs).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from crypto_advisor.local.env_json import STATE_FILE, EmbeddedState
from crypto_advisor.local.outbox import verify_sender
from crypto_advisor.local.stack import REGION, EmbeddedAws, deploy

REPO = Path(__file__).resolve().parents[3]
DEFAULT_PORT = 4599


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1", help="listen address; 0.0.0.0 for Docker on Linux")
    parser.add_argument("--stack", default="crypto-advisor")
    parser.add_argument("--state", type=Path, default=STATE_FILE)
    args = parser.parse_args(argv)

    aws = EmbeddedAws(port=args.port, host=args.host).start()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        stack = deploy(aws, REPO / "template.yaml", name=args.stack)
        sender = verify_sender(stack)
        EmbeddedState(endpoint=aws.endpoint, port=args.port, stack=stack.name).write(args.state)
        print(f"embedded AWS at {aws.endpoint} (listening on {args.host}): stack {stack.name} from template.yaml")
        for key in ("ArchiveBucketName", "CandlesTableName", "CandleStreamName", "SignalsTableName"):
            print(f"  {key:<20} {stack.outputs[key]}")
        print(f"  SES sender           {sender} (verified)")
        print(f"state in {args.state}; now, in another terminal:")
        print("  make env-json")
        print(
            f"  sam build && sam local invoke IngestFunction -e events/ingest-schedule.json --env-vars env.json "
            f"--region {REGION}   # on Linux also: --add-host host.docker.internal:host-gateway (and HOST=0.0.0.0)"
        )
        print(
            f"  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region {REGION} "
            f"--endpoint-url {aws.endpoint} dynamodb scan --table-name {stack.outputs['CandlesTableName']}"
        )
        print("Ctrl-C stops it (everything in it is lost).")
        stopped.wait()
    finally:
        args.state.unlink(missing_ok=True)
        aws.stop()


if __name__ == "__main__":
    main()
