"""The language of a short comment in another language, told from its words.

The detector (pipeline/model/language.py) judges only texts of at least 15 letters in three
words: below that, a byte n-gram model guesses ("Excellent" is Latin, "Nice" Esperanto). So
"Très bien", "Muy buena clase", "Sehr gut" and "Ótimo professor" went to the English model,
which labelled all four neutral (0.63 to 0.88), and a department's share of neutral comments
grew with its French or Spanish answers.

Such a comment is told here instead, from short lists of the words course-evaluation comments
are made of in Spanish, French, German, Italian, Portuguese and Dutch: a comment is in one of
these languages when every word of it is in that language's list and at least one is *its
own*, not also an English word ("Super", "Top prof", "Excellent" and "No" stay English:
every word is shared). Where the words fit several languages ("Excelente": Spanish and
Portuguese), the one with more of its own words among them is told, then the first of
``LANGUAGES``. benchmarks/language_flags.py measures both error rates (docs/pipeline.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
"""Runs of letters, an apostrophe within one (``c'est``, ``j'ai``) kept: a letter alone
("C", a grade) is no word of these lists."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


SHARED = _words(
    """
    a boa bravo brava bella college cool dank de dire docent e era erg excellent facile
    fantastic genial gusto gut heel horrible in is la legal les lo ma mal male me mega no non
    o ok okay perfect prima prof professor super terrible todo toll top um uma un war was
    """
)
"""Words of these lists that are English words too (or read as such in a course comment):
a comment of these alone stays English."""

OWN: Mapping[str, frozenset[str]] = {
    "es": _words(
        """
        aburrida aburrido bien buen buena bueno clase clases curso difícil dificil el encantó
        es excelente explica fácil facil fue gracias gustó increíble increible
        interesante las los malo mala mejor mucho muy nada pero peor pésima pésimo pesimo
        profe profesor profesora recomiendo una
        """
    ),
    "fr": _words(
        """
        adoré aimé assez beaucoup bien bon bonne c'est cours difficile ennuyeux est et
        excellente génial géniale intéressant intéressante j'ai je l'enseignant le
        mais mauvais mauvaise merci n'est nul nulle parfait parfaite pas professeur
        professeure recommande rien très trop une vraiment à était
        """
    ),
    "de": _words(
        """
        aber alles ausgezeichnet danke dozent dozentin echt empfehlenswert ganz gute guter
        gutes hervorragend interessant ist klasse kurs langweilig leicht nicht nichts richtig
        schlecht schlechte schwer sehr spitze und vielen vorlesung
        """
    ),
    "it": _words(
        """
        bene bravissimo bravissima buona buono consiglio corso difficile grazie
        il interessante lezione lezioni molto niente noiosa noioso ottima ottimo perfetto
        pessima pessimo professore professoressa tutto una è
        """
    ),
    "pt": _words(
        """
        adorei aula aulas bem bom chata chato curso difícil dificil excelente fácil facil
        foi gostei interessante mas melhor muito nada não obrigada obrigado ótima ótimo otima
        otimo pior professora péssima péssimo recomendo ruim tudo é
        """
    ),
    "nl": _words(
        """
        bedankt cursus en geweldig goed goede interessant je leuk maar makkelijk moeilijk
        niet prachtig saai slecht slechte uitstekend zeer
        """
    ),
}
"""Each language's own words: none is an English word."""

LANGUAGES = tuple(OWN)


def short_language(text: str) -> str | None:
    """The language of a short ``text`` all of whose words are a language's (see the module),
    or None: English, or words these lists do not hold."""
    composed = unicodedata.normalize("NFC", text).replace("\u2019", "'")
    words = [word.casefold() for word in _WORD.findall(composed)]
    if not words:
        return None
    best: tuple[int, str] | None = None
    for code in LANGUAGES:
        own = OWN[code]
        if not all(word in own or word in SHARED for word in words):
            continue
        count = sum(word in own for word in words)
        if count and (best is None or count > best[0]):
            best = (count, code)
    return best[1] if best else None
