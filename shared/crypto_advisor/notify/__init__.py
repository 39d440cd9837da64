"""The alert email and its notifier.

What the email says (:mod:`.view`), how it reads (:mod:`.render`), its chart
and its MIME form, and whether a signal gets one (:mod:`.policy`) are pure
logic: no boto3, no clock, no environment. :mod:`.service` is the use case
(decide, record, send) over ports; :mod:`.wiring` builds the AWS adapters for
NotifyFunction.
"""
