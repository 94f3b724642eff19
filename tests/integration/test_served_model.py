"""The shipped model as workers load it (pipeline/model/serving.py): the plain-torch BERT over
the merged checkpoint gives transformers' logits and the same labels, its tokenizer gives the
same token ids, and once the merge is cached a worker loads it without importing transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.model import bert
from pipeline.model.loading import load_model
from pipeline.model.predictor import Predictor
from pipeline.model.serving import load_for_inference

pytestmark = pytest.mark.slow

COMMENTS = [
    "The lectures were clear and the professor cared about every student.",
    "Disorganised labs, late grades and an exam that had nothing to do with the course.",
    "It was fine.",
    "Hard but fair; I would take it again. Café naïve 日本語 🙂 — “quotes” and\ttabs.",
    "The TA was helpful but the homework was far too long. " * 30,  # several windows
]
WORKER = """
import json, sys
from pipeline.model.predictor import Predictor
predictor = Predictor.load("default", precision="fp32")
labels = [p.label for p in predictor.predict(json.loads(sys.argv[1]))]
heavy = [m for m in ("transformers", "torch._dynamo") if m in sys.modules]
print(json.dumps({"labels": labels, "imported": heavy}))
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def use_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_MODEL_CACHE", str(cache))


def test_a_first_load_merges_saves_and_runs_the_plain_model(cache: Path) -> None:
    served = load_for_inference("default")
    assert isinstance(served.model, bert.BertClassifier)
    assert len(list((cache / "merged").iterdir())) == 1
    again = load_for_inference("default")  # now from the saved merge
    assert isinstance(again.model, bert.BertClassifier)
    for name, value in served.model.state_dict().items():
        assert torch.equal(value, again.model.state_dict()[name])


def test_logits_labels_and_token_ids_are_transformers_own() -> None:
    reference = load_model("default")
    served = load_for_inference("default")
    assert (served.labels, served.version, served.max_length, served.temperature) == (
        reference.labels,
        reference.version,
        reference.max_length,
        reference.temperature,
    )
    hf_tokens = reference.tokenizer.backend_tokenizer
    for text in COMMENTS:
        assert served.tokenizer.backend_tokenizer.encode(text).ids == hf_tokens.encode(text).ids
    assert served.tokenizer.pad_token_id == reference.tokenizer.pad_token_id
    expected = Predictor(reference, precision="fp32").predict_proba(COMMENTS)
    found = Predictor(served, precision="fp32").predict_proba(COMMENTS)
    np.testing.assert_allclose(found, expected, atol=1e-5)


def test_a_worker_with_the_merge_cached_does_not_import_transformers(cache: Path) -> None:
    load_for_inference("default")  # the cache holds the merge
    run = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps(COMMENTS)],
        env={**os.environ, "PIPELINE_MODEL_CACHE": str(cache), "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["imported"] == []
    expected = Predictor(load_model("default"), precision="fp32").predict(COMMENTS)
    assert found["labels"] == [p.label for p in expected]
