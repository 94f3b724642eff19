"""The plain-torch BERT classifier: which checkpoints it takes, that it reads their weights as
they are, and that padding, embeddings input and a bf16 copy behave as the predictor and the
explainer need (tests/integration/test_served_model.py compares it with transformers' BERT)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save_file

from pipeline.model import bert

CONFIG: dict[str, Any] = {
    "model_type": "bert",
    "architectures": ["BertForSequenceClassification"],
    "hidden_act": "gelu",
    "vocab_size": 50,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 32,
    "max_position_embeddings": 24,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "id2label": {"0": "negative", "1": "neutral", "2": "positive"},
}


def shape() -> bert.BertShape:
    found = bert.read_shape(CONFIG)
    assert found is not None
    return found


def random_weights(seed: int = 0) -> dict[str, torch.Tensor]:
    names = bert.BertClassifier(shape()).named_parameters()
    generator = torch.Generator().manual_seed(seed)
    return {name: torch.randn(p.shape, generator=generator) * 0.2 for name, p in names}


def tiny(seed: int = 0) -> bert.BertClassifier:
    weights = random_weights(seed)
    weights["bert.embeddings.position_ids"] = torch.arange(24)  # saved by some checkpoints
    return bert.from_weights(shape(), weights)


@pytest.mark.parametrize(
    "change",
    [
        {"model_type": "distilbert"},
        {"hidden_act": "gelu_new"},
        {"position_embedding_type": "relative_key"},
        {"architectures": ["BertModel"]},
        {"id2label": {}},
    ],
)
def test_only_bert_classifiers_it_computes_exactly_are_taken(change: dict[str, Any]) -> None:
    assert bert.read_shape({**CONFIG, **change}) is None


def test_the_shape_reads_the_config() -> None:
    found = shape()
    assert (found.hidden_size, found.num_hidden_layers, found.num_labels) == (16, 2, 3)
    assert found.id2label == {0: "negative", 1: "neutral", 2: "positive"}


def test_the_weights_are_taken_as_they_are_and_a_missing_one_is_an_error() -> None:
    weights = random_weights()
    model = bert.from_weights(shape(), dict(weights))
    for name, value in model.state_dict().items():
        assert torch.equal(value, weights[name])
    del weights["classifier.bias"]
    with pytest.raises(KeyError, match=r"classifier\.bias"):
        bert.from_weights(shape(), weights)


def test_padding_does_not_change_a_comments_logits() -> None:
    model = tiny()
    ids = torch.tensor([[2, 7, 9, 11, 3]])
    padded = torch.tensor([[2, 7, 9, 11, 3, 0, 0], [2, 5, 3, 0, 0, 0, 0]])
    mask = (padded != 0).long()
    with torch.inference_mode():
        alone = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        batch = model(input_ids=padded, attention_mask=mask).logits
        short = model(input_ids=padded[1:, :3], attention_mask=mask[1:, :3]).logits
    torch.testing.assert_close(batch[0], alone[0], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(batch[1], short[0], rtol=1e-5, atol=1e-5)


def test_word_embeddings_in_give_the_logits_of_their_ids() -> None:
    model = tiny()
    ids = torch.tensor([[2, 7, 9, 3]])
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        by_ids = model(input_ids=ids, attention_mask=mask).logits
        embeds = model.get_input_embeddings()(ids)
        by_embeds = model(inputs_embeds=embeds, attention_mask=mask).logits
    torch.testing.assert_close(by_embeds, by_ids)
    with pytest.raises(ValueError, match="input_ids or inputs_embeds"):
        model()


def test_a_bf16_copy_is_close_and_leaves_the_fp32_model_alone() -> None:
    model = tiny()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    half = bert.cast(model, torch.bfloat16)
    ids = torch.tensor([[2, 7, 9, 11, 3]])
    with torch.inference_mode():
        exact = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        rounded = half(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    assert rounded.dtype == torch.bfloat16
    torch.testing.assert_close(rounded.float(), exact, rtol=0.05, atol=0.05)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_packed_bf16_layers_give_the_plain_bf16_logits() -> None:
    model = bert.cast(tiny(), torch.bfloat16)
    packed = bert.cast(tiny(), torch.bfloat16)
    packs = bert.pack_linears(packed)
    weights = [m.tile_weight for m in packed.modules() if isinstance(m, bert._Linear)]
    # oneDNN lays bf16 weights out only on CPUs with AVX512-BW/VL/DQ or AVX-NE-CONVERT;
    # elsewhere every layer stays plain (the logits below hold either way)
    assert packs == _bf16_layout_supported()
    if packs:
        assert all(isinstance(w, torch.Tensor) for w in weights)
    else:
        assert all(w is None for w in weights)
    ids = torch.tensor([[2, 7, 9, 11, 3, 0, 0, 0], [2, 5, 3, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.inference_mode():
        plain = model(input_ids=ids, attention_mask=mask).logits.float()
        fused = packed(input_ids=ids, attention_mask=mask).logits.float()
        exact = tiny()(input_ids=ids, attention_mask=mask).logits
    torch.testing.assert_close(fused, plain, rtol=0.03, atol=0.03)
    torch.testing.assert_close(fused, exact, rtol=0.05, atol=0.05)


def _bf16_layout_supported() -> bool:
    """Whether this CPU has what oneDNN's bf16 weight layout needs (its own error's terms)."""
    from pipeline.model.precision import machine_capabilities

    flags = machine_capabilities("cpu")
    avx512 = all(flags.get(f) for f in ("avx512_bw", "avx512_vl", "avx512_dq"))
    return bool(avx512 or flags.get("avx_ne_convert"))


def test_a_layer_that_cannot_be_laid_out_leaves_every_layer_plain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []

    def refuse_the_third(weight: torch.Tensor, rows: int) -> torch.Tensor:
        calls.append(rows)
        if len(calls) == 3:
            raise RuntimeError("mkldnn_reorder_linear_weight: bf16 path needs the cpu support")
        return weight.clone()

    real = bert._mkldnn()
    monkeypatch.setattr(bert, "_mkldnn", lambda: real._replace(reorder_weight=refuse_the_third))
    model = bert.cast(tiny(), torch.bfloat16)
    assert not bert.pack_linears(model)
    assert len(calls) == 3
    assert all(m.tile_weight is None for m in model.modules() if isinstance(m, bert._Linear))


def test_a_differentiated_pass_of_a_packed_model_takes_the_plain_weights() -> None:
    model = bert.cast(tiny(), torch.bfloat16)
    packed = bert.cast(tiny(), torch.bfloat16)
    bert.pack_linears(packed)
    ids = torch.tensor([[2, 7, 9, 11, 3]])
    mask = torch.ones_like(ids)
    grads = []
    for each in (model, packed):
        embeds = each.get_input_embeddings()(ids).detach().requires_grad_(True)
        logits = each(inputs_embeds=embeds, attention_mask=mask).logits
        logits[0, 2].backward()
        grads.append((logits.detach(), embeds.grad))
    assert torch.equal(grads[0][0], grads[1][0])
    assert torch.equal(grads[0][1], grads[1][1])


def test_fp32_layers_are_not_packed() -> None:
    model = tiny()
    bert.pack_linears(model)
    assert all(m.tile_weight is None for m in model.modules() if isinstance(m, bert._Linear))


def test_a_saved_checkpoint_loads_and_other_folders_give_none(tmp_path: Path) -> None:
    weights = random_weights(seed=3)
    (tmp_path / bert.CONFIG_FILE).write_text(json.dumps(CONFIG))
    save_file(weights, str(tmp_path / bert.WEIGHTS_FILE))
    model = bert.load_checkpoint(tmp_path)
    assert model is not None and not model.training
    assert torch.equal(model.classifier.weight, weights["classifier.weight"])

    (tmp_path / bert.CONFIG_FILE).write_text(json.dumps({**CONFIG, "model_type": "roberta"}))
    assert bert.load_checkpoint(tmp_path) is None
    assert bert.load_checkpoint(tmp_path / "empty") is None


def encoder_config() -> dict[str, Any]:
    bare = {k: v for k, v in CONFIG.items() if k != "id2label"}
    return {**bare, "architectures": ["BertModel"]}


def test_a_bare_encoder_is_read_and_gives_the_classifiers_token_states(tmp_path: Path) -> None:
    """The sentence embeddings' encoder (a ``BertModel`` checkpoint: no pooler or classifier
    needed, no labels) computes the token states the classifier's layers compute."""
    weights = random_weights(seed=4)
    bare = {k.removeprefix("bert."): v for k, v in weights.items() if k.startswith("bert.")}
    (tmp_path / bert.CONFIG_FILE).write_text(json.dumps(encoder_config()))
    save_file(bare, str(tmp_path / bert.WEIGHTS_FILE))
    encoder = bert.load_encoder(tmp_path)
    assert encoder is not None and not encoder.training
    classifier = bert.from_weights(shape(), weights)
    padded = torch.tensor([[2, 7, 9, 11, 3], [2, 5, 3, 0, 0]])
    mask = (padded != 0).long()
    with torch.inference_mode():
        states = encoder(padded, mask).last_hidden_state
        words = classifier.bert.embeddings(classifier.get_input_embeddings()(padded))
        expected = classifier.bert.encoder(words, mask.bool()[:, None, None, :])
        short = encoder(padded[1:, :3], mask[1:, :3]).last_hidden_state
    torch.testing.assert_close(states, expected)
    torch.testing.assert_close(states[1, :3], short[0], rtol=1e-5, atol=1e-5)


def test_an_encoder_of_another_kind_gives_none_and_a_missing_weight_is_an_error(
    tmp_path: Path,
) -> None:
    assert bert.read_encoder_shape({**encoder_config(), "hidden_act": "gelu_new"}) is None
    (tmp_path / bert.CONFIG_FILE).write_text(json.dumps({**encoder_config(), "model_type": "xlm"}))
    weights = random_weights()
    save_file({k.removeprefix("bert."): v for k, v in weights.items()}, str(tmp_path / "x"))
    assert bert.load_encoder(tmp_path) is None
    (tmp_path / bert.CONFIG_FILE).write_text(json.dumps(encoder_config()))
    partial = {k.removeprefix("bert."): v for k, v in weights.items() if "layer.1." not in k}
    save_file(partial, str(tmp_path / bert.WEIGHTS_FILE))
    with pytest.raises(KeyError, match=r"encoder\.layer\.1"):
        bert.load_encoder(tmp_path)
