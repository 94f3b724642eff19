"""A table command (``results``, ``change``, ``trend``, ``flagged``, ``analyze``) refuses an
output named like a report (``.pdf``, ``.html``) before any work, naming ``report``, rather
than write CSV text a viewer cannot open; ``report`` itself writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.cli.output import table_file, writable
from pipeline.errors import InputError


@pytest.mark.parametrize("name", ["r.pdf", "r.html", "R.HTM"])
def test_a_report_name_is_refused_for_a_table(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="`sentiment-pipeline report` makes PDF"):
        table_file(tmp_path / name)
    assert writable(tmp_path / name) == tmp_path / name  # what report writes to


@pytest.mark.parametrize(
    "argv",
    [
        ["results", "r1", "-o", "{out}"],
        ["change", "r2", "--since", "r1", "-o", "{out}"],
        ["trend", "r1", "r2", "-o", "{out}"],
        ["flagged", "r1", "-o", "{out}"],
        ["analyze", "{source}", "-o", "{out}"],
    ],
)
def test_every_table_command_refuses_it_before_asking_anything(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "c.csv"
    source.write_text("comment\ngood\n", encoding="utf-8")
    out = tmp_path / "table.pdf"
    args = [part.format(out=out, source=source) for part in argv]
    assert main([*args, "--api-url", "http://127.0.0.1:9"] if argv[0] != "analyze" else args) == 2
    assert "this command writes a table" in capsys.readouterr().err
    assert not out.exists()


def test_an_old_spreadsheet_name_is_refused_without_promising_pdf(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"a table is written as CSV or Excel \.xlsx"):
        table_file(tmp_path / "r.xls")
