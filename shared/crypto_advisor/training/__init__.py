"""TrainFunction's use case: the daily refit of the forecast models and the rule replay figures.

:mod:`.run` is the logic over ports, :mod:`.wiring` builds the real ports,
:mod:`.telemetry` turns a report into logs and metrics, :mod:`.cli` is
``make train``.
"""
