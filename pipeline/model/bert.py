"""A BERT sequence classifier for inference only, in plain torch: what the predictor runs.

Importing transformers' BERT pulls in torch's compiler, distributed tensors, scipy and the
generation code: 1.5-4 CPU seconds of every worker's and every ``analyze``'s start
(docs/performance.md), for a model that is a dozen matrix products per layer. This module is
that model and nothing else: the same parameter names as ``BertForSequenceClassification``
(a saved checkpoint or a merged model's ``state_dict`` loads as it is), the same arithmetic
(post-LayerNorm blocks, exact GELU, tanh pooler over [CLS]), attention by torch's fused
``scaled_dot_product_attention`` (by its plain arithmetic where a bf16 gradient flows:
``attend``). It answers the two calls the rest of the package makes:
``model(input_ids=..., attention_mask=...)`` and ``model(inputs_embeds=..., ...)`` (the
explainer), each with ``.logits``. ``BertEncoder`` is the same model without its pooler and
classifier (transformers' ``BertModel``): the base MiniLM whose token states the sentence
embeddings pool (pipeline/model/embeddings.py), so a worker with insights on does not import
transformers either. Checkpoints of any other kind are loaded by transformers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import torch
from torch import nn
from torch.nn import functional

from pipeline.model.student import as_float32

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


@dataclass(frozen=True)
class BertShape:
    """The facts of a checkpoint's ``config.json`` this model is built from."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    layer_norm_eps: float
    id2label: dict[int, str]

    @property
    def num_labels(self) -> int:
        return len(self.id2label)


def read_shape(config: dict[str, Any]) -> BertShape | None:
    """The shape of a BERT classifier this module can run, or None (another architecture,
    relative positions, another activation): transformers loads those."""
    classifier = "BertForSequenceClassification" in config.get("architectures", [])
    if not (classifier and config.get("id2label")):
        return None
    return read_encoder_shape(config)


def read_encoder_shape(config: dict[str, Any]) -> BertShape | None:
    """The shape of the BERT encoder of ``config`` (a bare ``BertModel`` or a classifier),
    or None where this module's arithmetic is not the model's."""
    supported = (
        config.get("model_type") == "bert"
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
    )
    if not supported:
        return None
    return BertShape(
        vocab_size=int(config["vocab_size"]),
        hidden_size=int(config["hidden_size"]),
        num_hidden_layers=int(config["num_hidden_layers"]),
        num_attention_heads=int(config["num_attention_heads"]),
        intermediate_size=int(config["intermediate_size"]),
        max_position_embeddings=int(config["max_position_embeddings"]),
        type_vocab_size=int(config.get("type_vocab_size", 2)),
        layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        id2label={int(i): str(name) for i, name in (config.get("id2label") or {}).items()},
    )


class Output(NamedTuple):
    logits: torch.Tensor


class EncoderOutput(NamedTuple):
    last_hidden_state: torch.Tensor


class _Linear(nn.Linear):
    tile_weight: torch.Tensor | None = None
    """The weight laid out for oneDNN's matrix kernels (``pack_linears``), or None."""

    def reset_parameters(self) -> None:
        """No random initialisation: every weight comes from the checkpoint."""

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        packed = _packed_weight(self)
        if packed is None:
            return super().forward(hidden)
        return _mkldnn().linear_pointwise(hidden, packed, self.bias, "none", [], "")


def _packed_weight(linear: nn.Module) -> torch.Tensor | None:
    """``linear``'s packed weight where a pass may take it: not where a gradient flows (the
    packed kernels have none) and not for a layer that was replaced (an int8 one)."""
    packed = getattr(linear, "tile_weight", None) if isinstance(linear, _Linear) else None
    return None if packed is None or torch.is_grad_enabled() else packed


class _Mkldnn(NamedTuple):
    linear_pointwise: Any
    linear_binary: Any
    reorder_weight: Any


@functools.cache
def _mkldnn() -> _Mkldnn:
    """The packed-kernel operators, looked up once (every packed layer's forward asks)."""
    ops = torch.ops.mkldnn
    linear = ops._linear_pointwise
    return _Mkldnn(linear.default, linear.binary, ops._reorder_linear_weight)


def can_pack() -> bool:
    """Whether this torch has oneDNN's packed linear kernels (private operators that torch's
    own compiler emits for CPUs: checked, never assumed)."""
    try:
        _mkldnn()
    except (AttributeError, RuntimeError):
        return False
    return bool(torch.backends.mkldnn.is_available())


def pack_linears(model: nn.Module, rows_hint: int = 2048) -> bool:
    """Lay every bf16 linear layer's weight of ``model`` out once for oneDNN's tile kernels,
    which then also take the GELU and the residual additions inside the product: 1.2-1.4x
    the model's speed on an Intel Xeon with AMX (docs/performance.md). Passes without a
    gradient use them; a differentiated pass (the explainer's) keeps the plain weights.
    ``rows_hint``: the rows (tokens) of a typical product. False, every layer left plain,
    where torch cannot: oneDNN refuses the bf16 layout on CPUs without AVX512-BW/VL/DQ or
    AVX-NE-CONVERT (a Zen 3 EPYC, for one)."""
    if not can_pack():
        return False
    reorder = _mkldnn().reorder_weight
    layers = [
        module
        for module in model.modules()
        if isinstance(module, _Linear) and module.weight.dtype == torch.bfloat16
    ]
    try:
        packed = [reorder(layer.weight.detach(), rows_hint) for layer in layers]
    except RuntimeError:
        return False
    for layer, weight in zip(layers, packed, strict=True):
        layer.tile_weight = weight
    return True


class _Embedding(nn.Embedding):
    def reset_parameters(self) -> None:
        """No random initialisation: every weight comes from the checkpoint."""


class _Embeddings(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.word_embeddings = _Embedding(shape.vocab_size, shape.hidden_size)
        self.position_embeddings = _Embedding(shape.max_position_embeddings, shape.hidden_size)
        self.token_type_embeddings = _Embedding(shape.type_vocab_size, shape.hidden_size)
        self.LayerNorm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        """``words``: [batch, length, hidden] word embeddings; all tokens are of type 0."""
        length = words.shape[1]
        extra = self.position_embeddings.weight[:length] + self.token_type_embeddings.weight[0]
        return self.LayerNorm(words + extra)


class _SelfAttention(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.heads = shape.num_attention_heads
        self.query = _Linear(shape.hidden_size, shape.hidden_size)
        self.key = _Linear(shape.hidden_size, shape.hidden_size)
        self.value = _Linear(shape.hidden_size, shape.hidden_size)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        batch, length, width = hidden.shape

        def split(projected: torch.Tensor) -> torch.Tensor:
            return projected.view(batch, length, self.heads, -1).transpose(1, 2)

        context = attend(
            split(self.query(hidden)), split(self.key(hidden)), split(self.value(hidden)), mask
        )
        return context.transpose(1, 2).reshape(batch, length, width)


def attend(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """Scaled dot-product attention (``mask``: True on the keys to attend to).

    Torch's fused kernel, except in a bf16 pass on the CPU that is differentiated (the
    explainer's): there the fused kernel's backward costs 7-8 times its forward, half the
    explainer's time, so that pass takes two matrix products and a softmax in fp32 instead
    (explaining 1.5x faster, docs/insights.md). In fp32 the fused backward is as fast.
    """
    differentiated = torch.is_grad_enabled() and query.requires_grad
    if not (differentiated and query.dtype == torch.bfloat16 and query.device.type == "cpu"):
        return functional.scaled_dot_product_attention(query, key, value, mask)
    scores = (query @ key.transpose(-1, -2)) * query.shape[-1] ** -0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype) @ value


class _Projection(nn.Module):
    """dense → residual → LayerNorm (BERT's ``SelfOutput`` and ``Output``)."""

    def __init__(self, inputs: int, shape: BertShape) -> None:
        super().__init__()
        self.dense = _Linear(inputs, shape.hidden_size)
        self.LayerNorm = nn.LayerNorm(shape.hidden_size, eps=shape.layer_norm_eps)

    def forward(self, hidden: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        packed = _packed_weight(self.dense)
        if packed is None:
            return self.LayerNorm(self.dense(hidden) + residual)
        added = _mkldnn().linear_binary(hidden, residual, packed, self.dense.bias, "add")
        return self.LayerNorm(added)


class _Attention(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.self = _SelfAttention(shape)
        self.output = _Projection(shape.hidden_size, shape)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return self.output(self.self(hidden, mask), hidden)


class _Intermediate(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.dense = _Linear(shape.hidden_size, shape.intermediate_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        packed = _packed_weight(self.dense)
        if packed is None:
            return functional.gelu(self.dense(hidden))
        return _mkldnn().linear_pointwise(hidden, packed, self.dense.bias, "gelu", [], "none")


class _Layer(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.attention = _Attention(shape)
        self.intermediate = _Intermediate(shape)
        self.output = _Projection(shape.intermediate_size, shape)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        attended = self.attention(hidden, mask)
        return self.output(self.intermediate(attended), attended)


class _Encoder(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(shape) for _ in range(shape.num_hidden_layers))

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        for layer in self.layer:
            hidden = layer(hidden, mask)
        return hidden


class _Pooler(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.dense = _Linear(shape.hidden_size, shape.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(hidden[:, 0]))


class _Bert(nn.Module):
    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.embeddings = _Embeddings(shape)
        self.encoder = _Encoder(shape)
        self.pooler = _Pooler(shape)


class BertClassifier(nn.Module):
    """``BertForSequenceClassification`` in eval mode: same parameters, same logits."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.config = shape
        self.bert = _Bert(shape)
        self.classifier = _Linear(shape.hidden_size, shape.num_labels)

    @property
    def base_model(self) -> nn.Module:
        return self.bert

    def get_input_embeddings(self) -> nn.Embedding:
        return self.bert.embeddings.word_embeddings

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> Output:
        """Logits of a right- or left-padded batch; ``attention_mask`` is 1 on real tokens."""
        if inputs_embeds is None:
            if input_ids is None:
                raise ValueError("give input_ids or inputs_embeds")
            inputs_embeds = self.get_input_embeddings()(input_ids)
        hidden = self.bert.embeddings(inputs_embeds)
        mask = None if attention_mask is None else attention_mask.bool()[:, None, None, :]
        pooled = self.bert.pooler(self.bert.encoder(hidden, mask))
        return Output(logits=self.classifier(pooled))


class BertEncoder(nn.Module):
    """``BertModel`` without its pooler, in eval mode: the token states of a batch (what
    sentence embeddings pool). Same parameter names as ``BertModel``."""

    def __init__(self, shape: BertShape) -> None:
        super().__init__()
        self.config = shape
        self.embeddings = _Embeddings(shape)
        self.encoder = _Encoder(shape)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> EncoderOutput:
        """Token states [batch, length, hidden] of a padded batch (``attention_mask`` 1 on
        real tokens)."""
        hidden = self.embeddings(self.embeddings.word_embeddings(input_ids))
        return EncoderOutput(self.encoder(hidden, attention_mask.bool()[:, None, None, :]))


def from_module(model: Any, shape: BertShape) -> BertClassifier:
    """This module's copy of a loaded transformers ``BertForSequenceClassification``."""
    return from_weights(shape, model.state_dict())


def load_checkpoint(
    directory: Path, shared: dict[str, torch.Tensor] | None = None
) -> BertClassifier | None:
    """The classifier saved in ``directory`` (``config.json`` + ``model.safetensors``), or None
    when it is not a BERT classifier this module runs. ``shared``: tensors the checkpoint
    does not store itself (a distilled student's word embeddings, pipeline/model/student.py)."""
    found = _read(directory, read_shape)
    if found is None:
        return None
    shape, weights = found
    return from_weights(shape, {**weights, **(shared or {})})


def load_encoder(directory: Path) -> BertEncoder | None:
    """The BERT encoder saved in ``directory`` (a ``BertModel`` checkpoint: a sentence
    encoder's), or None when there is none this module runs."""
    found = _read(directory, read_encoder_shape)
    if found is None:
        return None
    shape, weights = found
    return _assigned(BertEncoder(shape), weights)


def _read(
    directory: Path, shape_of: Callable[[dict[str, Any]], BertShape | None]
) -> tuple[BertShape, dict[str, torch.Tensor]] | None:
    from safetensors.torch import load_file

    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not (config_path.is_file() and weights_path.is_file()):
        return None
    shape = shape_of(json.loads(config_path.read_text(encoding="utf-8")))
    if shape is None:
        return None
    # A checkpoint stored small (a student's) runs as fp32 like any other: the predictor
    # makes its own bf16 copy where the CPU has it.
    return shape, as_float32(load_file(weights_path))


def cast(model: BertClassifier, dtype: torch.dtype) -> BertClassifier:
    """A copy of ``model`` in ``dtype``, each weight converted once (``deepcopy`` + ``to``
    clones all the fp32 weights first: a second of a loaded worker's start)."""
    return from_weights(model.config, {k: v.to(dtype) for k, v in model.state_dict().items()})


def from_weights(shape: BertShape, weights: dict[str, torch.Tensor]) -> BertClassifier:
    """Build without initialising (``_Linear``, ``_Embedding``), then take ``weights`` as they
    are; a missing parameter is an error, extra tensors (``position_ids``) are ignored. (Not on
    the meta device: that imports torch's compiler, seconds of start-up.)"""
    return _assigned(BertClassifier(shape), weights)


_Model = TypeVar("_Model", bound=nn.Module)


def _assigned(model: _Model, weights: dict[str, torch.Tensor]) -> _Model:
    wanted = dict(model.named_parameters())
    missing = wanted.keys() - weights.keys()
    if missing:
        raise KeyError(f"the checkpoint lacks {', '.join(sorted(missing)[:3])}")
    model.load_state_dict({k: v for k, v in weights.items() if k in wanted}, assign=True)
    return model.eval()
