"""A 40-course job's PDF report, read as a person would: its pages rendered to images with
poppler's ``pdftoppm`` and its text with ``pdftotext``. Pages are counted and checked for
content, the label colours are looked for on the chart pages (pale for small courses), every
course is named in full with its n, and its section, aspects included, stays on one page. The
job is labelled with the fake analyst (keyword aspects, word-hash vectors), so it has aspects
and themes as a real job does."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from insightfakes import FakeTagger, fake_analyst
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline.api.app import create_app
from pipeline.report.charts import BAR_BACKGROUND, SMALL_OPACITY
from pipeline.ui.palette import LABEL_COLOURS
from pipeline.worker import Worker

pytestmark = pytest.mark.slow

Image = pytest.importorskip("PIL.Image")
COURSES = 40
DPI = 50
HOSTILE = "<script>alert(1)</script> the labs were good"
NEGATIVE_COURSE = "CHEM110 General Chemistry for Engineers"


@dataclass(frozen=True)
class RenderedReport:
    pages: list[Any]
    text: str
    sizes: dict[str, int]
    """Each course's n: the comments the fake model labels."""
    page_texts: list[str]
    course_text: str
    """The text of the hostile comment's course's own report (``group=``)."""
    info: str
    """What ``pdfinfo`` says of the whole report."""
    structure: bytes
    """Its object streams inflated: where the tags and their alternate text are."""


def course_names() -> list[str]:
    names = [f"C{index:02d} Course number {index}" for index in range(COURSES - 1)]
    return [NEGATIVE_COURSE, *names]


def comments(seed: int = 14) -> tuple[list[str], list[str], dict[str, int]]:
    generator = random.Random(seed)
    texts, courses, sizes = [], [], {}
    for index, name in enumerate(course_names()):
        size = 4 if index % 10 == 3 else generator.randint(18, 40)  # every tenth course small
        negative = 0.8 if name == NEGATIVE_COURSE else 0.2
        for row in range(size):
            draw = generator.random()
            text = (
                "bad pacing and the exams were unfair to everyone"
                if draw < negative
                else "good lectures and the labs helped me a lot"
                if draw < 0.45
                else "a good exam that asked what we were taught"
                if draw < 0.85
                else "the lectures were in building C"
            )
            texts.append(HOSTILE if row == 0 and index == 1 else text)
            courses.append(name)
        sizes[name] = size
    return texts, courses, sizes


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderedReport]:
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install poppler-utils)")
    folder = tmp_path_factory.mktemp("report")
    backend = make_backend(folder, chunk_rows=256, auth="none")
    texts, courses, sizes = comments()
    client = TestClient(create_app(backend))
    with comments_csv(folder / "evaluations.csv", texts, courses).open("rb") as handle:
        answer = client.post(
            "/v1/jobs",
            files={"file": ("evaluations.csv", handle)},
            data={"text_column": "comment", "group_by": "course"},
        )
    request_id = answer.json()["request_id"]
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)

    pdf = client.get(f"/v1/jobs/{request_id}/report", params={"format": "pdf"})

    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    structure = tagged_structure(pdf.content)
    path = folder / "report.pdf"
    path.write_bytes(pdf.content)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(path), str(folder / "page")], check=True
    )
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [Image.open(page).convert("RGB") for page in sorted(folder.glob("page-*.png"))]
    own = client.get(
        f"/v1/jobs/{request_id}/report",
        params={"format": "pdf", "group_by": "course", "group": course_names()[1]},
    )
    assert own.status_code == 200, own.text
    (folder / "course.pdf").write_bytes(own.content)
    course_text = subprocess.run(
        ["pdftotext", str(folder / "course.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    tagged = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True
    ).stdout
    yield RenderedReport(pages, text, sizes, text.split("\f"), course_text, tagged, structure)


def tagged_structure(pdf: bytes) -> bytes:
    """The PDF's object streams inflated: its structure tree lives there."""
    streams = re.finditer(rb"<<[^<>]*/ObjStm[^<>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S)
    return b"".join(zlib.decompressobj().decompress(found.group(1)) for found in streams)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


def colour_pixels(page: Any, hex_colour: str, opacity: float = 1.0, tolerance: int = 4) -> int:
    """Pixels of ``hex_colour`` on ``page``, drawn at ``opacity`` over a bar's background."""
    behind = rgb(BAR_BACKGROUND)
    target = [
        round(c * opacity + b * (1 - opacity)) for c, b in zip(rgb(hex_colour), behind, strict=True)
    ]
    return sum(
        count
        for count, pixel in page.getcolors(maxcolors=1 << 20)
        if all(abs(p - t) <= tolerance for p, t in zip(pixel, target, strict=True))
    )


def inked(page: Any) -> float:
    """The share of the page between its header and footer that is not white."""
    width, height = page.size
    body = page.crop((0, int(height * 0.1), width, int(height * 0.9))).convert("L")
    histogram = body.histogram()
    return 1 - sum(histogram[245:]) / (body.size[0] * body.size[1])


def test_one_page_per_course_plus_the_overview_the_about_what_and_the_method(
    report: RenderedReport,
) -> None:
    assert COURSES + 4 <= len(report.pages) <= COURSES + 14
    assert f"Page 1 of {len(report.pages)}" in report.text
    assert len(report.page_texts) >= len(report.pages)


def test_each_course_with_its_aspects_fits_on_its_own_page(report: RenderedReport) -> None:
    for name in report.sizes:
        heading = f"course: {name}\n"
        pages = [words(page) for page in report.page_texts if heading in page]
        assert len(pages) == 1, f"{name}'s section is on {len(pages)} pages"
        assert "Aspects its comments speak about" in pages[0]
        assert "Themes with the most of its comments" in pages[0]


def test_the_about_what_section_shows_aspects_flags_and_themes(report: RenderedReport) -> None:
    text = words(report.text)
    number = next(i for i, page in enumerate(report.page_texts) if "About what\nAspects" in page)

    assert f"{NEGATIVE_COURSE} on exams (n=" in text
    assert "more negative and less positive than in the other courses" in text
    assert "Keywords:" in text and "Negative comments:" in text and "Positive comments:" in text
    assert FakeTagger.version in text and "too few to test" in text
    assert "Negative share per aspect and course" in text
    assert re.search(r"▲ \d+% \(\d+\)", text), "no flagged cell in the grid"
    for label in ("negative", "positive"):
        assert colour_pixels(report.pages[number], LABEL_COLOURS[label]) > 50, label


def test_no_page_is_blank(report: RenderedReport) -> None:
    for number, page in enumerate(report.pages, start=1):
        assert inked(page) > 0.003, f"page {number} is blank"


def test_the_charts_are_in_the_label_colours_and_small_courses_paler(
    report: RenderedReport,
) -> None:
    first = report.pages[0]
    for label, colour in LABEL_COLOURS.items():
        assert colour_pixels(first, colour) > 100, f"no {label} on the overview's chart"
    with_small = [
        p
        for p in report.pages[:6]
        if colour_pixels(p, LABEL_COLOURS["positive"], SMALL_OPACITY) > 300
    ]
    assert with_small, "no small course drawn paler in the overview"
    course_pages = [
        report.pages[i]
        for i, text in enumerate(report.page_texts[: len(report.pages)])
        if any(f"course: {name}\n" in text for name in report.sizes)
    ]
    assert len(course_pages) == COURSES
    for page in course_pages:
        assert (
            colour_pixels(page, LABEL_COLOURS["negative"])
            + colour_pixels(page, LABEL_COLOURS["negative"], SMALL_OPACITY)
            > 100
        )


def test_every_course_is_named_in_full_with_its_n(report: RenderedReport) -> None:
    text = words(report.text)

    for name, size in report.sizes.items():
        assert f"course: {name}" in text
        assert f"n={size}" in text
    small = sum(1 for size in report.sizes.values() if size < 10)
    assert small and text.count("small: fewer than 10 comments") == small
    assert f"{NEGATIVE_COURSE} (n={report.sizes[NEGATIVE_COURSE]}): more negative" in text
    assert HOSTILE in text  # the comment as written, shown as text
    assert "Fisher's exact test" in text and "Holm" in text and "Wilson" in text


def test_one_courses_own_pdf_lists_its_comments_and_names_no_other_course(
    report: RenderedReport,
) -> None:
    own = words(report.course_text)
    name = course_names()[1]
    assert f"course: {name}" in own
    assert HOSTILE in own  # its first comment, as text
    assert "Every comment" in own
    listed = sum(int(n) for n in re.findall(r"(?:Negative|Neutral|Positive) \((\d+)\)", own))
    assert listed == report.sizes[name]
    for other in course_names():
        if other != name:
            assert other not in own
    assert "CHEM110" not in own


def test_the_pdf_is_tagged_for_screen_readers_with_each_charts_text(
    report: RenderedReport,
) -> None:
    assert re.search(r"^Tagged:\s+yes$", report.info, re.M), report.info
    assert re.search(r"^Title:\s+Sentiment report: evaluations.csv$", report.info, re.M)
    assert b"/S /H2" in report.structure and b"/S /Table" in report.structure
    assert b"/S /TH" in report.structure
    figures = report.structure.count(b"/S /Figure")
    alternates = re.findall(
        rb"/Alt \((negative \d+%, neutral \d+%, positive \d+%)\)", report.structure
    )
    every_alt = re.findall(rb"/Alt [(<]", report.structure)  # <hex> where it holds an en dash
    assert figures > COURSES and len(every_alt) == figures
    assert alternates


def test_a_pdf_with_the_change_and_the_trend_has_each_on_a_page_of_its_own(
    tmp_path: Any,
) -> None:
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    ids = []
    for name, negative in (("fall-2024.csv", 0.9), ("fall-2025.csv", 0.8), ("fall-2026.csv", 0.2)):
        texts = ["bad exams" if i < negative * 40 else "good labs" for i in range(40)]
        path = comments_csv(tmp_path / name, [*texts, *texts], ["CHEM110"] * 40 + ["BIO9"] * 40)
        with path.open("rb") as handle:
            answer = client.post(
                "/v1/jobs",
                files={"file": (name, handle)},
                data={"text_column": "comment", "group_by": "course"},
            )
        ids.append(answer.json()["request_id"])
        Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    oldest, earlier, now = ids

    params = {
        "format": "pdf",
        "group_by": "course",
        "since": earlier,
        "trend": f"{oldest},{earlier}",
    }
    pdf = client.get(f"/v1/jobs/{now}/report", params=params)
    path = tmp_path / "change.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)

    assert pdf.status_code == 200, pdf.text
    pages = text.split("\f")
    change = next(page for page in pages if "Since the earlier job\n" in page)
    assert "What changed since fall-2025.csv" in words(change)
    assert "▼ 80% → 20%" in words(change) and "(-60 pts)" in words(change)
    trend = next(page for page in pages if "Over the terms\n" in page)
    assert "Since the earlier job" not in trend
    assert "▼ 90% → 80% → 20%" in words(trend) and "(-70 pts)" in words(trend)
    assert "fall-2024.csv" in trend and "fall-2026.csv" in trend
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)


def test_course_names_in_chinese_japanese_and_korean_are_drawn_not_boxes(tmp_path: Any) -> None:
    """A course named 化学, 物理学です or 생물학 is set in a font that has its glyphs (the image
    and CI install WenQuanYi Micro Hei; DejaVu has none), so the PDF shows the name, not
    empty boxes, and a reader can copy it. Skipped where no such font is installed (a skip
    fails CI, which installs one)."""
    for tool in ("pdffonts", "pdftotext", "fc-list"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install poppler-utils)")
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not listed.strip():
        pytest.skip("no font for Chinese is installed (Debian: apt-get install fonts-wqy-microhei)")
    backend = make_backend(tmp_path, auth="none")
    client = TestClient(create_app(backend))
    courses = ["化学", "物理学です", "생물학"]
    rows = "course,comment\n" + "".join(f"{c},good labs {i}\n" for c in courses for i in range(3))
    answer = client.post(
        "/v1/jobs",
        files={"file": ("cjk.csv", rows.encode())},
        data={"text_column": "comment", "group_by": "course"},
    )
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    pdf = client.get(f"/v1/jobs/{answer.json()['request_id']}/report", params={"format": "pdf"})
    path = tmp_path / "cjk.pdf"
    path.write_bytes(pdf.content)

    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)

    embedded = [line.split()[0] for line in fonts.stdout.splitlines()[2:]]
    assert any("DejaVu" not in name for name in embedded), (
        f"no font with CJK glyphs was embedded ({embedded}): install fonts-wqy-microhei"
    )
    assert all(course in text.stdout for course in courses)
