"""Calls a function's real handler in-process, with the configuration the embedded Lambda API holds for it.

The handler module is loaded from the function's ``CodeUri`` folder (an image
function's: its ``Metadata.Dockerfile`` folder) and called with exactly the
environment CloudFormation gave the function (every ``!Ref`` resolved), plus
``AWS_ENDPOINT_URL`` for the embedded AWS, so the local wiring is the deployed
wiring. Its output goes to one log file per function, as CloudWatch would
keep it, so the console shows the story and the logs stay readable apart.

Beside the logs, each invocation adds one line to ``invocations.jsonl``, what
Lambda's ``REPORT`` line and the bill would say about it: its wall and CPU
time, the function's memory, the records it was given, the bytes it logged, and
the AWS requests it made in billing units (:mod:`.metering`). ``make cost``
reads them.
A separate file, not ``REPORT`` lines in the function's log: that log stays
the handler's own JSON lines, as readers of it expect.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from crypto_advisor.local.metering import Usage, metered
from crypto_advisor.local.stack import ACCOUNT, REGION, Stack

#: One JSON line per invocation, in the log folder (see the module docstring).
INVOCATIONS_FILE = "invocations.jsonl"


@dataclass
class LocalContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """The whole timeout, always: the local runtime does not stop a handler at its timeout (on a shared
        machine it runs slower than Lambda), so a handler's own deadline logic is not exercised here but in
        its unit tests, with a clock of their own."""
        return self.timeout_s * 1000


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``variables`` set for the block, then exactly as before (handlers read it once)."""
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class FunctionInvoker:
    """The functions of the embedded stack, callable by logical id; each handler module is loaded once."""

    def __init__(self, stack: Stack, *, repo_root: Path, log_dir: Path | None = None) -> None:
        self.stack = stack
        self.repo_root = repo_root
        self.log_dir = log_dir
        self._lambda = stack.aws.client("lambda")
        self._modules: dict[str, ModuleType] = {}
        self._configurations: dict[str, dict[str, Any]] = {}

    def configuration(self, logical_id: str) -> dict[str, Any]:
        return self._lambda.get_function_configuration(FunctionName=self.stack.physical_ids[logical_id])

    def function_environment(self, logical_id: str) -> dict[str, str]:
        return _variables(self.configuration(logical_id))

    def invoke(self, logical_id: str, event: dict[str, Any], **collaborators: Any) -> Any:
        """Call the handler as Lambda would; ``collaborators`` are passed through (e.g. ``sources=``).

        The configuration is read at a function's first invocation and kept, as a Lambda instance keeps the
        configuration it started with (nothing local changes a function's configuration once the stack exists):
        read per invocation, it was two requests to the embedded AWS that ``make bench-api`` counted against the
        dashboard's handler, which the Lambda service never makes.
        """
        config = self._configurations.get(logical_id)
        if config is None:
            config = self._configurations[logical_id] = self.configuration(logical_id)
        variables = {
            **_variables(config),
            **self.stack.aws.environment(),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
        }
        context = LocalContext(config["FunctionName"], config.get("MemorySize", 128), config.get("Timeout", 3))
        with environment(variables):
            handler = self._handler(logical_id)  # imported outside the capture: loggers bind stdout at import
            log_start = self._log_size(logical_id)
            started = (time.perf_counter(), time.thread_time(), time.process_time())
            failed = True
            with metered() as usage:
                try:
                    with self._captured_output(logical_id):
                        response = handler(event, context, **collaborators)
                    failed = False
                finally:
                    ended = (time.perf_counter(), time.thread_time(), time.process_time())
                    times_ms = tuple((end - start) * 1000 for start, end in zip(started, ended, strict=True))
                    logged = self._log_size(logical_id) - log_start
                    self._report(logical_id, context, event, times_ms, logged, usage, failed)
            return response

    def _log_size(self, logical_id: str) -> int:
        path = None if self.log_dir is None else self.log_dir / f"{logical_id}.log"
        return path.stat().st_size if path is not None and path.exists() else 0

    def _report(
        self,
        logical_id: str,
        context: LocalContext,
        event: Any,
        times_ms: tuple[float, ...],
        log_bytes: int,
        usage: Usage,
        failed: bool,
    ) -> None:
        """Append the invocation's line to ``invocations.jsonl`` (nothing without a log folder).

        ``times_ms`` holds the wall time, the invoking thread's CPU time and the
        process's: the embedded AWS answers from threads of this process, so the
        wall time includes its work and any other load on the machine; the
        thread's CPU time is the handler's own computing, and the process's adds
        the embedded AWS's and any worker threads a library started.
        """
        if self.log_dir is None:
            return
        records = event.get("Records") if isinstance(event, dict) else None
        line = {
            "function": logical_id,
            "request_id": context.aws_request_id,
            "duration_ms": round(times_ms[0], 3),
            "cpu_ms": round(times_ms[1], 3),
            "process_cpu_ms": round(times_ms[2], 3),
            "memory_mb": context.memory_limit_in_mb,
            "records": len(records) if isinstance(records, list) else None,
            "log_bytes": log_bytes,
            "failed": failed,
            "aws": usage.as_dict(),
        }
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / INVOCATIONS_FILE, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(line) + "\n")

    def _handler(self, logical_id: str) -> Any:
        resource = self.stack.sam_template["Resources"][logical_id]
        props = resource["Properties"]
        module_name, _, attribute = props.get("Handler", "app.lambda_handler").rpartition(".")
        module = self._modules.get(logical_id)
        if module is None:
            # An image function has no CodeUri: its handler sits beside its Dockerfile (which copies it in).
            folder = props.get("CodeUri") or str(Path(resource.get("Metadata", {})["Dockerfile"]).parent)
            path = self.repo_root / folder / f"{module_name.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"local_function_{logical_id}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self._modules[logical_id] = module
        return getattr(module, attribute)

    @contextlib.contextmanager
    def _captured_output(self, logical_id: str) -> Iterator[None]:
        """Function output (structured logs, EMF metrics) goes to a log file per function, as to CloudWatch."""
        if self.log_dir is None:
            yield
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{logical_id}.log", "a", encoding="utf-8") as sink:
            service = os.environ.get("POWERTOOLS_SERVICE_NAME", "crypto-advisor")
            handlers = {id(h): h for h in logging.getLogger(service).handlers if isinstance(h, logging.StreamHandler)}
            streams = [(h, h.setStream(sink)) for h in handlers.values()]
            try:
                with contextlib.redirect_stdout(sink):
                    yield
            finally:
                for handler, previous in streams:
                    if previous is not None:
                        handler.setStream(previous)


def _variables(configuration: Mapping[str, Any]) -> dict[str, str]:
    """A function configuration's environment variables, as strings."""
    variables = configuration.get("Environment", {}).get("Variables", {})
    return {k: str(v) for k, v in variables.items()}
