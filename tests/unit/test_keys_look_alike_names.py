"""A key name that reads as another key's (``Chem`` or ``сhem`` with a Cyrillic с beside
``chem``) is refused, naming the existing key: `keys list` showed two keys alike, and the
commands that pick a key by its exact name acted on another department's for the spelling an
operator typed or pasted."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfakes import make_backend

from pipeline import service
from pipeline.bootstrap import Backend
from pipeline.errors import Conflict


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    made = make_backend(tmp_path, auth="keys")
    service.create_key(made, "chem")
    return made


@pytest.mark.parametrize(
    "name",
    [
        "Chem",
        "CHEM",
        "\u0441hem",  # Cyrillic с
        "\u0421hem",  # Cyrillic С
        "ch\u0435m",  # Cyrillic е
        "\uff43\uff48\uff45\uff4d",  # fullwidth
        "che\u200bm",  # a zero-width space inside
    ],
)
def test_a_name_that_reads_as_an_existing_keys_is_refused_naming_it(
    backend: Backend, name: str
) -> None:
    with pytest.raises(Conflict, match="reads as the existing API key 'chem'"):
        service.create_key(backend, name)
    assert [key.name for key in service.list_keys(backend)] == ["chem"]


def test_a_revoked_keys_name_is_guarded_too(backend: Backend) -> None:
    service.revoke_key(backend, "chem")
    with pytest.raises(Conflict, match="'chem'"):
        service.create_key(backend, "Chem")


def test_names_that_read_differently_are_accepted(backend: Backend) -> None:
    for name in ("chem2", "chem dept", "\u0445\u0438\u043c\u0438\u044f", "phys"):
        service.create_key(backend, name)
    assert len(service.list_keys(backend)) == 5


def test_the_very_same_name_still_says_it_exists(backend: Backend) -> None:
    with pytest.raises(Conflict, match="an API key named 'chem' already exists"):
        service.create_key(backend, "chem")


def test_the_refusal_shows_how_a_look_alike_is_written(backend: Backend) -> None:
    with pytest.raises(Conflict, match=r"\(written '\\u0441hem'\)"):
        service.create_key(backend, "\u0441hem")
