"""crypto-advisor: closed-candle ingest, analysis and alerts on AWS.

The package is layered, every import pointing down (held by ``make lint``'s
import contracts; the README's "The package map" shows it): ``contracts``
(data shapes, units, errors) and ``market`` (the candle frame and indicators)
at the bottom; the logic (``news``, ``forecast``, ``analysis``, ``ingest``,
``notify``, ``training``), each with its ``ports`` and its ``service``; the
``adapters`` (the only code doing I/O) and ``telemetry``; the composition root
``wiring``; and, never deployed, ``local`` and ``cli``.
"""
