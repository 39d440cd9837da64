"""The daily digest: one email a day per recipient, every watched series in one table.

:mod:`.due` says when a digest is due (the watchlist's local time in its time
zone); :mod:`.service` gathers the day and sends it once per (local day,
recipient); :mod:`.content` words it, :mod:`.text`, :mod:`.html` and
:mod:`.chart` lay it out, :mod:`.render` puts them together.
"""
