"""Local-only tooling: the embedded AWS, the simulated market, the demo. Never deployed."""
