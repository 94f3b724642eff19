"""Loading what the predictor runs without transformers: a BERT checkpoint and its
tokenizer.json are read directly; anything else goes to ``load_model`` (the shipped model's
adapter, merged and cached, is covered by tests/integration/test_served_model.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from pipeline.errors import ModelLoadError
from pipeline.model import bert, serving
from pipeline.model.loading import LoadedModel
from pipeline.model.predictor import Predictor

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "course", "the", "was", "!"]
CONFIG: dict[str, Any] = {
    "model_type": "bert",
    "architectures": ["BertForSequenceClassification"],
    "vocab_size": len(VOCAB),
    "hidden_size": 8,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 16,
    "max_position_embeddings": 32,
    "id2label": {"0": "negative", "1": "positive"},
}


def write_tokenizer(folder: Path, **config: object) -> None:
    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(VOCAB)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / serving.TOKENIZER_FILE))
    if config:
        (folder / serving.TOKENIZER_CONFIG).write_text(json.dumps(config))


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / bert.CONFIG_FILE).write_text(json.dumps(CONFIG))
    shape = bert.read_shape(CONFIG)
    assert shape is not None
    generator = torch.Generator().manual_seed(0)
    weights = {
        name: torch.randn(p.shape, generator=generator)
        for name, p in bert.BertClassifier(shape).named_parameters()
    }
    save_file(weights, str(folder / bert.WEIGHTS_FILE))
    write_tokenizer(folder, pad_token="[PAD]", model_max_length=16)
    return folder


def test_a_bert_checkpoint_is_read_directly_and_labels_comments(checkpoint: Path) -> None:
    loaded = serving.load_for_inference(checkpoint)
    assert isinstance(loaded.model, bert.BertClassifier)
    assert loaded.labels == ("negative", "positive")
    assert loaded.version == "model"
    assert loaded.max_length == 16  # the tokenizer's limit is below the model's 32
    predictions = Predictor(loaded, precision="fp32").predict(["The course was good!", ""])
    assert predictions[0].label in loaded.labels
    assert predictions[1].label is None


def test_the_tokenizer_file_gives_pad_id_and_limit(tmp_path: Path) -> None:
    write_tokenizer(tmp_path, pad_token="[SEP]", model_max_length=99)
    found = serving.read_tokenizer(tmp_path)
    assert found is not None
    assert (found.pad_token_id, found.model_max_length) == (3, 99)
    assert found.backend_tokenizer.encode("good course").ids == [2, 4, 6, 3]
    (tmp_path / serving.TOKENIZER_CONFIG).unlink()
    default = serving.read_tokenizer(tmp_path)
    assert default is not None
    assert (default.pad_token_id, default.model_max_length) == (0, serving.NO_LIMIT)
    assert serving.read_tokenizer(tmp_path / "nothing") is None


def test_a_card_naming_other_labels_than_the_checkpoint_is_refused(checkpoint: Path) -> None:
    (checkpoint / "model_card.json").write_text(json.dumps({"labels": ["pos", "neg"]}))
    with pytest.raises(ModelLoadError, match="not the card's"):
        serving.load_for_inference(checkpoint)


@pytest.fixture
def transformers_load(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Replaces ``load_model`` (transformers) with a fake; the list holds what it was asked."""
    config = SimpleNamespace(to_dict=lambda: {"model_type": "roberta"}, id2label={0: "x"})
    other = LoadedModel(
        model=SimpleNamespace(config=config),
        tokenizer=None,
        labels=("x",),
        version="by transformers",
        max_length=8,
        directory=checkpoint,
    )
    asked: list[object] = []

    def load_model(reference: object) -> LoadedModel:
        asked.append(reference)
        return other

    monkeypatch.setattr(serving, "load_model", load_model)
    return asked


def test_other_checkpoints_go_to_transformers(
    checkpoint: Path, transformers_load: list[object]
) -> None:
    (checkpoint / bert.CONFIG_FILE).write_text(json.dumps({**CONFIG, "model_type": "roberta"}))
    assert serving.load_for_inference(checkpoint).version == "by transformers"
    assert transformers_load == [checkpoint]


def test_a_damaged_checkpoint_is_refused_naming_its_file(
    checkpoint: Path, transformers_load: list[object]
) -> None:
    """Transformers reads the same file with the same library: it would only fail again,
    with an error naming neither the folder nor the file."""
    (checkpoint / bert.WEIGHTS_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match=r"model\.safetensors is damaged or cut short"):
        serving.load_for_inference(checkpoint)
    assert transformers_load == []


def test_loading_does_not_import_transformers_bert(checkpoint: Path) -> None:
    """In a fresh interpreter: other tests of this process may have imported it already."""
    probe = (
        "import sys; from pathlib import Path; from pipeline.model import serving; "
        f"serving.load_for_inference(Path({str(checkpoint)!r})); "
        "print('transformers.models.bert.modeling_bert' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False", done.stderr
