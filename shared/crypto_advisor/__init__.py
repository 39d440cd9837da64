"""crypto-advisor: closed-candle ingest, analysis and alerts on AWS.

Layers of the package (a hexagon, see ../DESIGN.md of the project):
``contracts`` (data shapes shared by every function), ``ingest`` (pure logic),
``adapters`` (the only code doing I/O), ``local`` (the embedded AWS and the demo,
never deployed).
"""
