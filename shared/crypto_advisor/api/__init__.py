"""The dashboard's HTTP API: Powertools routers, one module per resource, joined in :mod:`.app`."""
