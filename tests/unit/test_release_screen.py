"""Screening before release, the detectors: what each kind finds, and what it must leave
alone — the course codes, dates, scores and workload hyperbole that fill real comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.release import flagged_table
from pipeline.release.kinds import Kind
from pipeline.release.screen import ReleaseScreen
from pipeline.release.terms import extra_words, shipped_words, word_pattern
from pipeline.settings import Settings


@pytest.fixture(scope="module")
def screen() -> ReleaseScreen:
    return ReleaseScreen.from_settings(Settings())


FOUND = [
    ("Write to jo.smith@uni.edu for the notes", Kind.EMAIL, "jo.smith@uni.edu"),
    ("my mail: jo [at] uni [dot] edu", Kind.EMAIL, "jo [at] uni [dot] edu"),
    ("reach me at jo(at)uni.ac.uk", Kind.EMAIL, "jo(at)uni.ac.uk"),
    ("call me on 555-123-4567 after six", Kind.PHONE, "555-123-4567"),
    ("text +44 20 7946 0958", Kind.PHONE, "+44 20 7946 0958"),
    ("mobile 07700 900123", Kind.PHONE, "07700 900123"),
    ("(555) 123 4567 is my cell", Kind.PHONE, "(555) 123 4567"),
    ("numéro 01 23 45 67 89", Kind.PHONE, "01 23 45 67 89"),
    ("ring 555.1234", Kind.PHONE, "555.1234"),
    ("I am student 20231234 and I failed", Kind.NUMBER, "20231234"),
    ("My name is Jo Lee and the labs were bad", Kind.NAME, "Jo Lee"),
    ("my name's Gina, I loved it", Kind.NAME, "Gina"),
    ("My name is jo lee and I liked it", Kind.NAME, "jo lee"),
    ("I'm Jo Lee and the labs were good", Kind.NAME, "Jo Lee"),
    ("I am John O'Neil, third year", Kind.NAME, "John O'Neil"),
    ("This is Priya speaking", Kind.NAME, "Priya"),
    ("Hi, it's me, Kevin Tran", Kind.NAME, "Kevin Tran"),
    ("Great course.\nRegards, Maria Garcia", Kind.NAME, "Maria Garcia"),
    ("write to jo dot smith at gmail dot com", Kind.EMAIL, "jo dot smith at gmail dot com"),
    ("jo.smith @ uni.edu has the notes", Kind.EMAIL, "jo.smith @ uni.edu"),
    ("I'm u1234567 in the lab group", Kind.NUMBER, "u1234567"),
    ("A00123456 here", Kind.NUMBER, "A00123456"),
    ("Student ID: 12-345-678", Kind.NUMBER, "12-345-678"),
    ("my ID no. 2023-12345", Kind.NUMBER, "2023-12345"),
    ("call 1-800-555-1234", Kind.PHONE, "1-800-555-1234"),
    ("This course is fucking great", Kind.ABUSIVE, "fucking"),
    ("f*ck these labs", Kind.ABUSIVE, "f*ck"),
    ("what a load of bullsh!t", Kind.ABUSIVE, "bullsh!t"),
    ("the a$$hole never replied", Kind.ABUSIVE, "a$$hole"),
    ("FUUUCK this exam", Kind.ABUSIVE, "FUUUCK"),
    ("A-F***ing-mazing teacher", Kind.ABUSIVE, "F***ing"),
    ("she is a bitch to students", Kind.ABUSIVE, "bitch"),
    ("that policy is retarded", Kind.ABUSIVE, "retarded"),
    ("I want to kill myself after every lab", Kind.DISTRESS, "kill myself"),
    ("honestly I want to die", Kind.DISTRESS, "I want to die"),
    ("after two suicide attempts", Kind.DISTRESS, "suicide"),
    ("I have been self-harming since midterms", Kind.DISTRESS, "self-harming"),
    ("there is no reason to live anymore", Kind.DISTRESS, "no reason to live"),
    ("honestly I'd be better off dead", Kind.DISTRESS, "I'd be better off dead"),
    (
        "I walked in front of traffic praying i got hit omw to this class",
        Kind.DISTRESS,
        "praying i got hit",
    ),
    ("I walked in front of traffic today", Kind.DISTRESS, "walked in front of traffic"),
    ("I hope I don't wake up tomorrow", Kind.DISTRESS, "hope I don't wake up"),
    ("some days I want to hang myself", Kind.DISTRESS, "hang myself"),
    ("i wanna jump off a bridge", Kind.DISTRESS, "i wanna jump off a bridge"),
    ("everyone would be better off without me", Kind.DISTRESS, "better off without me"),
    ("I just want it all to end", Kind.DISTRESS, "want it all to end"),
    ("thinking about sewerslide again", Kind.DISTRESS, "sewerslide"),
    ("I might unalive myself", Kind.DISTRESS, "unalive myself"),
    ("i want to unalive after this exam", Kind.DISTRESS, "i want to unalive"),
    ("I'll find where you live prof", Kind.THREAT, "I'll find where you live"),
    ("f u c k this course", Kind.ABUSIVE, "f u c k"),
    ("what a s.h.i.t lecture", Kind.ABUSIVE, "s.h.i.t"),
    ("I prayed I would get hit by a bus", Kind.DISTRESS, "prayed I would get hit"),
    ("I'll kill him if he fails me", Kind.THREAT, "I'll kill him"),
    ("someone should shoot the prof", Kind.THREAT, "someone should shoot the prof"),
    ("im gonna punch the TA", Kind.THREAT, "im gonna punch the TA"),
    ("I will bring a gun to class", Kind.THREAT, "bring a gun to"),
    ("he deserves to die", Kind.THREAT, "deserves to die"),
    ("I know where she lives", Kind.THREAT, "I know where she lives"),
    ("I want  to\ndie", Kind.DISTRESS, "I want  to\ndie"),  # white space as typed
    ("he should  be\tshot", Kind.THREAT, "should  be\tshot"),
]


@pytest.mark.parametrize(("text", "kind", "written"), FOUND)
def test_each_kind_is_found_where_it_is_written(
    screen: ReleaseScreen, text: str, kind: Kind, written: str
) -> None:
    verdict = screen.check(text)
    assert kind in verdict.kinds, verdict
    assert written in verdict.found(kind)


LEFT_ALONE = [
    "CHEM 110 and MATH 221 were both fine",
    "the 2019-2020 syllabus was better",
    "I scored 85/100 on 12.10.2019 at 9:30-10:45",
    "pages 100-150 of chapter 3.2",
    "room 1.234, building 5",
    "we did 1,000,000 practice problems",
    "rated it 10/10",
    "the class assessment in Scunthorpe was a passing grade",
    "this homework will kill you",
    "the tests will kill you if you do not keep up",
    "makes you want to die of boredom",
    "I killed myself on that project and got a B",
    "he won't kill you with homework",
    "I want to take my life in a new direction after this class",
    "Honestly, I'd rather jump off a cliff than take a class with her again",
    "take it in the morning and u will never wake up",
    "unless you are ready to unalive yourself",
    "I want to unalive the old syllabus, not me",
    "I'll find where the lecture hall is next time",
    "a f u n course, s h o r t labs",
    "I hope I get hit by the curve",
    "hoping I get hit with an easy final",
    "a hit or miss lecturer, the bus stops in front of the building",
    "the final exam killed me",
    "this textbook would have been better off dead",
    "shiitake mushrooms in the cooking lab",
    "my name is not important",
    "This is Great, I am happy with it",
    "This is CHEM110 and I am in MATH 221",
    "Thank you Dr. Patel!",
    "He really inspires. Thank you, Steve.",
    "She is enthusiastic every class. I am Gonna miss her class.",
    "I am Independent learner from Puerto Rico",
    "the ID card office opens at 9",
    "lecture 12 of 20, about 150 students",
    "damn hard course, crap textbook, stupid deadlines",
    "Dr. Patel's office is at 301 Main Hall",
    "I was at school at 8 every day.",
    "@ the lab we worked hard",
    "the dick test in biology",
    "",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_what_comments_are_full_of_is_left_alone(screen: ReleaseScreen, text: str) -> None:
    verdict = screen.check(text)
    assert not verdict.flagged, verdict


def test_withheld_and_masked_are_told_apart(screen: ReleaseScreen) -> None:
    personal = screen.check("Email me at jo@uni.edu or call 555-123-4567, my name is Jo Lee.")
    assert not personal.withheld
    assert personal.masked == "Email me at [email] or call [phone], my name is [name]."
    assert personal.kinds == (Kind.EMAIL, Kind.PHONE, Kind.NAME)
    abusive = screen.check("Fucking useless, write to jo@uni.edu")
    assert abusive.withheld
    assert abusive.kinds == (Kind.ABUSIVE, Kind.EMAIL)  # what needs acting on first
    assert abusive.masked == "Fucking useless, write to [email]"


def test_overlapping_findings_of_a_kind_are_one(screen: ReleaseScreen) -> None:
    """An address written plainly is found by two patterns; it is masked once."""
    verdict = screen.check("jo.smith@uni.edu")
    assert [f.kind for f in verdict.findings] == [Kind.EMAIL]
    assert verdict.masked == "[email]"


def test_a_site_adds_words_and_exceptions(tmp_path: Path) -> None:
    listed = tmp_path / "words.txt"
    listed.write_text("# ours\nnumpty*\n!fuckton\n", encoding="utf-8")
    settings = Settings(screen_words="plonker", screen_words_file=str(listed))
    screen = ReleaseScreen.from_settings(settings)
    assert screen.check("what a plonker").withheld
    assert screen.check("the numptys in charge").withheld
    assert not screen.check("a fuckton of reading").flagged
    assert screen.check("fucking awful").withheld  # the shipped list still applies
    assert not ReleaseScreen.from_settings(Settings()).check("what a plonker").flagged


def test_an_unreadable_word_file_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PIPELINE_SCREEN_WORDS_FILE"):
        extra_words("", str(tmp_path / "missing.txt"))


def test_the_shipped_list_is_read_without_its_comments() -> None:
    words = shipped_words()
    assert "*fuck*" in words
    assert "!shiitake" in words
    assert not any(word.startswith("#") for word in words)


def test_no_words_match_nothing() -> None:
    """A list of only comments and blank terms compiles to a pattern that never matches."""
    assert word_pattern(["*", " ", "!"]).search("fucking anything") is None


def test_the_flagged_csv_escapes_a_formula_as_every_export_does() -> None:
    text = '=HYPERLINK("http://evil.example","fucking click")'
    comment = {
        "row_index": 4,
        "action": "withheld",
        "kinds": ["abusive"],
        "found": [{"kind": "abusive", "start": 34, "end": 41}],
        "text": text,
        "masked": text,
        "label": "negative",
    }

    written = flagged_table.to_csv([comment])

    assert written.splitlines()[0] == (
        "row_index,respondent,action,kinds,found,group,question,label,text,masked"
    )
    assert "'=HYPERLINK" in written and ",=HYPERLINK" not in written
    assert "abusive: fucking" in written
