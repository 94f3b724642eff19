"""A group is named alike in every output, the app's Summary (CSV) download included, and a
group's file name is one every file system can make, Windows' included."""

from __future__ import annotations

import csv
import io

import pytest

from pipeline.client import GroupCounts, Summary
from pipeline.file_names import distinct_names, job_stem, safe_name
from pipeline.ui.exports import summary_frame, to_csv_bytes

DEVICES = ["CON", "prn", "Aux", "NUL", "COM1", "com9", "LPT1", "lpt9", "COM0", "COM¹", "LPT³"]


def counted(group: str | None) -> GroupCounts:
    shares: dict[str, float | None] = {"negative": 0.5, "positive": 0.5}
    return GroupCounts(group, 2, 0, {"negative": 1, "positive": 1}, shares, shares)


def test_the_summary_csv_names_groups_as_every_other_output() -> None:
    values = ["", "(all)", "(blank)", '"(all)" (as written)', "CHEM 101"]
    summary = Summary(
        "r", "succeeded", ["negative", "positive"], 10, 10, counted(None), "course",
        [counted(value) for value in values],
    )  # fmt: skip

    written = to_csv_bytes(summary_frame(summary)).decode("utf-8-sig")

    names = [row["course"] for row in csv.DictReader(io.StringIO(written))]
    assert names == [
        "(all)",  # every comment, and only that row
        "(blank)",  # the rows without a course
        '"(all)" (as written)',
        '"(blank)" (as written)',
        '""(all)" (as written)" (as written)',
        "CHEM 101",
    ]


@pytest.mark.parametrize("device", DEVICES)
def test_a_windows_device_name_is_never_a_file_name(device: str) -> None:
    assert safe_name(device) == f"{device}_"
    assert safe_name(f"{device}.txt") == f"{device}_txt"  # no dot is left to end it
    assert job_stem(f"{device}.csv", "AbC123xyZZ").startswith(f"{device}_-")


def test_every_group_of_a_zip_or_a_folder_can_be_made_on_windows() -> None:
    names = list(distinct_names(["AUX", "aux", "COM1", " nul ", "COM10", "CONSOLE", "LPT"]))
    assert names == ["AUX_", "aux_-2", "COM1_", "nul_", "COM10", "CONSOLE", "LPT"]
