"""The app's table of themes over several jobs names what its percentages are of: each job's
labelled comments (``GET /v1/trend/themes``), as the CLI's heading says, not "% of comments
by job", which a reader takes for all the job's rows, the unlabelled ones too."""

from __future__ import annotations

from pipeline.ui import trend


def test_the_theme_tables_shares_are_named_of_labelled_comments() -> None:
    theme = {
        "name": "exams / unfair",
        "counts": [0, 5],
        "shares": [{"share": None}, {"share": 0.25}],
        "direction": None,
        "quotes": [],
    }
    table = trend.theme_table({"themes": [theme]})
    assert list(table.columns) == [
        "theme",
        "comments by job",
        "% of labelled comments by job",
        "trend",
        "beyond the noise",
        "for example",
    ]
    assert table["% of labelled comments by job"].tolist() == ["– → 25"]
