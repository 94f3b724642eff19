"""Sentence embeddings with a tiny random BERT and the real tokenizer: pooling, order, blanks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tinybert import base_tokenizer, tiny_encoder

from pipeline.errors import ConfigError, ModelLoadError
from pipeline.model import embeddings
from pipeline.model.embeddings import SentenceEmbedder, resolve_precision
from pipeline.model.precision import INT8_OPS

MAX_LENGTH = 16


@pytest.fixture(scope="module")
def parts() -> tuple[Any, Any]:
    tokenizer = base_tokenizer()
    return tiny_encoder(tokenizer), tokenizer


@pytest.fixture(scope="module")
def embedder(parts: tuple[Any, Any]) -> SentenceEmbedder:
    model, tokenizer = parts
    return SentenceEmbedder(model, tokenizer, max_length=MAX_LENGTH)


def test_rows_are_float16_unit_vectors_and_blank_rows_zero(embedder: SentenceEmbedder) -> None:
    out = embedder.embed(["Great labs.", "", "   ", None, float("nan"), "Slides were late."])
    assert out.dtype == np.float16
    assert out.shape == (6, 32)
    norms = np.linalg.norm(out.astype(np.float32), axis=1)
    assert norms[[0, 5]] == pytest.approx([1.0, 1.0], abs=2e-3)
    assert (out[1:5] == 0).all()


def test_a_row_does_not_depend_on_its_batch_or_position(embedder: SentenceEmbedder) -> None:
    texts = ["ok", "The lectures ran long and the slides were never posted.", "Fair exams."]
    together = embedder.embed(texts, batch_size=2)
    alone = np.stack([embedder.embed([text])[0] for text in texts])
    np.testing.assert_allclose(together.astype(np.float32), alone.astype(np.float32), atol=2e-3)


def test_the_vector_is_the_masked_mean_of_token_states(
    parts: tuple[Any, Any], embedder: SentenceEmbedder
) -> None:
    import torch

    model, tokenizer = parts
    text = "Office hours helped a lot."
    encoded = tokenizer(text, return_tensors="pt")
    with torch.inference_mode():
        states = model(**encoded).last_hidden_state[0]
    mean = states.mean(dim=0)
    expected = (mean / mean.norm()).numpy()
    np.testing.assert_allclose(embedder.embed([text])[0].astype(np.float32), expected, atol=2e-3)


def test_a_span_is_the_mean_of_its_token_states_in_the_whole_texts_pass(
    parts: tuple[Any, Any], embedder: SentenceEmbedder
) -> None:
    import torch

    model, tokenizer = parts
    text = "Clear slides. The tutor was rude!"
    encoded = tokenizer(text, return_tensors="pt", return_offsets_mapping=True)
    offsets = encoded.pop("offset_mapping")[0]
    with torch.inference_mode():
        states = model(**encoded).last_hidden_state[0]
    inside = (offsets[:, 0] >= 14) & (offsets[:, 1] > offsets[:, 0])
    mean = states[inside].mean(dim=0)
    vectors, spans = embedder.embed_with_spans([text, "", "ok"], [[(0, 13), (14, 33)], [], []])
    assert spans.shape == (2, 32) and spans.dtype == np.float16
    np.testing.assert_allclose(spans[1].astype(np.float32), (mean / mean.norm()).numpy(), atol=2e-3)
    np.testing.assert_array_equal(vectors, embedder.embed([text, "", "ok"]))
    assert np.abs(spans[0].astype(np.float32) - spans[1].astype(np.float32)).max() > 0.01


def test_a_span_without_tokens_takes_its_texts_vector(embedder: SentenceEmbedder) -> None:
    words = " ".join(["lab"] * (MAX_LENGTH * 2))
    text = f"{words}. Great course"
    vectors, spans = embedder.embed_with_spans(
        [text], [[(0, len(words)), (len(words) + 2, len(text))]]
    )
    np.testing.assert_array_equal(spans[1], vectors[0])
    assert not np.array_equal(spans[0], vectors[0])


def test_spans_are_found_again_where_emoji_are_spelled_out(embedder: SentenceEmbedder) -> None:
    text = "Loved it 😀 but the exams were unfair"
    clause = "but the exams were unfair"
    begin = text.index(clause)
    _, spans = embedder.embed_with_spans([text], [[(begin, len(text))]])
    spelled = "Loved it grinning face but the exams were unfair"
    at = spelled.index(clause)
    _, again = embedder.embed_with_spans([spelled], [[(at, at + len(clause))]])
    np.testing.assert_array_equal(spans, again)


def test_texts_are_cut_at_the_maximum_length(embedder: SentenceEmbedder) -> None:
    words = " ".join(["lab"] * (MAX_LENGTH * 2))
    a, b = embedder.embed([f"{words} great", f"{words} awful"])
    np.testing.assert_array_equal(a, b)


SAMPLE = ["Clear slides. The tutor was rude!", "", "Great labs 😀 but long"]
SAMPLE_SPANS = [[(0, 13), (14, 33)], [], [(0, 10), (11, 21)]]


def test_a_saved_bert_encoder_is_read_by_bert_py_with_the_same_vectors(
    parts: tuple[Any, Any], embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    """The shipped base MiniLM is read into pipeline/model/bert.py's encoder (a worker with
    insights on then never imports transformers); its vectors are transformers' BertModel's."""
    from pipeline.model import bert

    model, tokenizer = parts
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = SentenceEmbedder.load(tmp_path)
    assert isinstance(loaded._model, bert.BertEncoder)
    ours, our_spans = loaded.embed_with_spans(SAMPLE, SAMPLE_SPANS)
    theirs, their_spans = embedder.embed_with_spans(SAMPLE, SAMPLE_SPANS)
    np.testing.assert_allclose(ours.astype(np.float32), theirs.astype(np.float32), atol=2e-3)
    np.testing.assert_allclose(
        our_spans.astype(np.float32), their_spans.astype(np.float32), atol=2e-3
    )


def test_an_encoder_bert_py_does_not_compute_is_loaded_by_transformers(
    parts: tuple[Any, Any], tmp_path: Path
) -> None:
    import json

    from pipeline.model import bert

    model, tokenizer = parts
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_act": "gelu_new"}))
    loaded = SentenceEmbedder.load(tmp_path)
    assert not isinstance(loaded._model, bert.BertEncoder)
    assert type(loaded._model).__module__.startswith("transformers")
    norms = np.linalg.norm(loaded.embed(SAMPLE).astype(np.float32), axis=1)
    assert norms == pytest.approx([1.0, 0.0, 1.0], abs=2e-3)


def test_a_folder_without_an_encoder_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="holds no model"):
        SentenceEmbedder.load(tmp_path)


def test_precision_and_batch_size_are_checked(parts: tuple[Any, Any]) -> None:
    model, tokenizer = parts
    with pytest.raises(ConfigError, match="precision"):
        SentenceEmbedder(model, tokenizer, precision="int8")
    embedder = SentenceEmbedder(model, tokenizer, max_length=MAX_LENGTH)
    with pytest.raises(ConfigError, match="batch_size"):
        embedder.embed(["x"], batch_size=0)


BF16_PAYS = {"fp32": 4.0, "bf16": 1.5, "int8": 1.0}
BF16_SLOWER = {"fp32": 4.2, "bf16": 7.5, "int8": 2.5}  # an Intel Xeon without AMX exposed


@pytest.mark.parametrize(
    ("capabilities", "times", "expected"),
    [
        ({"avx512_bf16": True}, BF16_PAYS, "bf16"),
        ({"avx512_bf16": True, "avx512_vnni": True, INT8_OPS: True}, BF16_PAYS, "bf16"),
        ({"avx512_bf16": True, "avx512_vnni": True, INT8_OPS: True}, BF16_SLOWER, "fp32"),
        ({}, None, "fp32"),
        ({"avx512_vnni": True, INT8_OPS: True}, {"fp32": 4.0, "int8": 1.0}, "fp32"),
    ],
)
def test_auto_precision_is_bf16_only_where_the_cpu_has_it_and_it_pays(
    monkeypatch: pytest.MonkeyPatch,
    capabilities: dict[str, bool],
    times: dict[str, float] | None,
    expected: str,
) -> None:
    """int8 is never the embedder's, even where it is the fastest (it moves vectors)."""
    monkeypatch.setattr(embeddings, "machine_capabilities", lambda _device: capabilities)
    monkeypatch.setattr(embeddings, "times_for_auto", lambda *_args: times)
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("fp32", "cpu") == "fp32"
