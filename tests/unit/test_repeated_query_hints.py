"""A query parameter given twice is refused by name; the hint on how to give several values at
once is for the parameters that take a list only, and says what goes in it (request ids for
``jobs`` and ``trend``, kinds for ``kinds``), not request ids for a ``label``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pipeline.api.common import refuse_repeated_query
from pipeline.errors import InvalidRequest


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("jobs", "give it once (several request ids go in one value, separated by commas)"),
        ("trend", "give it once (several request ids go in one value, separated by commas)"),
        ("kinds", "give it once (several kinds go in one value, separated by commas)"),
        ("label", "give it once"),
        ("group_by", "give it once"),
    ],
)
def test_the_hint_fits_the_parameter(name: str, said: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        refuse_repeated_query([(name, "a"), ("format", "csv"), (name, "b")])
    assert str(refused.value) == f"query parameter '{name}' given 2 times: {said}"


def test_a_repeated_label_is_not_told_about_request_ids(client: TestClient) -> None:
    refused = client.get(
        "/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/themes",
        params=[("label", "negative"), ("label", "positive")],
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "query parameter 'label' given 2 times: give it once"
