"""Words that never make a theme keyword: English function words plus course-evaluation filler.

The domain list holds the words nearly every course comment uses whatever it is about (who
teaches, what the unit is called, time words, filler verbs), so a theme named by them says
nothing. ``lecture``/``lectures``, ``exam``, ``homework`` and the like are NOT stop words: they
name what a comment is about, and c-TF-IDF already lowers a word that every theme shares.
Nor are words of praise or blame ("great", "worst"): a theme of short general praise is a
real theme, and without them its keywords cover fewer of its comments (measured on 4,312
student and professor reviews: mean keyword coverage 0.59-0.60 instead of 0.63-0.64, and
3 more themes dissolved as unnameable).
Negations are kept for pairs ("not clear"): see terms.py.
"""

from __future__ import annotations

from functools import cache

from pipeline.errors import MissingDependencyError

NO_SCIKIT_LEARN = (
    "themes need scikit-learn, which is not installed: pip install 'scikit-learn>=1.4'"
)
"""Why a job has no themes where scikit-learn is missing (a core dependency: an install that
left it out, or removed it), said in one line rather than a traceback."""

_DOMAIN = (
    "course", "courses", "class", "classes", "module", "modules", "subject", "subjects", "unit",
    "units", "professor", "professors", "prof", "profs", "teacher", "teachers", "lecturer",
    "lecturers", "instructor", "instructors", "sir", "madam", "miss", "mr", "mrs", "ms", "dr",
    "doctor", "tutor", "guy", "guys", "man", "men", "lady", "woman", "women", "person", "people",
    "everyone", "anyone", "someone", "student", "students", "university", "college", "school",
    "semester", "semesters", "term", "terms", "year", "years", "really", "just", "also", "lot",
    "lots", "bit", "pretty", "quite", "thing", "things", "way", "stuff", "actually", "definitely",
    "make", "makes", "made", "making", "get", "gets", "got", "getting", "take", "takes", "took",
    "taking", "know", "knows", "knew", "think", "thought", "say", "says", "said", "go", "goes",
    "going", "went", "come", "comes", "came", "want", "wants", "wanted", "need", "needs",
    "needed", "use", "used", "using", "let", "lets", "did", "does", "doing", "ll", "ve", "re",
    "im", "ive", "id", "youre", "thats", "theres", "overall", "etc", "ok", "okay", "yes", "yeah",
    "especially", "honestly", "super", "basically", "literally", "totally", "extremely", "truly",
    "seriously", "absolutely", "incredibly", "generally", "usually", "simply",
)  # fmt: skip
DOMAIN_STOP_WORDS = frozenset(_DOMAIN)
"""Course-evaluation filler (documented in the themes docs); extends scikit-learn's list."""
PLACEHOLDER_WORDS = frozenset(
    ("na", "nil", "nan", "null", "nah", "nope", "idk", "ditto", "xx", "xxx", "tbd")
)
"""Words that stand in for no answer ("na, the exam was ok"): no theme is about them. "n/a"
is two one-letter words, dropped anyway; "none" is a negation, never a term alone."""

NEGATIONS = frozenset(("no", "not", "never", "nothing", "none", "nor"))
"""Kept as the first word of a pair ("not clear", "no feedback"), never alone."""
_CONTRACTED = (
    "cannot", "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "werent", "cant", "wont",
    "wouldnt", "couldnt", "shouldnt", "hasnt", "havent", "hadnt", "don", "didn", "doesn", "isn",
    "wasn", "aren", "weren", "couldn", "wouldn", "shouldn", "hasn", "haven", "hadn",
)  # fmt: skip
CONTRACTED_NOT = frozenset(_CONTRACTED)
"""Read as "not", like every word ending in "n't" (and "didn" left by a split "didn't")."""


@cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English list (318 words), ``DOMAIN_STOP_WORDS`` and
    ``PLACEHOLDER_WORDS``, less negations."""
    try:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    except ImportError as exc:
        raise MissingDependencyError(NO_SCIKIT_LEARN) from exc

    listed = frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS | PLACEHOLDER_WORDS
    return listed - NEGATIONS - CONTRACTED_NOT
