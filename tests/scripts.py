"""A script of the repository (a benchmark) loaded as a module, as the tests of its logic need."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(path: Path, name: str) -> ModuleType:
    """``path`` run as module ``name``, with its folder on ``sys.path`` (the benchmarks import
    their neighbours, such as ``comments``)."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
