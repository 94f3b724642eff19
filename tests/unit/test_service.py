"""Service functions: every refusal at submit queues nothing; repeats are recognised; status,
results and summaries read what is committed; API keys decide who sees what."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from jobfakes import FakePredictor, comments_csv, make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.db import JobStatus
from pipeline.errors import (
    AmbiguousColumnError,
    EmptyInputError,
    EncodingError,
    InputError,
    JobNotFound,
    LimitExceededError,
    MalformedInputError,
    MissingColumnError,
    NumericColumnError,
    Unauthorized,
    UnsupportedFormatError,
)
from pipeline.worker import Worker


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return make


def _xlsx_named_csv(folder: Path) -> Path:
    path = folder / "sheet.csv"
    pd.DataFrame({"comment": ["a"]}).to_excel(path, index=False, engine="openpyxl")
    return path


REFUSALS = [
    ("empty file", _write("a.csv", b""), "comment", EmptyInputError, "the file is empty"),
    ("header only", _write("a.csv", b"comment\n"), "comment", EmptyInputError, "no comments"),
    ("header only, column taken for its name", _write("a.csv", b"course,comment\n"), None,
     EmptyInputError, "the file has a header but no rows: no comments to label"),
    ("grouped by the comment column", _write("a.csv", b"course,comment\nA,hi\n"), "comment",
     InputError, "group-by column 'comment' is the comment column"),
    ("blank comments", _write("a.csv", b"comment\n \n\n"), "comment", EmptyInputError, "no comm"),
    ("neither UTF-8 nor Windows-1252", _write("a.csv", b"comment\nab\x81\n"), "comment",
     EncodingError, "neither UTF-8 nor Windows-1252 text: byte 0x81 on line 2"),
    ("damaged UTF-8", _write("a.csv", "comment\ncafé\n".encode() + b"x\x92\n"), "comment",
     EncodingError, "UTF-8 text except for byte 0x92 on line 3"),
    ("binary", _write("a.csv", b"comment\n" + b"\x00\x01\x02\x00" * 8), "comment",
     UnsupportedFormatError, "binary"),
    ("pdf", _write("a.pdf", b"%PDF-1.4"), "comment", UnsupportedFormatError, ".pdf files"),
    ("xlsx named csv", _xlsx_named_csv, "comment", UnsupportedFormatError,
     "ZIP archive (an Excel workbook?)"),
    ("fake xlsx", _write("a.xlsx", b"comment\nhi\n"), "comment", UnsupportedFormatError,
     "not an Excel"),
    ("missing column", _write("a.csv", b"course,comment\nC,hi\n"), "feedback",
     MissingColumnError, "'feedback' is not in the file; its columns are: course, comment"),
    ("no column chosen", _write("a.csv", b"course,teacher\nC,hi\n"), None, MissingColumnError,
     "choose the comment column (text_column, or --text-column on the command line): the file "
     "has course, teacher"),
    ("two columns named like comments", _write("a.csv", b"comment, Feedback \na,b\n"), None,
     MissingColumnError, "(text_column, or --text-column on the command line): 'comment', "
     "'Feedback' are all named like comments; the file has comment, Feedback"),
    ("a column worded like comments", _write("a.csv", b"course,Student comments\nC,hi\n"), None,
     MissingColumnError, "(text_column, or --text-column on the command line): 'Student "
     "comments' looks like it; the file has course"),
    ("the comment column taken is empty", _write("a.csv", b"comment,notes\n,hi\n"), None,
     EmptyInputError, "no comments in column 'comment', taken as the comment column for its "
     "name: choose the comment column (text_column, or --text-column on the command line)"),
    ("a rating column chosen as the comment column",
     _write("a.csv", b"course,rating,comment\n" + b"C,4,hi\nD,5,ok\n" * 3), "rating",
     NumericColumnError,
     "column 'rating' holds numbers, not comments: 6 of its 6 answers are numbers, such as "
     "'4'; choose the comment column (text_column, or --text-column on the command line): "
     "'comment' looks like it; the file has course, rating, comment"),
    ("a column of numbers named like comments",
     _write("a.csv", b"id,comments\n" + b"1,3.5\n2,80%\n" * 3), None, NumericColumnError,
     "column 'comments' holds numbers, not comments: 6 of its 6"),
    ("a file of numbers", _write("a.txt", b"4\n5\n3/5\n" * 2), None, NumericColumnError,
     "the file's lines are numbers, not comments: 6 of its 6 lines are numbers, such as '4'"),
    ("too many rows", _write("a.csv", b"comment\n" + b"hi\n" * 11), "comment",
     LimitExceededError, "more than 10 rows"),
    ("ragged row", _write("a.csv", b"comment,course\nGreat,A,extra\n"), "comment",
     MalformedInputError, "line 2 has 3 fields but the header has 2 columns"),
    ("duplicate columns", _write("a.csv", b"comment,comment,course\na,b,c\n"), "comment",
     AmbiguousColumnError, "column 'comment': the header has 2 columns of that name, so each is "
     "named by its place: 'comment (column 1)', 'comment (column 2)'; give one of these names"),
    ("stray NUL", _write("a.csv", b"comment\n" + b"a fine comment " * 10 + b"\n" + b"x\x00y\n"),
     "comment", MalformedInputError, "line 3 holds a NUL character"),
    ("ambiguous column", _write("a.csv", b"Comment,comment\na,b\n"), "COMMENT",
     AmbiguousColumnError, "'Comment', 'comment'"),
    ("did you mean", _write("a.csv", b"course,comments\nC,hi\n"), "coment", MissingColumnError,
     "'coment' is not in the file (did you mean 'comments'?)"),
    ("too big", _write("a.csv", b"comment\n" + b"hi\n" * 4000), "comment", LimitExceededError,
     "over the limit of 10,000 bytes"),
    ("bad group-by", _write("a.csv", b"course,comment\nC,hi\n"), "comment", MissingColumnError,
     "'teacher' is not in the file"),
    ("comment column named like an output", _write("a.csv", b"label,x\nhi,1\n"), "label",
     InputError, "cannot be called 'label'"),
    ("comment column named like a score", _write("a.csv", b"score_a\nhi\n"), "score_a",
     InputError, "cannot be called 'score_a'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "column", "error", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_every_refusal_names_the_problem_and_queues_nothing(
    tmp_path: Path,
    make: Callable[[Path], Path],
    column: str | None,
    error: type[InputError],
    message: str,
) -> None:
    backend = make_backend(tmp_path, max_rows=10, max_comment_chars=50, max_upload_bytes=10_000)
    group_by = ["teacher"] if "teacher" in message else []
    if "is the comment column" in message:
        group_by = ["course", " Comment "]
    with pytest.raises(error, match=re.escape(message)):
        service.submit(backend, make(tmp_path), column, group_by)
    assert backend.queue.depth().total == 0
    assert backend.repository.jobs.list_for(service.ANONYMOUS) == []
    assert not list((backend.settings.data_dir / "objects").rglob("*.*"))


def test_txt_and_bom_csv_are_accepted(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    txt = tmp_path / "c.txt"
    txt.write_text("one\n\ntwo\n", encoding="utf-8")
    bom = tmp_path / "c.csv"
    bom.write_text("\ufeffcomment\nhi\n", encoding="utf-8")
    first = service.submit(backend, txt, None)
    second = service.submit(backend, bom, "comment")
    assert service.get_status(backend, first.request_id).rows_total == 2
    assert service.get_status(backend, second.request_id).text_column == "comment"
    assert backend.queue.depth().visible == 2


@pytest.mark.parametrize(
    ("header", "taken"),
    [("row_id,course,instructor,term,comment", "comment"), ("course, Comments ", "Comments"),
     ("course,FEEDBACK,Student comments", "FEEDBACK")],
)  # fmt: skip
def test_without_a_column_the_one_named_like_comments_is_taken(
    tmp_path: Path, header: str, taken: str
) -> None:
    backend = make_backend(tmp_path)
    source = tmp_path / "c.csv"
    columns = header.split(",")
    source.write_text(f"{header}\n" + ",".join(f"v{i}" for i in range(len(columns))) + "\n")
    job = service.get_status(backend, service.submit(backend, source, " ").request_id)
    assert job.text_column == taken
    assert job.rows_total == 1


def test_the_same_file_and_parameters_return_the_existing_job(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "c.csv", ["good", "bad"])
    first = service.submit(backend, source, "comment", ["course"])
    again = service.submit(backend, source, "comment", [" course ", "course"])
    assert again.request_id == first.request_id and again.reused
    fresh = service.submit(backend, source, "comment", ["course"], fresh=True)
    assert fresh.request_id != first.request_id and not fresh.reused
    assert service.submit(backend, source, "comment").request_id != first.request_id
    assert service.submit(backend, source, "comment", owner="k2").request_id != first.request_id
    other_model = replace(backend, settings=backend.settings.replace(model="other"))
    assert service.submit(other_model, source, "comment", ["course"]).reused is False
    assert backend.queue.depth().visible == 5


def test_request_ids_are_random_and_keys_never_use_the_file_name(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "../../etc-passwd.csv", ["x"])
    submitted = service.submit(backend, source, "comment", filename="../../evil name.csv")
    job = backend.repository.jobs.get(submitted.request_id)
    assert len(submitted.request_id) >= 22 and job.input_name == "evil name.csv"
    assert job.input_key == f"uploads/{submitted.request_id}/input.csv"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("n" * 3_000 + ".csv", "n" * 251 + ".csv"),
        ("x" * 300, "x" * 255),
        ("a\x00b\u202e.csv", "ab.csv"),
        ("..\\..\\ok.csv", "ok.csv"),
        ("C:\\Users\\jo\\evals.csv", "evals.csv"),
    ],
    ids=["long with extension", "long without", "NUL and RTL override", "Windows folders", "drive"],
)
def test_the_name_a_job_shows_fits_its_column_and_holds_no_control_character(
    tmp_path: Path, sent: str, shown: str
) -> None:
    """PostgreSQL refuses a NUL and a name over 255 characters: the job would fail to save."""
    backend = make_backend(tmp_path)
    source = comments_csv(tmp_path / "in.csv", ["x"])
    submitted = service.submit(backend, source, "comment", filename=sent)
    assert backend.repository.jobs.get(submitted.request_id).input_name == shown


def test_results_and_summary_can_be_read_while_the_job_runs(tmp_path: Path) -> None:
    backend = make_backend(tmp_path, chunk_rows=3)
    comments = ["good", "bad", "", "good", "meh", "good", "bad"]
    source = comments_csv(tmp_path / "c.csv", comments, courses=["A", "B"] * 3 + ["A"])
    request_id = service.submit(backend, source, "comment", ["course"]).request_id
    workers: list[Worker] = []
    seen: list[tuple[int, int | None, int]] = []

    def peek(_rows: int) -> None:
        page = service.results_page(backend, request_id, offset=0, limit=2)
        summary = service.summary(backend, request_id, group_by="course")
        seen.append((page.available, page.next_offset, summary.overall.rows))
        workers[0].request_stop()

    workers.append(Worker(backend, lambda _ref: FakePredictor(), "w", on_rows=peek))
    workers[0].run()
    assert seen == [(3, 2, 3)]
    status = service.get_status(backend, request_id)
    assert status.status == "running" and status.progress == pytest.approx(3 / 7)
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    page = service.results_page(backend, request_id, offset=5, limit=10)
    assert page.complete and page.next_offset is None and len(page.rows) == 2
    summary = service.summary(backend, request_id, group_by="course")
    assert summary.overall.counts == {"negative": 2, "neutral": 1, "positive": 3}
    assert summary.overall.errors == 1
    assert summary.overall.shares["positive"] == pytest.approx(0.5)
    assert [(g.group, g.rows) for g in summary.groups] == [("A", 4), ("B", 3)]
    job, blocks = service.results_csv(backend, request_id)
    assert job.status is JobStatus.SUCCEEDED
    assert b"".join(blocks).decode().count("\n") == 8


def test_bad_paging_and_summary_parameters_name_the_problem(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "c.csv", ["x"]), "comment"
    ).request_id
    with pytest.raises(InputError, match="limit must be between 1 and 1000"):
        service.results_page(backend, request_id, limit=5000)
    with pytest.raises(InputError, match="offset"):
        service.results_page(backend, request_id, offset=-1)
    with pytest.raises(MissingColumnError, match="'teacher' is not in the job's input"):
        service.summary(backend, request_id, group_by="teacher")
    with pytest.raises(InputError, match="comment column"):
        service.summary(backend, request_id, group_by="comment")
    with pytest.raises(JobNotFound):
        service.get_status(backend, "nope")


def test_a_queued_job_can_be_cancelled_and_has_no_rows(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    request_id = service.submit(
        backend, comments_csv(tmp_path / "c.csv", ["x"]), "comment"
    ).request_id
    assert service.cancel(backend, request_id).status == "cancelled"
    _, blocks = service.results_csv(backend, request_id)
    header = "course,comment,label,error,model_version,language,aspects,aspect_sentiments,theme"
    assert b"".join(blocks).decode("utf-8-sig").splitlines() == [header]


def test_api_keys_decide_the_owner(tmp_path: Path) -> None:
    backend: Backend = make_backend(tmp_path)
    assert service.authenticate(backend, None, required=False) == service.ANONYMOUS
    with pytest.raises(Unauthorized, match="X-API-Key"):
        service.authenticate(backend, None, required=True)  # even with no key at all
    alice = service.create_key(backend, "alice")
    assert alice.secret.startswith("sp_")
    for required in (True, False):
        assert service.authenticate(backend, alice.secret, required) == alice.key_id
        with pytest.raises(Unauthorized, match="not valid"):
            service.authenticate(backend, alice.secret + "x", required)
    with pytest.raises(Unauthorized, match="X-API-Key"):
        service.authenticate(backend, None, required=True)
    service.revoke_key(backend, "alice")  # the last key
    for required in (True, False):
        with pytest.raises(Unauthorized, match="not valid"):
            service.authenticate(backend, alice.secret, required)
    with pytest.raises(Unauthorized, match="X-API-Key"):
        service.authenticate(backend, None, required=True)
    with pytest.raises(InputError):
        service.create_key(backend, "  ")
    assert [k.name for k in service.list_keys(backend)] == ["alice"]


def test_a_file_uploaded_to_the_store_is_submitted_like_a_direct_upload(tmp_path: Path) -> None:
    """The path a Lambda edge takes: a presigned PUT to a generated key, then submit."""
    backend = make_backend(tmp_path)
    key = service.upload_key_for()
    assert key.startswith("uploads/") and key != service.upload_key_for()
    backend.store.put_bytes(key, b"course,comment\nA,good\nB,bad\n")
    submitted = service.submit_stored(backend, key, "comment", filename="mine.csv")
    job = backend.repository.jobs.get(submitted.request_id)
    assert job.rows_total == 2 and job.input_name == "mine.csv"
    # the job reads a copy of its own, the upload is gone: a PUT to its URL changes nothing
    assert job.input_key == f"uploads/{submitted.request_id}/input.csv"
    assert backend.store.get_bytes(job.input_key) == b"course,comment\nA,good\nB,bad\n"
    assert not backend.store.exists(key)
    with pytest.raises(InputError, match="submitted already"):
        service.submit_stored(backend, key, "comment")
    again = service.upload_key_for()
    backend.store.put_bytes(again, b"course,comment\nA,good\nB,bad\n")
    assert service.submit_stored(backend, again, "comment").reused
    assert not backend.store.exists(again)  # consumed by a reused submission too
    other = service.upload_key_for()
    backend.store.put_bytes(other, b"comment\n")
    with pytest.raises(EmptyInputError):
        service.submit_stored(backend, other, "comment", filename="x.csv")
    direct = service.submit(backend, comments_csv(tmp_path / "d.csv", ["ok"]), "comment")
    stored_input = backend.repository.jobs.get(direct.request_id).input_key
    for bad in ("results/abc/results.csv", "uploads/../results/x", stored_input):
        with pytest.raises(InputError, match="not an upload key"):
            service.submit_stored(backend, bad, "comment")
    with pytest.raises(InputError, match="nothing was uploaded"):
        service.submit_stored(backend, service.upload_key_for(), "comment")
    alices = service.upload_key_for("alice")
    backend.store.put_bytes(alices, b"course,comment\nA,good\nB,bad\n")
    with pytest.raises(InputError, match="not an upload key issued to this caller"):
        service.submit_stored(backend, alices, "comment", owner="bob")  # her URL leaked
    hers = service.submit_stored(backend, alices, "comment", owner="alice").request_id
    assert backend.repository.jobs.get(hers, "alice").input_key.startswith(f"uploads/{hers}/")
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    assert service.results_url(backend, submitted.request_id) is None  # a folder has no URLs


def test_an_upload_over_the_limit_is_refused_and_deleted(tmp_path: Path) -> None:
    """An upload URL signs no size: what is over the limit can never be submitted, so it is
    not left in the store with its comments until the bucket's expiry."""
    backend = make_backend(tmp_path, max_upload_bytes=1_000)
    key = service.upload_key_for()
    backend.store.put_bytes(key, b"comment\n" + b"a comment\n" * 200)
    with pytest.raises(LimitExceededError, match="over the limit of 1,000 bytes"):
        service.submit_stored(backend, key, "comment")
    assert not backend.store.exists(key)
    assert backend.queue.depth().total == 0
