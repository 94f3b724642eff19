"""The README's ``ratings … --column Q2`` example works on an example file the README submits:
it once pointed at ``examples/course_comments.csv``, which has no rating column, and answered
"column 'Q2' is not in the job's input"."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from jobfakes import FakePredictor, make_backend

from pipeline import service
from pipeline.service.ratings import rating_summary
from pipeline.worker import Worker

ROOT = Path(__file__).resolve().parents[2]


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def test_the_ratings_example_runs_on_an_example_file_the_readme_submits(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"sentiment-pipeline ratings \S+ --column (\S+) --group-by (\S+)", readme)
    assert example is not None
    column, group = example.groups()
    submitted = re.findall(r"sentiment-pipeline submit (examples/\S+)", readme)
    rated = [ROOT / name for name in submitted if column in header(ROOT / name)]
    assert rated, f"no example file the README submits has a column {column!r}"
    backend = make_backend(tmp_path, insights=False)
    request_id = service.submit(backend, rated[0], None, group_by=[group]).request_id
    Worker(backend, lambda _ref: FakePredictor(), "w").run(burst=True)
    body = rating_summary(backend, None, request_id, column, group)
    assert body["column"] == column and body["scale"]["best"] == 5
    rated_per_group = {found["group"]: found["rated"] for found in body["groups"]}
    assert rated_per_group == {"CS101": 10, "MATH201": 10, "HIST110": 10}  # and one blank comment
