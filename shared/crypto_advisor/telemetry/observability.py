"""Logger and Metrics, created once here and imported by every handler; the traces come from Lambda itself.

Service name, namespace and log level come from the POWERTOOLS_* variables the
template sets.

Tracing is Lambda's active tracing (``Tracing: Active`` in ``template.yaml``),
with no Powertools Tracer and no X-Ray SDK in the functions. With no code in
the function, Lambda sends the trace of every sampled invocation: the service
and function segments with their Initialization (present on a cold start,
with its duration), Invocation and Overhead subsegments, the error flag, and
the link to the trace of the event that triggered it.

What the SDK would add: one subsegment per AWS or HTTP call (DynamoDB, S3,
Kinesis, SES, the exchanges), the ColdStart and Service annotations, and the
handler's response or exception as metadata. What it costs: Powertools'
Tracer imports ``aws_xray_sdk.core`` when it is created, even with tracing
disabled (it resolves its provider first), and that module builds an X-Ray
client, a botocore session with its service models, at import: about 0.5 s of
every cold start of every function (issue 9's measure), plus ``patch_all``
wrapping every supported library in Lambda. These functions run on schedules
and streams where nobody waits for the answer; a failure already shows as a
log line, a metric and a record in a failure destination; and the calls the
SDK would time are a handful per invocation. The trade: the per-call
subsegments go, every cold start gets that half second back, the invocation
trace stays. Should a latency hunt need the calls again, a Tracer created in
that one handler brings them back for that function alone.

The local runtime sets ``POWERTOOLS_TRACE_DISABLED``; with no Tracer it changes
nothing, and nothing in a local run looks for an X-Ray daemon.
"""

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

# Only what an alarm or the dashboard reads is published (telemetry/catalog.py), so most invocations publish
# nothing, which Powertools would warn about on each.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

__all__ = ["MetricUnit", "logger", "metrics"]
