"""CSV and TXT files as universities export them: any of four delimiters and four encodings,
detected once and read the same way by the worker; columns matched ignoring case and spaces;
data that would be lost (extra fields, duplicate names, NUL characters, an unclosed quote)
refused with the line; an over-long comment a row error, not a refused file."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.api.errors import error_answer
from pipeline.column_guess import preview_upload
from pipeline.db import JobStatus
from pipeline.errors import (
    AmbiguousColumnError,
    EncodingError,
    InputError,
    LimitExceededError,
    MalformedInputError,
    MissingColumnError,
    UnsupportedFormatError,
)
from pipeline.inputs import ReadOptions, iter_chunks, validate_input
from pipeline.labelling import label_frame
from pipeline.worker import Worker

TEXT = "café – très “bien”, vraiment"
CP1252_TEXT = "café – très bien, vraiment"  # “” are in Windows-1252 too, but keep it plain


def write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(path: Path, column: str = "comment") -> list[list[str]]:
    summary = validate_input(path, column)
    chunks = iter_chunks(path, summary.format, summary.text_column, 2, options=summary.options)
    return pd.concat(list(chunks)).to_numpy().tolist()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected_and_commas_in_comments_stay(
    tmp_path: Path, delimiter: str
) -> None:
    quoted = f'"{TEXT}"' if delimiter == "," else TEXT
    lines = [f"course{delimiter}comment", f"A{delimiter}{quoted}", f"B{delimiter}ok, fine"]
    if delimiter == ",":
        lines[2] = 'B,"ok, fine"'
    path = write(tmp_path, "\n".join(lines).encode())
    summary = validate_input(path, "comment", ["course"])
    assert summary.options == ReadOptions(encoding="utf-8", delimiter=delimiter)
    assert summary.columns == ("course", "comment")
    assert rows(path) == [["A", TEXT], ["B", "ok, fine"]]


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (f"comment;course\n{TEXT};A\n".encode(), "utf-8"),
        (f"\ufeffcomment;course\n{TEXT};A\n".encode(), "utf-8-sig"),
        (f"\ufeffcomment;course\n{TEXT};A\n".encode("utf-16-le"), "utf-16"),
        (f"\ufeffcomment;course\n{TEXT};A\n".encode("utf-16-be"), "utf-16"),
        (f"comment;course\n{CP1252_TEXT};A\n".encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "windows-1252"],
)
def test_each_encoding_is_detected_and_read_back_exactly(
    tmp_path: Path, encoded: bytes, encoding: str
) -> None:
    path = write(tmp_path, encoded)
    summary = validate_input(path, "comment")
    assert summary.options == ReadOptions(encoding=encoding, delimiter=";")
    expected = CP1252_TEXT if encoding == "cp1252" else TEXT
    assert rows(path) == [[expected, "A"]]


def test_a_sheet_excel_saved_as_unicode_text_is_read_as_its_table(tmp_path: Path) -> None:
    lines = ["Course\tComments", f"A\t{TEXT}", "B\tok, fine", "C\t"]
    exported = "\ufeff" + "\r\n".join(lines) + "\r\n"
    path = write(tmp_path, exported.encode("utf-16-le"), "evaluations.txt")

    summary = validate_input(path, None, ["course"])

    assert summary.format == "csv" and summary.text_column == "Comments"
    assert summary.options == ReadOptions(encoding="utf-16", delimiter="\t")
    assert summary.group_by == ("Course",) and summary.rows == 3
    assert rows(path, "Comments") == [["A", TEXT], ["B", "ok, fine"], ["C", ""]]


@pytest.mark.parametrize(
    "lines",
    [
        ["Great course", "too\tmuch homework", "fine"],
        ["Great\tcourse", "too\tmuch\thomework"],
        ["only\tone line"],
    ],
    ids=["one-tab-line", "tabs-vary", "one-line"],
)
def test_comments_one_per_line_stay_so_whatever_tabs_they_hold(
    tmp_path: Path, lines: list[str]
) -> None:
    path = write(tmp_path, "\n".join(lines).encode(), "comments.txt")

    summary = validate_input(path, None)

    assert summary.format == "txt" and summary.rows == len(lines)


def test_text_that_is_neither_encoding_is_refused_naming_the_line(tmp_path: Path) -> None:
    damaged = write(tmp_path, "comment\ncafé\nok\n".encode() + b"caf\xe9\n")
    with pytest.raises(EncodingError, match="UTF-8 text except for byte 0xe9 on line 4"):
        validate_input(damaged, "comment")
    undefined = write(tmp_path, b"comment\nok\nab\x81\n", "b.csv")
    with pytest.raises(EncodingError, match=r"neither UTF-8 nor Windows-1252.*0x81 on line 3"):
        validate_input(undefined, "comment")


@pytest.mark.parametrize(
    "damage",
    [lambda data: data[:-1], lambda data: data[:-2] + b"\x00\xd8\n\x00"],
    ids=["cut-off", "lone-surrogate"],
)
def test_a_damaged_utf16_file_is_refused_naming_where_not_a_server_error(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    """Excel's "Unicode Text" is UTF-16 with a byte order mark: a copy cut off by one byte,
    or holding half a surrogate pair, is the file's fault (400), never the server's (500)."""
    whole = "course\tcomment\nA\tGreat course\nB\tBoring lectures\n".encode("utf-16")
    path = tmp_path / "unicode.txt"
    path.write_bytes(damage(whole))
    with pytest.raises(
        EncodingError, match=r"starts as UTF-16 text .* on line \d+ .*cannot be read"
    ):
        validate_input(path, "comment")


def test_a_semicolon_csv_previews_as_columns_with_what_was_detected() -> None:
    content = "Kommentar;Kurs\nSehr gut, danke;A\nSchlecht;B\n".encode("cp1252")
    preview = preview_upload(content, "export.csv")
    assert preview.columns == ("Kommentar", "Kurs")
    assert preview.rows["Kommentar"].tolist() == ["Sehr gut, danke", "Schlecht"]
    assert preview.describe() == "CSV, semicolon-separated, UTF-8"
    windows = preview_upload("Kommentar;Kurs\nTrès bien;A\n".encode("cp1252"), "x.csv")
    assert windows.describe() == "CSV, semicolon-separated, Windows-1252"


def test_a_one_column_file_keeps_commas_and_semicolons_in_its_comments(tmp_path: Path) -> None:
    path = write(tmp_path, b"comment\nGreat, really\nfine; thanks\n")
    assert rows(path) == [["Great, really"], ["fine; thanks"]]


def test_every_line_ending_is_a_line_end(tmp_path: Path) -> None:
    """Every line ending ends a line; one inside a quoted value stays as written."""
    for name, end in (("lf.csv", b"\n"), ("crlf.csv", b"\r\n"), ("cr.csv", b"\r")):
        path = write(tmp_path, end.join([b"comment,course", b"hi,A", b'"two' + end + b'lines",B']))
        assert rows(path) == [["hi", "A"], [f"two{end.decode()}lines", "B"]], name


def test_columns_match_ignoring_case_and_surrounding_spaces(tmp_path: Path) -> None:
    path = write(tmp_path, b" Comment ,COURSE\nhi,A\n")
    summary = validate_input(path, "comment", ["course", " Course "])
    assert (summary.text_column, summary.group_by) == ("Comment", ("COURSE",))
    exact = write(tmp_path, b"Comment,comment\nhi,A\n", "exact.csv")
    assert validate_input(exact, "comment").text_column == "comment"


def test_a_column_matching_two_names_is_refused_naming_both(tmp_path: Path) -> None:
    path = write(tmp_path, b"Comment,comment,course\na,b,c\n")
    with pytest.raises(AmbiguousColumnError, match="'Comment', 'comment'"):
        validate_input(path, "COMMENT")
    with pytest.raises(AmbiguousColumnError, match="group-by column"):
        validate_input(write(tmp_path, b"text,Course,course\na,b,c\n", "g.csv"), "text", ["COURSE"])


def test_a_missing_column_suggests_the_closest_names(tmp_path: Path) -> None:
    path = write(tmp_path, b"Comments,Course code,Teacher\na,b,c\n")
    with pytest.raises(MissingColumnError, match=r"'coment' is not in the file \(did you mean"):
        validate_input(path, "coment")
    with pytest.raises(MissingColumnError, match=r"did you mean 'Course code'\?"):
        validate_input(path, "comments", ["course cod"])
    with pytest.raises(MissingColumnError) as refused:
        validate_input(path, "zzz")
    assert "did you mean" not in str(refused.value)


def test_a_row_with_more_values_than_the_header_is_refused_naming_its_line(
    tmp_path: Path,
) -> None:
    first = write(tmp_path, b"comment,course\nGreat,A,extra\n")
    with pytest.raises(MalformedInputError, match="line 2 has 3 fields but the header has 2"):
        validate_input(first, "comment")
    later = write(tmp_path, b'comment,course\n"multi\nline",A\nok,B\nx,C,y\n', "later.csv")
    with pytest.raises(MalformedInputError, match="line 5 has 3 fields") as refused:
        validate_input(later, "comment")
    assert "tokenizing" not in str(refused.value) and "C error" not in str(refused.value)


MYSQL_EXPORT = b"\n".join(
    [
        b"comment,course",
        b'"He said \\"great\\" class, loved it",CHEM110',
        b'"He\\"s late, always",CHEM110',
        b"\\N,BIO101",
        b'"Files in C:\\\\temp\\\\ were gone",BIO101',
        b'"Two lines\\',
        b'and the second",BIO101',
        b"Plain,BIO101",
        b"",
    ]
)
"""What MySQL's ``SELECT ... INTO OUTFILE ... FIELDS ENCLOSED BY '"'`` writes: a quote inside
a value as a backslash and the quote, a backslash as two, NULL as a backslash and N, a line
break with a backslash before it."""


def test_a_csv_that_escapes_quotes_with_a_backslash_is_read_as_it_means(
    tmp_path: Path,
) -> None:
    """The csv module ended the value at the escaped quote, so the row had a field too many
    and the file was refused (the advice to quote the value would not have helped); a row
    that kept its width read ``He\\s late, always"``."""
    path = write(tmp_path, MYSQL_EXPORT)
    summary = validate_input(path, "comment")
    assert summary.options.escape == "\\" and summary.rows == 6
    assert 'backslash escapes such as \\" and \\n' in summary.options.describe()
    assert rows(path) == [
        ['He said "great" class, loved it', "CHEM110"],
        ['He"s late, always', "CHEM110"],
        ["", "BIO101"],
        ["Files in C:\\temp\\ were gone", "BIO101"],
        ["Two lines\nand the second", "BIO101"],
        ["Plain", "BIO101"],
    ]


def test_a_job_of_a_backslash_escaped_csv_is_labelled_as_it_means(tmp_path: Path) -> None:
    """The job keeps how the file is read, and the worker reads it so: the results hold the
    comments as meant, and the preview the app shows says how it was read."""
    backend = make_backend(tmp_path)
    path = write(tmp_path, MYSQL_EXPORT)
    request_id = service.submit(backend, path, "comment").request_id
    assert backend.repository.jobs.get(request_id).input_options["escape"] == "\\"
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    page = service.results_page(backend, request_id)
    assert [row["comment"] for row in page.rows][:2] == [
        'He said "great" class, loved it',
        'He"s late, always',
    ]
    preview = preview_upload(MYSQL_EXPORT, "export.csv")
    assert preview.rows["comment"].tolist()[2] == ""
    assert preview.describe().endswith('backslash escapes such as \\" and \\n')


@pytest.mark.parametrize(
    ("data", "first"),
    [
        (
            b'comment,course\n"Saved in C:\\temp\\",A\n"He said ""hi"", bye",B\n',
            "Saved in C:\\temp\\",
        ),
        (
            b'comment,course\n"She wrote \\"see me\\" on it"\nFine,B\n',
            '"She wrote \\"see me\\" on it"',
        ),
    ],
    ids=["a-value-ending-in-a-backslash", "backslashes-that-keep-the-width"],
)
def test_a_csv_that_doubles_its_quotes_is_read_as_csv_whatever_its_backslashes(
    tmp_path: Path, data: bytes, first: str
) -> None:
    """Neither has a row too many read as CSV, so both are read as CSV: the first's value
    that ends in a backslash stays whole (with the backslash as an escape, its quote would
    never close), the second's text as written."""
    path = write(tmp_path, data)
    assert validate_input(path, "comment").options.escape is None
    assert rows(path)[0][0] == first


MYSQL_TAB_EXPORT = b"\n".join(
    [
        b"id\tcourse\tcomment",
        b"1\tCHEM110\tGreat labs, clear lectures",
        b"2\tBIO101\tTwo lines\\",
        b"and the second",
        b"3\tBIO101\t\\N",
        b"4\tBIO101\tA tab\\\there and C:\\\\temp\\\\",
        b"5\t\\N\tPlain",
        b"",
    ]
)
"""What MySQL's ``SELECT ... INTO OUTFILE`` writes by default: tab-separated, nothing quoted,
a line break, a tab or a backslash inside a value with a backslash before it, NULL as a
backslash and N."""

COPY_EXPORT = b"\n".join(
    [
        b"course\tcomment",
        b"CHEM110\tGreat labs.\\nWould take again.",
        b"BIO101\t\\N",
        b"BIO101\tUse \\\\n in printf,\\tplease",
        b"",
    ]
)
"""What PostgreSQL's ``COPY ... TO`` (text format) writes: a line break and a tab inside a
value as the letters ``\\n`` and ``\\t``, a backslash as two, NULL as ``\\N``."""


@pytest.mark.parametrize(
    ("data", "comments"),
    [
        (
            MYSQL_TAB_EXPORT,
            [
                "Great labs, clear lectures",
                "Two lines\nand the second",
                "",
                "A tab\there and C:\\temp\\",
                "Plain",
            ],
        ),
        (
            MYSQL_TAB_EXPORT.replace(b"\n", b"\r\n"),
            [
                "Great labs, clear lectures",
                "Two lines\nand the second",
                "",
                "A tab\there and C:\\temp\\",
                "Plain",
            ],
        ),
        (
            COPY_EXPORT,
            ["Great labs.\nWould take again.", "", "Use \\n in printf,\tplease"],
        ),
    ],
    ids=["mysql-into-outfile", "mysql-into-outfile-windows-line-ends", "postgresql-copy"],
)
def test_a_database_export_that_escapes_with_backslashes_is_read_as_it_means(
    tmp_path: Path, data: bytes, comments: list[str]
) -> None:
    """Read as plain tab-separated text, the MySQL export broke a comment's two lines into two
    rows (the second with its text in the id column), and both exports labelled NULL, ``\\N``,
    as a comment and showed ``\\n`` where a line broke."""
    path = write(tmp_path, data, "export.tsv")
    summary = validate_input(path, "comment")
    assert summary.options.escape == "\\" and summary.rows == len(comments)
    assert [row[-1] for row in rows(path)] == comments


@pytest.mark.parametrize(
    ("data", "comment"),
    [
        (b"course\tcomment\nA\tSaved in C:\\temp\\\nB\tFine\n", "Saved in C:\\temp\\"),
        (b"comment\nSaved in C:\\temp\\\nFine\n", "Saved in C:\\temp\\"),
        (b"course\tcomment\nA\tUse \\n in printf\nB\tFine\n", "Use \\n in printf"),
        (b'course,comment\nA,"He said ""hi"""\nB,\\N\n', 'He said "hi"'),
    ],
    ids=[
        "a-value-ending-in-a-backslash",
        "one-column-ending-in-a-backslash",
        "a-backslash-and-a-letter",
        "doubled-quotes-and-null",
    ],
)
def test_a_file_that_does_not_escape_keeps_its_backslashes(
    tmp_path: Path, data: bytes, comment: str
) -> None:
    """A backslash before the line break that ends a row, the letters ``\\n`` typed in a
    comment, and a ``\\N`` in a CSV that doubles its quotes are not an export's escapes: the
    rows stay as written."""
    path = write(tmp_path, data, "plain.tsv" if b"\t" in data else "plain.csv")
    assert validate_input(path, "comment").options.escape is None
    read = rows(path)
    assert read[0][-1] == comment and len(read) == 2


def test_a_backslash_escaped_quote_after_the_sample_is_named_as_the_problem(
    tmp_path: Path,
) -> None:
    """Whether quotes are escaped is told from the file's first 64 KiB; a first escaped quote
    after that is refused for what it is, not with the advice to quote the value."""
    plain = b"comment,course\n" + b"Fine and clear,B\n" * 5_000
    path = write(tmp_path, plain + rb'"He said \"great\" class, loved it",A' + b"\n")
    with pytest.raises(MalformedInputError, match="line 5002 has 3 fields") as refused:
        validate_input(path, "comment")
    assert "a backslash before it" in str(refused.value)
    assert 'written twice ("")' in str(refused.value)
    assert "must be in double quotes" not in str(refused.value)


def test_empty_extra_fields_are_dropped_and_missing_ones_are_empty(tmp_path: Path) -> None:
    path = write(tmp_path, b"comment,course\nGreat,A,,\nok\n")
    assert rows(path) == [["Great", "A"], ["ok", ""]]


def test_duplicate_column_names_are_named_by_their_place_and_blank_ones_named(
    tmp_path: Path,
) -> None:
    duplicate = write(tmp_path, b"comment,comment,course\na,b,c\n")
    with pytest.raises(
        AmbiguousColumnError, match=r"'comment': the header has 2 columns of that name"
    ):
        validate_input(duplicate, "comment")
    # Canvas heads each question's points column with its points: names no job asks for.
    canvas = write(
        tmp_path, b"name,Q1: liked?,0.0,Q2: change?,0.0\nAna,Labs,0.0,Exams,1.0\n", "c.csv"
    )
    read = validate_input(canvas, "Q1: liked?")
    assert read.columns == ("name", "Q1: liked?", "0.0 (column 3)", "Q2: change?", "0.0 (column 5)")
    assert rows(canvas, "Q1: liked?") == [["Ana", "Labs", "0.0", "Exams", "1.0"]]
    blank = write(tmp_path, b"comment,,course,\na,b,c,d\n", "blank.csv")
    assert validate_input(blank, "comment").columns == ("comment", "column_2", "course", "column_4")
    assert rows(blank) == [["a", "b", "c", "d"]]


def test_a_nul_anywhere_is_refused_naming_its_line(tmp_path: Path) -> None:
    filler = b"a comment that is long enough to fill the file\n" * 2000  # > 64 KiB
    for name in ("late.csv", "late.txt"):
        path = write(tmp_path, b"comment\n" + filler + b"bad\x00\n", name)
        with pytest.raises(MalformedInputError, match="line 2002 holds a NUL character"):
            validate_input(path, "comment" if name.endswith(".csv") else None)
    early = write(tmp_path, b"comment\nok\nbad\x00one\n" + filler, "early.csv")
    with pytest.raises(MalformedInputError, match="line 3 holds a NUL"):
        validate_input(early, "comment")
    # In a short file one NUL is over 1% of it: it was "a binary file, not CSV".
    short = write(tmp_path, b"comment,course\nGreat\x00 class,A\nBad class,B\n", "short.csv")
    with pytest.raises(MalformedInputError, match="line 2 holds a NUL character"):
        validate_input(short, "comment")
    binary = write(tmp_path, b"\x07\x00\x00\x00\x01\x00\x02\x00" * 64, "dump.csv")
    with pytest.raises(UnsupportedFormatError, match="binary file"):
        validate_input(binary, "comment")


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
    ],
)
def test_a_document_or_image_renamed_csv_is_named_for_what_it_is(
    tmp_path: Path, head: bytes, kind: str
) -> None:
    """Its compressed bytes read as Windows-1252 and hold few NULs: without its signature it
    would be refused as badly encoded text, and told to be saved as UTF-8."""
    body = bytes(range(0x20, 0x7F)) * 200 + b"\x8d"
    path = write(tmp_path, head + body, "comments.csv")
    with pytest.raises(UnsupportedFormatError, match=f"comments.csv is {kind}, not CSV"):
        validate_input(path, "comment")


def test_a_quote_never_closed_is_refused_not_read_as_one_huge_value(tmp_path: Path) -> None:
    path = write(tmp_path, b'comment,course\nfine,A\n"never closed,B\nmore,C\n')
    with pytest.raises(MalformedInputError, match="line 3 opens a quoted value that is never"):
        validate_input(path, "comment")
    closed = write(tmp_path, b'comment,course\n"a ""quoted"" word",A', "closed.csv")
    assert rows(closed) == [['a "quoted" word', "A"]]


@pytest.mark.parametrize(
    ("header", "error", "status"),
    [
        (b"comment," + b"x" * 140_000, InputError, 400),
        (b"comment," + b"y" * 5_000_000, InputError, 400),
        (b"comment" + b",c" * 2_500_000, LimitExceededError, 413),
    ],
    ids=["140 KB cell", "5 MB cell", "5 MB of columns"],
)
def test_a_huge_header_is_a_clear_refusal_with_a_short_message(
    tmp_path: Path, header: bytes, error: type[InputError], status: int
) -> None:
    path = write(tmp_path, header + b"\nhi\n")
    with pytest.raises(error) as refused:
        validate_input(path, "comment")
    answer = error_answer(refused.value)
    assert answer.status == status
    assert len(answer.body["detail"]) < 400


def test_an_over_long_comment_is_a_row_error_and_the_file_is_labelled(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, max_comment_chars=50)
    long_comment = "good " * 20  # 100 characters
    path = write(tmp_path, f"course;comment\nA;good\nB;{long_comment}\nC;bad\n".encode())
    request_id = service.submit(backend, path, "comment").request_id
    predictor = FakePredictor()
    Worker(backend, lambda _ref: predictor, "w").run(burst=True)
    job = backend.repository.jobs.get(request_id)
    assert job.status is JobStatus.SUCCEEDED and (job.rows_done, job.rows_failed) == (3, 1)
    assert job.result_key is not None
    frame = pd.read_csv(io.BytesIO(backend.store.get_bytes(job.result_key)), keep_default_na=False)
    assert frame["label"].tolist() == ["positive", "", "negative"]
    assert frame["comment"].tolist()[1] == long_comment  # kept whole
    assert frame["error"].tolist()[1].startswith("the comment has 100 characters, over the limit")


def test_an_over_long_comment_never_reaches_the_model() -> None:
    seen: list[str] = []

    class Recording(FakePredictor):
        def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
            seen.extend(str(text) for text in texts)
            return super().predict_proba(texts)

    frame = pd.DataFrame({"comment": ["good", "x" * 30, ""]}, index=[7, 8, 9])
    out = label_frame(Recording(), frame, "comment", max_chars=20)
    assert "x" * 30 not in seen
    assert out.loc[7, "label"] == "positive" and out["label"].isna().tolist()[1:] == [True, True]
    assert out["error"].tolist()[1] == (
        "the comment has 30 characters, over the limit of 20 (PIPELINE_MAX_COMMENT_CHARS): "
        "not labelled"
    )
    assert out["error"].tolist()[2].startswith("empty comment")


def test_the_job_keeps_what_was_detected_and_the_worker_reads_with_it(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    text = "Très bien, merci"
    path = write(tmp_path, f"Kurs;Kommentar\nA;{text}\nB;schlecht\n".encode("cp1252"))
    request_id = service.submit(backend, path, "kommentar", ["kurs"]).request_id
    job = backend.repository.jobs.get(request_id)
    assert job.input_options == {"encoding": "cp1252", "delimiter": ";"}
    assert (job.text_column, job.group_by) == ("Kommentar", ("Kurs",))
    view = service.get_status(backend, request_id).to_dict()
    assert view["input_format"] == "csv"
    assert view["input_options"] == {"encoding": "cp1252", "delimiter": ";"}
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    page = service.results_page(backend, request_id)
    assert [row["Kommentar"] for row in page.rows] == [text, "schlecht"]
    assert [row["Kurs"] for row in page.rows] == ["A", "B"]


def test_a_resumed_read_uses_the_jobs_options(tmp_path: Path) -> None:
    path = write(tmp_path, b"c|n\n" + "".join(f"é{i}|{i}\n" for i in range(7)).encode())
    options = validate_input(path, "c").options
    chunks = list(iter_chunks(path, "csv", "c", 2, start_row=4, options=options))
    assert [chunk.index.tolist() for chunk in chunks] == [[4, 5], [6]]
    assert chunks[0]["c"].tolist() == ["é4", "é5"]


@pytest.mark.parametrize(
    ("exported", "delimiter"),
    [
        ("Course Evaluation Report\nFall 2026\n\ncourse;comment\nA;{text}\nB;ok, fine\n", ";"),
        (
            'Report,\r\nFall 2026,\r\n,\r\ncourse,comment\r\nA,"{text}"\r\nB,"ok, fine"\r\n',
            ",",
        ),
        ("sep=;\nEvaluations\n\ncourse;comment\nA;{text}\nB;ok, fine\n", ";"),
        ('Evaluations\nTerm:,Fall 2026\n\ncourse,comment\nA,"{text}"\nB,"ok, fine"\n', ","),
    ],
    ids=[
        "title-lines",
        "title-lines-padded-by-excel",
        "excel-sep-line-and-a-title",
        "a-title-then-a-line-of-two-values",
    ],
)
def test_a_csv_report_s_title_lines_above_its_header_are_not_read(
    tmp_path: Path, exported: str, delimiter: str
) -> None:
    path = write(tmp_path, exported.format(text=TEXT).encode())

    summary = validate_input(path, None, ["course"])

    assert summary.options.delimiter == delimiter and summary.options.header_row == 4
    assert summary.columns == ("course", "comment") and summary.rows == 2
    assert rows(path) == [["A", TEXT], ["B", "ok, fine"]]
    assert preview_upload(path.read_bytes(), "report.csv").describe().endswith("header on line 4")


def test_a_comment_header_over_comments_of_one_comma_each_is_not_a_title(tmp_path: Path) -> None:
    path = write(tmp_path, b"Comments\nGood, really\nBad, sadly\nFine, thanks\n")

    summary = validate_input(path, None)

    assert summary.columns == ("Comments",) and summary.options.header_row is None
    assert rows(path, "Comments") == [["Good, really"], ["Bad, sadly"], ["Fine, thanks"]]


def test_a_one_word_comment_under_a_one_column_header_is_not_taken_for_a_header(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, b"Student remarks\nGreat labs\nresponse\nToo fast\n")

    summary = validate_input(path, "Student remarks")

    assert summary.options.header_row is None and summary.rows == 3
    assert [row[0] for row in rows(path, "Student remarks")] == [
        "Great labs",
        "response",
        "Too fast",
    ]


def test_one_column_of_comments_holding_delimiters_keeps_its_first_line_as_header(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, b"comment\nGood; fine\nBad\nok, sure\nmeh | so-so\nfine\n")

    summary = validate_input(path, None)

    assert summary.options.header_row is None and summary.rows == 5
    assert rows(path)[0] == ["Good; fine"]


@pytest.mark.parametrize(
    ("content", "header_row", "comments"),
    [
        ("\ufeffComments\r\n\r\nGreat course\r\nToo fast\r\n", 1, ["Great course", "Too fast"]),
        ("\n  feedback \nGreat course\n", 2, ["Great course"]),
        ("Comments are welcome\nGreat course\n", None, ["Comments are welcome", "Great course"]),
        ("Great course\nComments\n", None, ["Great course", "Comments"]),
    ],
    ids=["header", "header-after-a-blank-line", "a-comment-first", "the-name-further-down"],
)
def test_a_txt_file_s_first_line_is_a_header_only_when_it_is_a_comment_column_s_name(
    tmp_path: Path, content: str, header_row: int | None, comments: list[str]
) -> None:
    path = write(tmp_path, content.encode(), "comments.txt")

    summary = validate_input(path, None)

    assert summary.options.header_row == header_row and summary.rows == len(comments)
    assert [row[0] for row in rows(path, "text")] == comments
