"""Screening before release: which comments must not reach an instructor as written.

Course-evaluation comments go from the chair to each lecturer, and institutions withhold the
abusive ones, pass the ones that suggest a student in distress or a threat to someone who can
act, and take out what identifies a student (an e-mail, a phone or student number, a
signature). The detectors are pure (``personal``, ``terms``) and read a comment as it is
shown (``shown``: no invisible or look-alike character hides a word); ``screen`` joins them into
one verdict per comment; the report and the ``/flagged`` list read it (docs/pipeline.md).
"""
