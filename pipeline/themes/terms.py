"""A comment → the 1-2-word terms that may name its theme (keywords and coverage share this).

Personal details are blanked first (``pipeline.release.personal``: an e-mail address, a phone,
the writer's own name are no theme's keywords), emoji spelled out as the model reads them
("😴" → "sleeping face"), then: words of
letters, lower-cased (digits, codes like CHEM110 and punctuation dropped), possessive ``'s``
cut, stop words removed; every remaining word is a term, and so is every pair of words
adjacent AFTER the removal ("the exams were unfair" → exams, unfair, "exams unfair"), as
BERTopic's default CountVectorizer does. Two changes to that:

- negations stay ("no", "not", "never"; "n't", "cannot", "dont" → "not"), but only as the
  first word of a pair: "lectures were not clear" gives "not clear", where dropping "not"
  would give the opposite "lectures clear";
- a term's key folds a plural "s" ("exams" and "exam" are one term); it is shown in the form
  most comments use (``surface``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.model.textprep import prepare_text
from pipeline.release.personal import without_personal_details
from pipeline.themes.stopwords import CONTRACTED_NOT, NEGATIONS, stop_words

_WORD = re.compile(r"\b[^\W\d_]+(?:'[^\W\d_]+)*\b")
MIN_WORD_CHARS = 2
_NEGATION = {word: word for word in NEGATIONS} | dict.fromkeys(CONTRACTED_NOT, "not")


@lru_cache(maxsize=65536)
def fold_plural(word: str) -> str:
    """A crude singular, to count "exam" and "exams" as one term."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The content words and negations of ``text``, in order, as written (lower-cased); none
    from a personal detail (an e-mail address, a phone, the writer's own name), so a theme's
    keywords never spell one out."""
    stops = stop_words()
    kept = []
    plain = prepare_text(without_personal_details(text))
    for token in _WORD.findall(plain.lower().replace("\\'", "'")):
        if "'" in token:
            if token.endswith("n't"):
                token = "not"
            elif token.endswith("'s"):
                token = token[:-2]
            else:
                continue
        negation = _NEGATION.get(token)
        if negation is not None:
            kept.append(negation)
        elif len(token) >= MIN_WORD_CHARS and token not in stops:
            kept.append(token)
    return kept


def surface_terms(text: str) -> list[tuple[str, str]]:
    """(key, as written) of every term: single words, then pairs; repeats kept."""
    written = words(text)
    keys = [fold_plural(word) for word in written]
    found = [(key, word) for key, word in zip(keys, written, strict=True) if word not in NEGATIONS]
    found += [
        (f"{keys[i]} {keys[i + 1]}", f"{written[i]} {written[i + 1]}")
        for i in range(len(written) - 1)
        if written[i + 1] not in NEGATIONS
    ]
    return found


def terms(text: str) -> list[str]:
    """The term keys of ``text`` (what keywords and coverage compare)."""
    return [key for key, _ in surface_terms(text)]
