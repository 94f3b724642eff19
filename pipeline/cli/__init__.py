"""The ``sentiment-pipeline`` command line: one module per group of commands."""
