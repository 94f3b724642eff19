"""Fixtures the unit tests of the HTTP edges share: an embedded backend that needs no key,
the FastAPI app over it (a module with a ``backend`` of its own gets its app over that), and
what the app's download buttons would serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@pytest.fixture
def served_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What each download made when clicked would serve, by file name (its maker)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, Any] = {}
    add_deferred = MediaFileManager.add_deferred

    def record(self: MediaFileManager, make: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("file_name"):
            files[kwargs["file_name"]] = make
        return add_deferred(self, make, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return files
