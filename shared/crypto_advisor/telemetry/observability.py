"""Logger, Metrics and Tracer, created once here and imported by every handler.

Service name, namespace and log level come from the POWERTOOLS_* variables the
template sets; locally the runtime disables tracing (no X-Ray daemon).
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()
tracer = Tracer()

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]
