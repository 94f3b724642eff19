"""What a notebook has in hand when it submits: a DataFrame, CSV text, a StringIO or a file
opened as text is refused before anything is sent, by an InputError saying what to pass (a
file's bytes, a file opened for binary reading, a BytesIO), never by httpx's TypeError; the
BytesIO it names is sent."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pandas as pd
import pytest

from pipeline.client import PipelineClient
from pipeline.errors import InputError

FRAME = pd.DataFrame({"comment": ["The labs were great.", "Too much homework."]})
CSV_TEXT = FRAME.to_csv(index=False)


def _refusing(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing is sent, yet {request.url} was asked")


def _refused(content: object) -> str:
    with (
        PipelineClient("http://api.test", transport=httpx.MockTransport(_refusing)) as client,
        pytest.raises(InputError) as caught,
    ):
        client.submit(content, "comments.csv", "comment")  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (FRAME, "not a DataFrame"),
        (CSV_TEXT, "not a str"),
        (io.StringIO(CSV_TEXT), "not a file opened as text (StringIO)"),
    ],
    ids=["dataframe", "csv-text", "stringio"],
)
def test_what_is_no_files_bytes_is_refused_saying_what_to_pass(content: object, named: str) -> None:
    said = _refused(content)
    assert named in said
    assert "io.BytesIO(frame.to_csv(index=False).encode('utf-8'))" in said
    assert "open(path, 'rb')" in said


def test_a_file_opened_as_text_is_refused_not_sent_as_its_characters(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    with path.open(encoding="utf-8") as text:
        assert "not a file opened as text (TextIOWrapper)" in _refused(text)


def test_the_bytes_io_the_message_names_is_sent_whole() -> None:
    sent: list[bytes] = []

    def accept(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(202, json={"request_id": "r1", "status": "queued"})

    content = io.BytesIO(FRAME.to_csv(index=False).encode("utf-8"))
    with PipelineClient("http://api.test", transport=httpx.MockTransport(accept)) as client:
        assert client.submit(content, "comments.csv", "comment").request_id == "r1"
    assert CSV_TEXT.encode("utf-8") in sent[0]
