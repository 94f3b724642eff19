"""What the command line writes: an output it cannot write is refused by name before any work,
with exit status 2 and no traceback, and a write that fails half-way leaves no file behind."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from httpfakes import in_process_client
from insightfakes import fake_analyst
from jobfakes import FakePredictor
from openpyxl import load_workbook

from pipeline.bootstrap import Backend
from pipeline.cli import change_commands, flagged_commands
from pipeline.cli.main import main
from pipeline.cli.output import writable, write_table, write_whole, writing
from pipeline.client import PipelineClient
from pipeline.errors import InputError
from pipeline.worker import Worker


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("kept")
    (tmp_path / "adir").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("adir", "adir is a folder: name a file to write"),
        ("afile/out.csv", "afile is a file, not a folder"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_by_name(
    folder: Path, name: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        writable(folder / name)


def test_a_write_that_fails_half_way_leaves_neither_the_file_nor_a_part(folder: Path) -> None:
    target = folder / "new" / "results.csv"
    with pytest.raises(RuntimeError), writing(target) as handle:
        handle.write(b"half")
        raise RuntimeError("the download broke")

    assert not target.exists() and not list(target.parent.glob("*.part"))
    write_whole(target, b"whole")
    assert target.read_bytes() == b"whole" and not list(target.parent.glob("*.part"))


@pytest.mark.parametrize(
    "argv",
    [
        ["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", "{dir}/adir"],
        ["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", "{dir}/afile/out.xlsx"],
        ["report", "AAAAAAAAAAAAAAAAAAAAAA", "-o", "{dir}/afile/report.pdf"],
        ["flagged", "AAAAAAAAAAAAAAAAAAAAAA", "-o", "{dir}/adir"],
        ["analyze", "{dir}/afile", "-o", "{dir}/adir"],
        [
            "change",
            "AAAAAAAAAAAAAAAAAAAAAA",
            "--since",
            "BBBBBBBBBBBBBBBBBBBBBB",
            "-o",
            "{dir}/adir",
        ],
        [
            "report",
            "AAAAAAAAAAAAAAAAAAAAAA",
            "--group-by",
            "c",
            "--each-group",
            "--output-dir",
            "{dir}/afile",
        ],
    ],
    ids=["results", "results-xlsx", "report", "flagged", "analyze", "change", "report-each"],
)
def test_every_command_refuses_an_unwritable_output_without_a_traceback(
    folder: Path,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPELINE_API_URL", "http://127.0.0.1:9")  # nothing is asked of it
    code = main([part.replace("{dir}", str(folder)) for part in argv])

    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: "), err
    assert "Traceback" not in err and ("folder" in err)
    assert (folder / "afile").read_text() == "kept"


def test_results_to_an_xlsx_file_are_a_workbook_with_no_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = (
        b"course,comment,label,score_positive\n"
        b'CHEM110,"=HYPERLINK(""http://evil"",""x"")",negative,0.1\n'
        b"BIO101,Clear slides,positive,0.9\n"
    )
    asked: list[bool] = []

    def results_csv(self: PipelineClient, request_id: str, **options: bool) -> bytes:
        asked.append(options.get("raw", False))
        return stored

    def status(self: PipelineClient, request_id: str) -> SimpleNamespace:
        return SimpleNamespace(status="succeeded", rows_done=2, rows_total=2)

    monkeypatch.setattr(PipelineClient, "results_csv", results_csv)
    monkeypatch.setattr(PipelineClient, "status", status)
    monkeypatch.setenv("PIPELINE_API_URL", "http://api.test")
    target = tmp_path / "Results.XLSX"
    assert main(["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", str(target)]) == 0
    sheet = load_workbook(target).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["course", "comment", "label", "score_positive"],
        ["CHEM110", '=HYPERLINK("http://evil","x")', "negative", 0.1],
        ["BIO101", "Clear slides", "positive", 0.9],
    ]
    assert sheet["B2"].quotePrefix and sheet["B2"].data_type == "s", "held as text"
    assert asked == [True]  # read as stored, escaped once when written
    assert "(Excel)" in capsys.readouterr().err

    assert main(["results", "AAAAAAAAAAAAAAAAAAAAAA", "-o", str(tmp_path / "r.xlsx"), "--raw"]) == 2
    assert "--raw is for a CSV" in capsys.readouterr().err
    assert not (tmp_path / "r.xlsx").exists() and asked == [True]


def test_analyze_refuses_to_write_over_its_input_or_read_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "evaluations.csv"
    source.write_text("comment\ngood course\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(source)
    for output in (source, tmp_path / "." / "evaluations.csv", tmp_path / "link.csv"):
        assert main(["analyze", str(source), "-o", str(output)]) == 2
        assert "is the input file" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == "comment\ngood course\n"
    assert main(["analyze", str(tmp_path / "nosuch.csv"), "-o", str(tmp_path / "o.csv")]) == 2
    assert "nosuch.csv is not a file" in capsys.readouterr().err


def test_analyze_refuses_raw_excel_before_loading_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It loaded the model (40 s on a busy machine) before refusing what its arguments said."""
    from pipeline.cli import model_commands

    def no_model(_settings: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(model_commands, "_predictor", no_model)
    source = tmp_path / "evaluations.csv"
    source.write_text("comment\ngood course\n", encoding="utf-8")
    target = tmp_path / "results.XLSX"
    assert main(["analyze", str(source), "-o", str(target), "--raw"]) == 2
    assert "--raw is for a CSV" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("course,Q1\nCHEM110,good course\n", "choose the comment column"),
        ("comment\n", "no rows"),
    ],
    ids=["no-comment-column", "no-rows"],
)
def test_analyze_refuses_a_file_it_cannot_label_before_loading_the_model(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str,
    said: str,
) -> None:
    """The file was read only once the model had loaded: a refusal of its content came after
    that wait (1.2 s of 3.4 on a Zen 4, more for a model fetched from s3://)."""
    from pipeline.cli import model_commands

    def no_model(_settings: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(model_commands, "_predictor", no_model)
    source = tmp_path / "evaluations.csv"
    source.write_text(content, encoding="utf-8")
    assert main(["analyze", str(source), "-o", str(tmp_path / "out.csv")]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_a_table_workbook_keeps_text_as_text_and_figures_as_numbers(tmp_path: Path) -> None:
    """A section "001" read back from the CSV became the number 1, and a share column with a
    blank cell became text."""
    table = (
        "part,kind,n_before,negative_before,beyond_the_noise\n"
        "001,group,12,0.25,\n010,group,3,,negative up\n"
    )
    target = tmp_path / "t.xlsx"
    write_table(
        target, lambda _raw: table, "change", lambda column: column.startswith(("n_", "negative"))
    )
    sheet = load_workbook(target)["change"]
    header, *rows = sheet.iter_rows(values_only=True)
    assert header == ("part", "kind", "n_before", "negative_before", "beyond_the_noise")
    assert rows == [("001", "group", 12, 0.25, None), ("010", "group", 3, None, "negative up")]


@pytest.mark.parametrize("name", ["r.xls", "r.XLSM", "r.ods", "r.numbers"])
def test_a_spreadsheet_name_the_command_line_cannot_write_is_refused(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(InputError, match=r"name it \.csv or \.xlsx"):
        writable(tmp_path / name)


def test_analyze_refuses_an_unreadable_names_file_before_labelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipeline.analyze

    source = tmp_path / "in.csv"
    source.write_text("comment\ngood\n", encoding="utf-8")
    labelled: list[Path] = []
    monkeypatch.setattr(
        pipeline.analyze, "analyze_file", lambda *args, **_: labelled.append(args[0])
    )
    monkeypatch.setenv("PIPELINE_SCREEN_NAMES_FILE", str(tmp_path / "roster.txt"))
    assert main(["analyze", str(source), "-o", str(tmp_path / "out.csv")]) == 1
    assert "PIPELINE_SCREEN_NAMES_FILE=" in capsys.readouterr().err
    assert labelled == [] and not (tmp_path / "out.csv").exists()


RISKY = ("-2 section", "=z", "@x")
THREAT = "-1+1 I will kill the professor"


def test_the_change_trend_and_flagged_workbooks_hold_each_cell_as_written(
    backend: Backend, client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """They were read from the CSV, whose formula escape then stood in the text: a course
    "'-2 section" matched no "-2 section" of the results workbook."""
    ids = []
    for term in ("fall", "spring"):
        rows = "".join(f"{course},good {term} labs {i}\n" for course in RISKY for i in range(3))
        answer = client.post(
            "/v1/jobs",
            files={"file": (f"{term}.csv", f"course,comment\n{rows}=z,{THREAT}\n".encode())},
            data={"text_column": "comment", "group_by": "course"},
        )
        ids.append(answer.json()["request_id"])
    Worker(backend, lambda _ref: FakePredictor(), "w", insights=fake_analyst).run(burst=True)
    for commands in (change_commands, flagged_commands):
        monkeypatch.setattr(commands, "api_client", lambda _args: in_process_client(client))
    earlier, now = ids
    grouped = ["--group-by", "course", "-o"]

    assert main(["change", now, "--since", earlier, *grouped, str(tmp_path / "c.xlsx")]) == 0
    assert main(["trend", earlier, now, *grouped, str(tmp_path / "t.xlsx")]) == 0
    assert main(["flagged", now, *grouped, str(tmp_path / "f.xlsx")]) == 0
    assert main(["change", now, "--since", earlier, *grouped, str(tmp_path / "c.csv")]) == 0

    for name, sheet, wanted in (
        ("c.xlsx", "change", RISKY),
        ("t.xlsx", "trend", RISKY),
        ("f.xlsx", "flagged", ("=z", THREAT)),
    ):
        cells = [cell for row in load_workbook(tmp_path / name)[sheet].iter_rows() for cell in row]
        found = {cell.value: cell for cell in cells if cell.value in wanted}
        assert sorted(found) == sorted(wanted), (name, [cell.value for cell in cells])
        assert all(cell.data_type == "s" and cell.quotePrefix for cell in found.values())
        assert not any(str(cell.value).startswith("'") for cell in cells), name
    written = (tmp_path / "c.csv").read_text(encoding="utf-8")
    assert "\n'-2 section,group," in written and "\n'=z,group," in written  # still escaped
