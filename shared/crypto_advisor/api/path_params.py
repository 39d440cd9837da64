"""A path parameter as every route takes it: the text API Gateway hands over, already percent-decoded.

An API Gateway HTTP API (payload 2.0) gives Lambda ``rawPath`` percent-DECODED:
``/alerts/market%231h@1/email`` arrives as ``/alerts/market#1h@1/email`` (live
captures published in hotsock/voker#8, cited by middleapi/standard-server#93).
Powertools matches a route against that ``rawPath`` and passes the
matched segment on as it is, so a parameter is already the text the web app
encoded (``jane%2Balerts@...`` is ``jane+alerts@...``). The local HTTP API
(:mod:`crypto_advisor.local.http_api`) decodes the path the same way.

So nothing is decoded here: a second decoding would change what a user typed
(an address ``100%41@example.com``, sent as ``100%2541@...``, would become
``100A@...``). The type stays the one place to say so, and where a rule for
every path parameter would go: ``key: Annotated[PathText, Path(pattern=...)]``.

What the decoded path means for the parameters: one holding a ``#`` (or any
character outside Powertools' route pattern) matches no route, which is why an
alert id spells a log key's ``#`` as ``:`` (:mod:`crypto_advisor.dashboard.alert_history`).
"""

from __future__ import annotations

#: The type of every path parameter: the text as API Gateway decoded it, validated by the route's own constraints.
PathText = str
