"""Ingest: new closed candles from the sources into the archive, the table and the stream."""
