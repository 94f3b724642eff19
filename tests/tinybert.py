"""A tiny random BERT classifier with the base MiniLM's tokenizer, for tests of the code
around a model (the predictor's batches, the explainer's arithmetic) that need no trained one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.model.loading import LoadedModel

LABELS = ("negative", "neutral", "positive")


def base_tokenizer() -> object:
    from transformers import AutoTokenizer

    from pipeline.model.locate import base_encoder_dir

    return AutoTokenizer.from_pretrained(base_encoder_dir())


def tiny_loaded(tokenizer: object, directory: Path, max_length: int = 64) -> LoadedModel:
    """A 2-layer BERT whose random weights are spread wide enough that words move its output."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(3)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,  # type: ignore[attr-defined]
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        initializer_range=0.2,
    )
    config.num_labels = len(LABELS)
    model = BertForSequenceClassification(config).eval()
    return LoadedModel(model, tokenizer, LABELS, "tiny-1", max_length, directory)


def tiny_encoder(tokenizer: Any) -> Any:
    """A 1-layer random BERT encoder (no pooler), seeded: the sentence embedder's model."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    return BertModel(config, add_pooling_layer=False)
