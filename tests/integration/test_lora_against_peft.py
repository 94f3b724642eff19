"""The peft-free merge gives exactly peft's merged model on the shipped adapter, and loading the
shipped model no longer imports peft (a third of a worker's cold start)."""

from __future__ import annotations

import json
import subprocess
import sys

import torch
from transformers import AutoModelForSequenceClassification

from pipeline.model.locate import resolve_model_dir
from pipeline.model.lora import merge_plain_lora


def base_classifier() -> torch.nn.Module:
    directory = resolve_model_dir("default")
    card = json.loads((directory / "model_card.json").read_text())
    labels = card["labels"]
    torch.manual_seed(0)  # the head is replaced by the adapter's; seed it anyway for equality
    return AutoModelForSequenceClassification.from_pretrained(
        resolve_model_dir(card["base_model"]),
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )


def test_the_merge_equals_peft_merge_and_unload() -> None:
    from peft import PeftModel

    directory = resolve_model_dir("default")
    ours = base_classifier()
    assert merge_plain_lora(ours, directory)
    theirs = PeftModel.from_pretrained(base_classifier(), directory).merge_and_unload()
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert mine.keys() == reference.keys()
    for name, value in reference.items():
        torch.testing.assert_close(mine[name], value, rtol=0, atol=1e-6, msg=name)


def test_loading_the_shipped_model_does_not_import_peft() -> None:
    code = (
        "import sys\n"
        "from pipeline.model.predictor import Predictor\n"
        "p = Predictor.load('default', device='cpu', precision='fp32')\n"
        "assert p.predict_proba(['a great course']).shape == (1, 3)\n"
        "print('peft' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
