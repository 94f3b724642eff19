"""Submitting an upload key (a file PUT to an upload URL): the name sent with it is only the
job's label and, by its extension, the format, never a path on the server's disk; and the key
starts one job, whatever its URL (writable until it expires) receives after the submit."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfakes import make_backend
from openpyxl import Workbook

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.errors import InputError, LimitExceededError
from pipeline.service.jobs import submitted_key

CSV = b"course,comment\nC1,great course\nC2,awful\n"
LATER = b"course,comment\nEVIL,injected wonderful comment\n"
LONG_CJK = "课程评价" * 30 + ".csv"  # 122 characters, 363 bytes: over a file name's 255


def uploaded(backend: Backend, content: bytes, owner: str = "anonymous") -> str:
    """A key as ``request_upload`` issues it, with ``content`` PUT to it (the local store
    signs no URL: the PUT is the store's own write)."""
    key = service.upload_key_for(owner)
    backend.store.put_bytes(key, content)
    return key


NAMES = {
    "long CJK": LONG_CJK,
    "300 characters": "a" * 300 + ".csv",
    "dot dot": "..",
    "dot": ".",
    "slash": "/",
    "folder dot dot": "a/..",
    "NUL": "x\0y.csv",
    "climbing": "../../etc/p.csv",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_any_name_sent_with_an_upload_key_is_taken_as_a_direct_upload_takes_it(
    tmp_path: Path, name: str
) -> None:
    backend = make_backend(tmp_path)
    by_key = service.submit_stored(backend, uploaded(backend, CSV), "comment", filename=name)

    direct_file = tmp_path / "sent.csv"
    direct_file.write_bytes(CSV)
    direct = service.submit(backend, direct_file, "comment", filename=name, fresh=True)

    ours, theirs = (backend.repository.jobs.get(s.request_id) for s in (by_key, direct))
    assert not by_key.reused and ours.rows_total == 2
    assert (ours.input_name, ours.input_format) == (theirs.input_name, theirs.input_format)
    assert "\0" not in ours.input_name and len(ours.input_name) <= 255


def test_a_long_non_ascii_name_keeps_its_extension_for_the_format(tmp_path: Path) -> None:
    backend = make_backend(tmp_path)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["course", "comment"])
    sheet.append(["C1", "great course"])
    workbook = tmp_path / "book.xlsx"
    book.save(workbook)
    name = "课程评价" * 30 + ".xlsx"

    submitted = service.submit_stored(
        backend, uploaded(backend, workbook.read_bytes()), "comment", filename=name
    )

    job = backend.repository.jobs.get(submitted.request_id)
    assert (job.input_format, job.input_name, job.rows_total) == ("xlsx", name, 1)


@pytest.mark.parametrize("fresh", [False, True])
def test_an_upload_key_submitted_once_is_refused_after_a_later_put(
    tmp_path: Path, fresh: bool
) -> None:
    backend = make_backend(tmp_path)
    key = uploaded(backend, CSV, "alice")
    first = service.submit_stored(backend, key, "comment", owner="alice", filename="x.csv")

    backend.store.put_bytes(key, LATER)  # whoever holds the URL PUTs again
    with pytest.raises(InputError, match=rf"submitted already \(job {first.request_id}\)"):
        service.submit_stored(backend, key, "comment", owner="alice", fresh=fresh)

    (job,) = backend.repository.jobs.list_for("alice")
    assert job.request_id == first.request_id
    assert backend.store.get_bytes(job.input_key) == CSV


def test_an_upload_key_whose_submit_reused_a_job_is_refused_after_a_later_put(
    tmp_path: Path,
) -> None:
    """A submission of content already labelled starts no job of its own: the key is spent
    all the same."""
    backend = make_backend(tmp_path)
    first = service.submit_stored(backend, uploaded(backend, CSV), "comment")
    key = uploaded(backend, CSV)
    assert service.submit_stored(backend, key, "comment").reused

    backend.store.put_bytes(key, LATER)
    with pytest.raises(InputError, match=rf"submitted already \(job {first.request_id}\)"):
        service.submit_stored(backend, key, "comment", fresh=True)
    assert len(backend.repository.jobs.list_for("anonymous")) == 1


def test_an_upload_key_not_yet_accepted_can_be_submitted_again(tmp_path: Path) -> None:
    """Refused for its column, or for its size: nothing started, so the key is not spent."""
    backend = make_backend(tmp_path, max_upload_bytes=1_000)
    key = uploaded(backend, CSV)
    with pytest.raises(InputError):
        service.submit_stored(backend, key, "no such column")
    accepted = service.submit_stored(backend, key, "comment")
    assert backend.store.get_bytes(submitted_key(key)) == accepted.request_id.encode()

    too_big = uploaded(backend, b"comment\n" + b"a comment\n" * 200)
    with pytest.raises(LimitExceededError):
        service.submit_stored(backend, too_big, "comment")
    backend.store.put_bytes(too_big, CSV)  # the same URL, a file within the limit
    assert service.submit_stored(backend, too_big, "comment", fresh=True).request_id


def test_a_submit_running_when_another_of_its_key_is_accepted_reads_no_later_put(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client's retry after a submit that timed out, while that submit still runs: the
    retry must not start a job on what the URL received after the first was accepted."""
    backend = make_backend(tmp_path)
    key = uploaded(backend, CSV)
    stat = backend.store.stat
    accepted: list[str] = []

    def the_other_submit_ends_first(looked_up: str) -> object:
        monkeypatch.setattr(backend.store, "stat", stat)
        accepted.append(service.submit_stored(backend, key, "comment").request_id)
        backend.store.put_bytes(key, LATER)  # whoever holds the URL, after that submit
        return stat(looked_up)

    monkeypatch.setattr(backend.store, "stat", the_other_submit_ends_first)
    with pytest.raises(InputError, match="submitted already"):
        service.submit_stored(backend, key, "comment", fresh=True)

    (job,) = backend.repository.jobs.list_for("anonymous")
    assert [job.request_id] == accepted
    assert backend.store.get_bytes(job.input_key) == CSV
