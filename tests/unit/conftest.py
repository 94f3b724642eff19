"""Fixtures the unit tests of the HTTP edges share: an embedded backend that needs no key,
and the FastAPI app over it (a module with a ``backend`` of its own gets its app over that)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jobfakes import make_backend

from pipeline.api.app import create_app
from pipeline.bootstrap import Backend


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return make_backend(tmp_path, auth="none")


@pytest.fixture
def client(backend: Backend) -> TestClient:
    return TestClient(create_app(backend))
