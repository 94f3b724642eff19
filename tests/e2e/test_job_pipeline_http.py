"""The embedded product end to end: `sentiment-pipeline up` in its own process, real worker
processes started by the master, the tiny real model, and HTTP calls like a client makes."""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from xlsxfakes import evaluation_export, repeated_cells_bomb

from pipeline.db import Repository

pytestmark = pytest.mark.slow

OPENINGS = ["The lectures", "The labs", "Homework", "The exams", "Office hours", "The textbook"]
VERDICTS = ["were excellent", "were a waste of time", "were fine", "felt rushed", "helped a lot"]
WAIT_S = 600


@dataclass(frozen=True)
class Server:
    url: str
    alice: str
    bob: str
    data_dir: Path
    log: Path

    def client(self, key: str | None) -> httpx.Client:
        headers = {"X-API-Key": key} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def comments_file(path: Path, count: int, tag: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["course", "comment"])
        for i in range(count):
            comment = f"{OPENINGS[i % 6]} {VERDICTS[i % 5]} ({tag} #{i})"
            writer.writerow([f"C{i % 4}", "" if i % 97 == 5 else comment])
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_DATA_DIR": str(data_dir),
        "PIPELINE_MODEL": str(tiny_model_dir),
        "PIPELINE_DEVICE": "cpu",
        "PIPELINE_API_PORT": str(port),
        "PIPELINE_CHUNK_ROWS": "25",
        "PIPELINE_MAX_WORKERS": "2",
        "PIPELINE_VISIBILITY_TIMEOUT_S": "10",
        "PIPELINE_WORKER_IDLE_TIMEOUT_S": "60",
        "PIPELINE_MASTER_INTERVAL_S": "0.5",
        "PIPELINE_WORKER_POLL_S": "0.5",
        "PIPELINE_AUTH": "keys",  # on loopback keys are optional unless required
    }
    alice, bob = (cli(env, "keys", "create", name).stdout.strip() for name in ("alice", "bob"))
    assert alice.startswith("sp_") and bob.startswith("sp_")
    log = data_dir / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "up"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url) or process.poll() is not None, 120, "the API to start")
        assert process.poll() is None, log.read_text()
        yield Server(url, alice, bob, data_dir, log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    assert not _worker_pids(data_dir)  # the workers went with the server


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _worker_pids(data_dir: Path) -> dict[str, int]:
    """Busy workers' process ids by job id, from the heartbeat table."""
    repository = Repository.connect(f"sqlite:///{data_dir / 'pipeline.db'}")
    try:
        return {w.current_job: w.pid for w in repository.workers.all() if w.current_job}
    finally:
        repository.database.dispose()


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def submit(client: httpx.Client, path: Path, **form: Any) -> str:
    with path.open("rb") as handle:
        answer = client.post(
            "/v1/jobs", files={"file": (path.name, handle)}, data={"text_column": "comment", **form}
        )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["request_id"])


def finished(client: httpx.Client, request_id: str) -> dict[str, Any]:
    def poll() -> dict[str, Any] | None:
        status = client.get(f"/v1/jobs/{request_id}").json()
        return status if status["status"] in ("succeeded", "failed", "cancelled") else None

    result: dict[str, Any] = wait_for(poll, WAIT_S, f"job {request_id} to finish")
    return result


def all_rows(client: httpx.Client, request_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(
            f"/v1/jobs/{request_id}/results", params={"offset": offset, "limit": 1000}
        ).json()
        rows.extend(page["rows"])
        offset = page["next_offset"]
    return rows


def test_a_1000_comment_file_goes_from_submit_to_results(server: Server, tmp_path: Path) -> None:
    source = comments_file(tmp_path / "thousand.csv", 1000, "full")
    with server.client(server.alice) as client:
        request_id = submit(client, source, group_by="course")
        status = finished(client, request_id)
        assert status["status"] == "succeeded", status
        assert (status["rows_total"], status["rows_done"], status["rows_failed"]) == (
            1000,
            1000,
            11,
        )
        rows = all_rows(client, request_id)
        expected = list(csv.DictReader(source.open(encoding="utf-8")))
        assert [r["comment"] for r in rows] == [e["comment"] for e in expected]
        assert [r["course"] for r in rows] == [e["course"] for e in expected]
        assert {r["label"] for r in rows} <= {"negative", "neutral", "positive", None}
        assert any(r["aspects"] for r in rows)  # the workers computed insights (issue 13)
        assert all(r["theme"] is not None for r in rows if r["label"])
        download = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"})
        assert download.content.startswith(b"\xef\xbb\xbf")  # escaped: a BOM, for Excel
        table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert len(table) == 1000 and list(table[0]) == [
            "course", "comment", "label", "score_negative", "score_neutral", "score_positive",
            "error", "model_version", "language", "aspects", "aspect_sentiments", "theme",
        ]  # fmt: skip
        summary = client.get(f"/v1/jobs/{request_id}/summary", params={"group_by": "course"})
        groups = summary.json()["groups"]
        assert [g["group"] for g in groups] == ["C0", "C1", "C2", "C3"]
        assert sum(g["rows"] for g in groups) == 1000


def test_a_worker_killed_mid_job_still_yields_one_row_per_input_row(
    server: Server, tmp_path: Path
) -> None:
    source = comments_file(tmp_path / "kill.csv", 600, "kill")
    with server.client(server.alice) as client:
        request_id = submit(client, source)

        def busy_pid() -> int | None:
            status = client.get(f"/v1/jobs/{request_id}").json()
            pid = _worker_pids(server.data_dir).get(request_id)
            return pid if pid and 25 <= status["rows_done"] < 500 else None

        pid = wait_for(busy_pid, WAIT_S, "a worker to be part-way through the job")
        os.kill(pid, signal.SIGKILL)
        status = finished(client, request_id)
        assert status["status"] == "succeeded", status
        assert status["attempts"] >= 2 and status["rows_done"] == 600
        rows = all_rows(client, request_id)
        expected = [e["comment"] for e in csv.DictReader(source.open(encoding="utf-8"))]
        assert [r["comment"] for r in rows] == expected  # every row, once, in order
        table = client.get(f"/v1/jobs/{request_id}/results", params={"format": "csv"}).text
        assert len(list(csv.DictReader(io.StringIO(table)))) == 600


def test_a_cancelled_job_keeps_its_finished_rows(server: Server, tmp_path: Path) -> None:
    source = comments_file(tmp_path / "cancel.csv", 800, "cancel")
    with server.client(server.alice) as client:
        request_id = submit(client, source)

        def some_rows_done() -> bool:
            return bool(client.get(f"/v1/jobs/{request_id}").json()["rows_done"] >= 25)

        wait_for(some_rows_done, WAIT_S, "the first chunk")
        answer = client.delete(f"/v1/jobs/{request_id}")
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
        kept = answer.json()["rows_done"]
        assert 25 <= kept < 800
        wait_for(
            lambda: request_id not in _worker_pids(server.data_dir), 60, "the worker to let go"
        )
        status = client.get(f"/v1/jobs/{request_id}").json()
        assert (status["status"], status["rows_done"]) == ("cancelled", kept)
        rows = all_rows(client, request_id)
        expected = [e["comment"] for e in csv.DictReader(source.open(encoding="utf-8"))]
        assert [r["comment"] for r in rows] == expected[:kept]
        again = client.delete(f"/v1/jobs/{request_id}")
        assert again.status_code == 200 and again.json()["status"] == "cancelled"


def test_a_second_api_key_cannot_see_the_first_keys_job(server: Server, tmp_path: Path) -> None:
    source = comments_file(tmp_path / "private.csv", 30, "private")
    with server.client(server.alice) as alice, server.client(server.bob) as bob:
        request_id = submit(alice, source)
        for method, path in [
            ("GET", ""),
            ("GET", "/results"),
            ("GET", "/results?format=csv"),
            ("GET", "/summary"),
            ("DELETE", ""),
        ]:
            answer = bob.request(method, f"/v1/jobs/{request_id}{path}")
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json()["error"] == "job_not_found"
        assert bob.get("/v1/jobs").json() == {"jobs": []}
        with server.client(None) as anonymous:
            refused = anonymous.get(f"/v1/jobs/{request_id}")
            assert refused.status_code == 401 and "X-API-Key" in refused.json()["detail"]
        assert alice.get(f"/v1/jobs/{request_id}").status_code == 200
        assert finished(alice, request_id)["status"] == "succeeded"


def test_listening_beyond_loopback_without_a_key_is_refused(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_DATA_DIR": str(tmp_path),
    }
    done = cli(env, "up", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 1
    assert "refusing to start on 0.0.0.0" in done.stderr and "keys create" in done.stderr


def test_a_names_file_that_cannot_be_read_stops_the_start(tmp_path: Path) -> None:
    """Not the first report, with a roster's names shown unmasked or a 500."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_DATA_DIR": str(tmp_path),
        "PIPELINE_SCREEN_NAMES_FILE": str(tmp_path / "roster.txt"),
    }
    done = cli(env, "up", "--port", str(free_port()))
    assert done.returncode == 1
    assert "PIPELINE_SCREEN_NAMES_FILE=" in done.stderr and "roster.txt" in done.stderr


def test_the_command_line_client(server: Server, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_API_URL": server.url,
        "PIPELINE_API_KEY": server.alice,
    }
    source = comments_file(tmp_path / "cli.csv", 40, "cli")
    submitted = cli(env, "submit", str(source), "--text-column", "comment", "--wait")
    assert submitted.returncode == 0, submitted.stderr
    request_id = submitted.stdout.strip()  # the id alone: ID=$(submit … --wait)
    assert f"{request_id} succeeded: 40/40 rows" in submitted.stderr
    output = tmp_path / "out" / "results.csv"
    assert cli(env, "results", request_id, "--output", str(output)).returncode == 0
    assert len(list(csv.DictReader(output.open(encoding="utf-8")))) == 40
    status = cli(env, "status", request_id, "--json")
    assert '"status": "succeeded"' in status.stdout
    summary = cli(env, "summary", request_id, "--group-by", "course")
    assert summary.returncode == 0 and summary.stdout.splitlines()[2].startswith("C0")
    assert summary.stdout.splitlines()[0].split()[:4] == ["group", "rows", "no", "label"]
    again = cli(env, "submit", str(source), "--text-column", "comment")
    assert again.stdout.strip() == request_id and "--fresh" in again.stderr
    refused = cli(env, "cancel", request_id)
    assert refused.returncode == 1 and "already succeeded" in refused.stderr
    missing = cli(env, "submit", str(source), "--text-column", "feedback")
    assert missing.returncode == 2 and "'feedback' is not in the file" in missing.stderr
    wrong_key = cli({**env, "PIPELINE_API_KEY": "sp_nope"}, "status", request_id)
    assert wrong_key.returncode == 1 and "not valid" in wrong_key.stderr


def test_an_evaluation_workbook_through_the_api_and_the_command_line(
    server: Server, tmp_path: Path
) -> None:
    """An export as evaluation systems make them: a cover sheet first, title rows above the
    header. It goes in over HTTP as a multipart upload (spooled under a name with no
    extension) and through `submit --sheet`; a bomb is refused and the service answers."""
    workbook = evaluation_export(tmp_path / "evaluations.xlsx")
    with server.client(server.alice) as client:
        request_id = submit(client, workbook, group_by="course")
        status = finished(client, request_id)
        assert status["status"] == "succeeded", status
        assert status["input_options"] == {"sheet": "Answers", "header_row": 3}
        rows = all_rows(client, request_id)
        assert [(r["Course"], r["Comment"]) for r in rows] == [
            ("CS101", "Great lectures"),
            ("CS101", "Too fast"),
            ("MATH201", ""),
        ]
        bomb = client.post(
            "/v1/jobs",
            files={"file": ("bomb.xlsx", repeated_cells_bomb())},
            data={"text_column": "comment"},
        )
        assert (bomb.status_code, bomb.json()["error"]) == (413, "limit_exceeded")
        assert client.get("/health").status_code == 200
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")},
        "PIPELINE_API_URL": server.url,
        "PIPELINE_API_KEY": server.alice,
    }
    notes = cli(
        env, "submit", str(workbook), "--text-column", "comment", "--sheet", "Notes", "--wait"
    )
    assert notes.returncode == 0, notes.stderr
    assert "succeeded: 1/1 rows from sheet 'Notes' (header on row 1)" in notes.stderr
    unknown = cli(env, "submit", str(workbook), "--text-column", "comment", "--sheet", "9")
    assert unknown.returncode == 2 and "no sheet '9'" in unknown.stderr
