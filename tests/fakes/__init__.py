"""In-memory stand-ins for the ports, one module per logic package, shared by the unit tests.

Each fake subclasses the Protocol it stands in for and is ``@final``, so the
type checker holds its method signatures to the port's and reports a port
method it lacks: a port that changes breaks its fake at check time, not in a
test that happens to call the changed method.
"""
