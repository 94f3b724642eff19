"""The report a department can act on: a finished job's label shares with 95 % intervals,
overall and per group, each group against the rest (flagged only beyond the noise), small
groups marked, what the comments are about (aspects per group against the rest, the themes of
each label with quotes), the models' measured accuracy and the method, as HTML or a printable
PDF.

``stats`` (pure statistics) → ``assemble`` (report data from a job's summary) and ``about``
(aspects and themes from the insight summaries) → ``render`` (HTML, PDF); ``job`` reads a
finished job from the backend for the HTTP edges.
"""
