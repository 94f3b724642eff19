"""Screening before release reads a comment as it is shown: an invisible character, a
look-alike letter or a right-to-left override inside a word hides nothing that the report would
print as the plain word, and what is found still points into the comment as written."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest

from pipeline.release import shown
from pipeline.release.kinds import Kind
from pipeline.release.personal import without_personal_details
from pipeline.release.roster import Roster
from pipeline.release.screen import ReleaseScreen, personal_words
from pipeline.release.shown import views
from pipeline.settings import Settings

ZWSP, SHY, WJ, ZWJ, RLO, PDF = "\u200b", "\u00ad", "\u2060", "\u200d", "\u202e", "\u202c"
LRE = "\u202a"


@pytest.fixture(scope="module")
def screen() -> ReleaseScreen:
    return ReleaseScreen.from_settings(Settings())


DISGUISED = [
    (f"this professor is a fu{ZWSP}cking idiot", Kind.ABUSIVE, f"fu{ZWSP}cking"),
    (f"this professor is a f{SHY}ucking idiot", Kind.ABUSIVE, f"f{SHY}ucking"),
    (f"what a s{WJ}h{ZWJ}i{ZWSP}t course", Kind.ABUSIVE, f"s{WJ}h{ZWJ}i{ZWSP}t"),
    ("ｆｕｃｋｉｎｇ idiot", Kind.ABUSIVE, "ｆｕｃｋｉｎｇ"),
    ("a 𝐟𝐮𝐜𝐤𝐢𝐧𝐠 joke of a class", Kind.ABUSIVE, "𝐟𝐮𝐜𝐤𝐢𝐧𝐠"),
    ("this course is bull\u0455hit", Kind.ABUSIVE, "bull\u0455hit"),  # Cyrillic dze
    (f"this professor is a {RLO}gnikcuf{PDF} idiot", Kind.ABUSIVE, "gnikcuf"),
    ("I will kill him", Kind.THREAT, "I will kill him"),
    (f"I will k{ZWSP}ill him", Kind.THREAT, f"I will k{ZWSP}ill him"),
    ("I will\u00a0kill him", Kind.THREAT, "I will\u00a0kill him"),
    ("I will k\u0456ll him", Kind.THREAT, "I will k\u0456ll him"),  # Cyrillic i
    (f"{RLO}mih llik lliw I{PDF} and laugh", Kind.THREAT, "mih llik lliw I"),
    (f"I want to d{ZWSP}ie", Kind.DISTRESS, f"I want to d{ZWSP}ie"),
    ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", Kind.DISTRESS, "ｉ ｗａｎｔ ｔｏ ｄｉｅ"),
]


@pytest.mark.parametrize(("text", "kind", "written"), DISGUISED)
def test_a_word_shown_as_a_listed_one_is_found_where_it_is_written(
    screen: ReleaseScreen, text: str, kind: Kind, written: str
) -> None:
    verdict = screen.check(text)
    assert verdict.kinds == (kind,)
    assert verdict.withheld
    assert verdict.found(kind) == (written,)


def test_only_the_kinds_asked_for_read_the_text_as_shown_too(screen: ReleaseScreen) -> None:
    assert screen.check(f"I will k{ZWSP}ill him", {Kind.THREAT}).kinds == (Kind.THREAT,)
    assert not screen.check(f"fu{ZWSP}ck", {Kind.THREAT, Kind.DISTRESS}).flagged


def test_an_override_runs_to_its_pop_or_the_end_of_its_line(screen: ReleaseScreen) -> None:
    to_line_end = screen.check(f"fine teacher {RLO}tihs\nreally")
    assert to_line_end.found(Kind.ABUSIVE) == ("tihs",)
    to_text_end = screen.check(f"the labs were {RLO}tihs")
    assert to_text_end.found(Kind.ABUSIVE) == ("tihs",)


def test_a_nest_is_read_as_its_outermost_override_shows_it(screen: ReleaseScreen) -> None:
    nested = f"ok {LRE * 3}{RLO}ti{LRE}hs{PDF}{PDF}{PDF * 3} ok"
    assert screen.check(nested).found(Kind.ABUSIVE) == (f"ti{LRE}hs",)


def test_an_override_hides_nothing_written_inside_it(screen: ReleaseScreen) -> None:
    # The HTML, the CSV, a copy and a screen reader hold the text in the order written.
    verdict = screen.check(f"write to {RLO}jsmith@gmail.com{PDF} please")
    assert verdict.found(Kind.EMAIL) == ("jsmith@gmail.com",)
    assert verdict.masked == f"write to {RLO}[email]{PDF} please"
    assert screen.check(f"{RLO}fuck{PDF} is shown as kcuf").found(Kind.ABUSIVE) == ("fuck",)
    assert screen.check(f"ok {RLO}shit{PDF}").withheld
    reversed_too = screen.check(f"write to {RLO}moc.liamg@htimsj{PDF} please")
    assert reversed_too.masked == f"write to {RLO}[email]{PDF} please"


def test_a_detail_found_in_both_orders_is_masked_once_and_whole(screen: ReleaseScreen) -> None:
    verdict = screen.check(f"my id {RLO}S1234567{PDF} ok")
    assert [(f.kind, f.start, f.end) for f in verdict.findings] == [(Kind.NUMBER, 7, 15)]
    assert verdict.masked == f"my id {RLO}[number]{PDF} ok"


def test_keywords_see_a_detail_written_inside_an_override() -> None:
    text = f"write to {RLO}jsmith@gmail.com{PDF}"
    assert without_personal_details(text) == f"write to {RLO}{' ' * 16}{PDF}"
    assert {"jsmith", "gmail"} <= personal_words([text])


def _steps(text: str) -> int:
    """Lines of ``shown`` run to read ``text``: the work done, the same on any machine."""
    steps = 0

    def count(frame: FrameType, event: str, _arg: Any) -> Any:
        nonlocal steps
        if frame.f_code.co_filename != shown.__file__:
            return None
        steps += event == "line"
        return count

    previous = sys.gettrace()
    sys.settrace(count)
    try:
        views(text)
    finally:
        sys.settrace(previous)
    return steps


def test_reading_nested_embeddings_grows_with_their_number_not_its_square() -> None:
    def nest(depth: int) -> str:
        return LRE * depth + f"{RLO}x{PDF}" * depth

    assert _steps(nest(800)) < 6 * _steps(nest(200))


def test_a_personal_detail_is_masked_whole_and_where_it_was_written(
    screen: ReleaseScreen,
) -> None:
    verdict = screen.check(f"ﬁnally… write to jo{ZWSP}.smith@uni.edu or 555‑123‑4567 ok")
    assert verdict.masked == "ﬁnally… write to [email] or [phone] ok"
    assert verdict.found(Kind.EMAIL) == (f"jo{ZWSP}.smith@uni.edu",)
    assert screen.check("mail ｊｏ＠ｕｎｉ．ｅｄｕ please").masked == "mail [email] please"


def test_a_listed_name_is_found_with_an_invisible_character_inside() -> None:
    screen = ReleaseScreen(
        ReleaseScreen.from_settings(Settings()).terms, Roster.from_lines(["Sarah Chen"])
    )
    verdict = screen.check(f"my partner Sa{ZWSP}rah C{SHY}hen never came")
    assert verdict.masked == "my partner [name] never came"


def test_keywords_and_their_words_see_through_the_disguise_too() -> None:
    assert without_personal_details(f"ask jo{ZWSP}.smith@uni.edu") == "ask " + " " * 17
    assert {"jo", "smith"} <= personal_words(["ｊｏ．ｓｍｉｔｈ@uni.edu"])


@pytest.mark.parametrize(
    "text",
    [
        "a plain comment",
        "she’s great, I’d take her again",
        "José explained the café’s naïve example",
        "Отличный преподаватель, очень понятно объясняет",
        "Ο καθηγητής ήταν πολύ καλός",
    ],
)
def test_text_that_shows_as_written_is_read_as_written(text: str) -> None:
    assert views(text) == []


def test_only_a_word_that_mixes_latin_with_look_alikes_is_made_latin() -> None:
    readings = views("the \u0441ourse was ok, \u0441ос")
    assert [reading.text for reading in readings] == ["the course was ok, \u0441ос"]


def test_nothing_new_is_flagged_in_ordinary_text_with_accents(screen: ReleaseScreen) -> None:
    for text in (
        "José explained the café’s naïve example",
        f"cl{ZWSP}ass… well, ﬁne",
        f"as{SHY}sess",
    ):
        assert not screen.check(text).withheld


def test_a_listed_name_is_read_as_the_comments_are() -> None:
    screen = ReleaseScreen(
        ReleaseScreen.from_settings(Settings()).terms, Roster.from_lines(["ﾀﾅｶ", "Mehr\u200cnaz"])
    )
    assert screen.check("ﾀﾅｶさんの授業").masked == "[name]さんの授業"
    assert screen.check("タナカさんの授業").masked == "[name]さんの授業"
    assert screen.check("ask Mehr\u200cnaz or Mehrnaz").masked == "ask [name] or [name]"
