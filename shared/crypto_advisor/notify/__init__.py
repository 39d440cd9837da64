"""The alert email: what it says (:mod:`.view`), how it reads (:mod:`.render`), its chart and its MIME form.

Pure logic: no boto3, no clock, no environment. The notifier gathers the
inputs and sends the bytes :func:`.mime.build_message` produces.
"""
