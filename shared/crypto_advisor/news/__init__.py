"""News: NewsAPI articles per coin, scored with VADER, and the mood the analysis reads.

The modules are kept apart on purpose: :mod:`.mood` is pure arithmetic that
AnalyzeFunction also imports, while :mod:`.scoring` loads VADER, which ships
only in NewsFunction's layer. Nothing here imports the other on package import.
"""
