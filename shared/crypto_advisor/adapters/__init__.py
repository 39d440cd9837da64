"""Adapters: the only code that does I/O. Each turns its library's errors into the project's own."""
