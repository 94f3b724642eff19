"""Explanations: the words that drove each label, for whole chunks of comments.

Method: integrated gradients (IG) with one step. A comment's word embeddings are moved a
fraction ``alpha`` of the way from a baseline (every token [PAD], [CLS] and [SEP] kept) to the
comment itself; one forward and one backward pass there give the gradient of the explained
label's logit, and a token's attribution is that gradient times (embedding − baseline), summed
over the hidden dimension. A word's attribution is the sum over its WordPiece tokens; together
they add up to roughly logit(label | comment) − logit(label | baseline). Positive means "pushed
toward the label". With a calibrated ``word_alone_weight`` a word's score is its share of the
comment's attribution plus that weight times what the model's probability of the label gains
when it reads the word alone (``pipeline.model.word_alone``). Rows show each word's share: its
score over the sum of their sizes in the comment, so scores lie in [-1, 1] and compare across
comments.

Why this method: on the shipped model (ERASER metrics, 150 unseen comments) one step scored as
faithful as 8 or 50 steps and leave-one-out, at 3× a forward pass instead of 30-1,000×
(LIME, SHAP); attention rollout was no better than random. Against the probability, the logit
ranks words the same for comprehensiveness and better for sufficiency (its gradient does not
fade where the model is sure); [PAD] beat [MASK] and zero baselines by far. Where the step sits
matters, so ``alpha`` is calibrated per model on validation comments, overall and per label
explained (the best step for *negative* sits further along the path than the others'), and
stored in ``explain.json`` next to the model (``python benchmarks/explanations.py calibrate
--write``); without that file the midpoint is used. Comments longer than the model's window are
explained window by window as the predictor scores them, each window weighing 1/(number of
windows).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ModelLoadError
from pipeline.model.batching import pad_slices, plan_batches
from pipeline.model.explain_words import (
    PreparedText,
    Word,
    WordScore,
    format_explanation,
    highlight_segments,
    prepare_with_origin,
    score_words,
    shares,
    split_words,
    token_words,
    top_words,
    word_of_char,
)
from pipeline.model.predictor import Predictor, is_blank
from pipeline.model.word_alone import TokenWindows, WordAlone

log = logging.getLogger(__name__)

EXPLAIN_FILE = "explain.json"
MIDPOINT = (0.5,)
TOP_WORDS = 5
_GRADIENT_PRECISIONS = ("fp32", "bf16")
"""int8's quantised linear layers have no backward: an int8 predictor is explained in fp32."""


@dataclass(frozen=True)
class ExplainConfig:
    """Where the integration steps sit (fractions of the way from baseline to comment).

    ``label_alphas`` moves the steps for the comments given one label: calibration found that
    the step explaining *negative* best sits further along the path than the others'. Every
    entry has as many steps as ``alphas``.
    """

    alphas: tuple[float, ...] = MIDPOINT
    model_version: str | None = None
    label_alphas: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    word_alone_weight: float = 0.0
    """A word's score is its share of the gradient attribution plus this many times how much
    the model's probability of the label rises when it reads the word alone
    (``pipeline.model.word_alone``); 0: the gradient alone."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.word_alone_weight < float("inf"):
            raise ValueError(f"word_alone_weight must be 0 or more, not {self.word_alone_weight}")
        for steps in (self.alphas, *self.label_alphas.values()):
            if not steps or any(not 0.0 < a <= 1.0 for a in steps):
                raise ValueError(f"alphas must be in (0, 1], not {steps!r}")
            if len(steps) != len(self.alphas):
                raise ValueError(f"every label needs {len(self.alphas)} steps, not {steps!r}")

    def steps(self, label: str) -> tuple[float, ...]:
        """The steps that explain ``label``."""
        return self.label_alphas.get(label, self.alphas)


def read_config(model_dir: Path, model_version: str | None = None) -> ExplainConfig:
    """The calibrated config in ``model_dir/explain.json``; the midpoint when there is none."""
    path = model_dir / EXPLAIN_FILE
    if not path.exists():
        return ExplainConfig(model_version=model_version)
    try:
        section = json.loads(path.read_text(encoding="utf-8"))
        config = ExplainConfig(
            alphas=_floats(section["alphas"]),
            model_version=section.get("model_version"),
            label_alphas={
                str(label): _floats(steps)
                for label, steps in section.get("label_alphas", {}).items()
            },
            word_alone_weight=float(section.get("word_alone_weight", 0.0)),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelLoadError(f"{path}: not a valid explanation config ({exc})") from exc
    if model_version and config.model_version and config.model_version != model_version:
        log.warning(
            "%s was calibrated for %s, not %s: run python benchmarks/explanations.py calibrate",
            path,
            config.model_version,
            model_version,
        )
    return config


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class Explanation:
    """One comment's explanation: its label and every word with its signed attribution."""

    label: str | None
    words: tuple[WordScore, ...] = ()

    def top(self, k: int = TOP_WORDS) -> list[tuple[str, float]]:
        return top_words(self.words, k)

    def cell(self, k: int = TOP_WORDS) -> str:
        """The results' ``explanation`` column: ``great:+0.41;unfair:-0.22``."""
        return format_explanation(self.top(k))


@dataclass(frozen=True)
class _Encoded:
    """Token windows of a chunk, back to back, with the word of every token (-1: special)."""

    flat: np.ndarray
    word_ids: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    owners: np.ndarray
    words: list[list[Word]] = field(default_factory=list)

    def window_counts(self, n_texts: int) -> np.ndarray:
        return np.bincount(self.owners, minlength=n_texts)

    def token_windows(self) -> TokenWindows:
        return TokenWindows(
            self.flat,
            self.word_ids,
            self.starts,
            self.lengths,
            self.owners,
            [len(words) for words in self.words],
        )


class Explainer:
    """Word attributions for the labels a Predictor gave, in the predictor's own precision.

    Batches are planned like the predictor's (length-sorted, padded per batch, a token budget
    on the CPU); the backward pass keeps activations, so a batch costs about three forward
    passes of it.
    """

    def __init__(self, predictor: Predictor, config: ExplainConfig | None = None) -> None:
        import torch

        loaded = predictor.loaded
        self.predictor = predictor
        self.config = config or read_config(loaded.directory, loaded.version)
        self.precision = (
            predictor.precision if predictor.precision in _GRADIENT_PRECISIONS else "fp32"
        )
        engine = predictor.engine
        runner = engine.fast if self.precision == predictor.precision else engine.exact
        self._model = runner.model
        self._device = runner.device
        self._torch = torch
        self._label_index = {name: i for i, name in enumerate(predictor.labels)}
        backend = copy.deepcopy(loaded.tokenizer.backend_tokenizer)
        backend.no_padding()
        stride = max(1, loaded.max_length // 4)
        backend.enable_truncation(loaded.max_length, stride=stride, strategy="longest_first")
        self._tokenizer = backend
        self._pad_id = int(loaded.tokenizer.pad_token_id or 0)
        self._alone = WordAlone(runner, self._pad_id, predictor.batch_tokens)
        self._steps = np.array([self.config.steps(label) for label in predictor.labels])

    @classmethod
    def from_predictor(cls, predictor: Predictor, config: ExplainConfig | None = None) -> Explainer:
        return cls(predictor, config)

    def with_config(self, config: ExplainConfig) -> Explainer:
        """The same explainer with its steps elsewhere (used to calibrate them); it shares the
        words read alone already scored."""
        moved = Explainer(self.predictor, config)
        moved._alone = self._alone
        return moved

    @property
    def labels(self) -> tuple[str, ...]:
        return self.predictor.labels

    @property
    def pad_id(self) -> int:
        return self._pad_id

    def explain(
        self,
        texts: Sequence[object],
        labels: Sequence[str | None] | None = None,
        top_k: int = TOP_WORDS,
    ) -> list[list[tuple[str, float]]]:
        """The ``top_k`` words (by size, signs kept) per text, toward its label."""
        return [row.top(top_k) for row in self.explain_words(texts, labels)]

    def explain_words(
        self, texts: Sequence[object], labels: Sequence[str | None] | None = None
    ) -> list[Explanation]:
        """Every word of every text with its attribution toward the text's label.

        ``labels`` are the labels to explain (the worker passes those it stored); a None label
        (a row that got none) gets an empty explanation. Without ``labels`` the predictor
        labels the texts first, which costs one more forward pass. Texts and labels are read
        by position (a pandas column keeps its index after a sort or a filter).
        """
        texts = list(texts)
        if labels is None:
            labels = [p.label for p in self.predictor.predict(texts)]
        labels = list(labels)
        if len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        rows = [
            i
            for i, (t, lab) in enumerate(zip(texts, labels, strict=True))
            if lab and not is_blank(t)
        ]
        out = [Explanation(label=None) for _ in texts]
        if not rows:
            return out
        chosen = [str(texts[i]) for i in rows]
        targets = np.array([self._target(labels[i]) for i in rows], dtype=np.int64)
        encoded = self.encode(chosen)
        scores = self.attribute(encoded, targets)
        for row, words, word_scores, target in zip(
            rows, encoded.words, scores, targets, strict=True
        ):
            out[row] = Explanation(
                self.labels[target], tuple(score_words(words, shares(word_scores)))
            )
        return out

    def _target(self, label: str | None) -> int:
        try:
            return self._label_index[str(label)]
        except KeyError:
            raise ValueError(f"unknown label {label!r}: the model's are {self.labels}") from None

    def encode(self, texts: Sequence[str]) -> _Encoded:
        """Token windows of ``texts`` (as the predictor reads them) and each token's word."""
        prepared = [prepare_with_origin(t) for t in texts]
        words = [split_words(t) for t in texts]
        encodings = self._tokenizer.encode_batch(
            [p.text for p in prepared], add_special_tokens=True
        )
        ids: list[list[int]] = []
        word_ids: list[np.ndarray] = []
        owners: list[int] = []
        for owner, (encoding, text, prep, text_words) in enumerate(
            zip(encodings, texts, prepared, words, strict=True)
        ):
            char_word = word_of_char(text_words, len(text))
            for window in (encoding, *encoding.overflowing):
                ids.append(window.ids)
                word_ids.append(_window_words(window, prep, char_word))
                owners.append(owner)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        starts = np.zeros(len(ids), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        return _Encoded(
            flat=np.fromiter((i for row in ids for i in row), np.int64, int(lengths.sum())),
            word_ids=np.concatenate(word_ids),
            starts=starts,
            lengths=lengths,
            owners=np.asarray(owners, dtype=np.int64),
            words=words,
        )

    def attribute(self, encoded: _Encoded, targets: np.ndarray) -> list[np.ndarray]:
        """Per text, one score per word toward ``targets[text]``: its gradient attribution, or
        with a ``word_alone_weight`` its share of it plus that weight times what the word alone
        adds to the label's probability."""
        gradients = self.gradient_attributions(encoded, targets)
        weight = self.config.word_alone_weight
        if weight == 0:
            return gradients
        return with_word_alone(gradients, self.word_alone_support(encoded, targets), weight)

    def word_alone_support(self, encoded: _Encoded, targets: np.ndarray) -> list[np.ndarray]:
        """Per text, what each word read alone adds to the probability of ``targets[text]``."""
        return self._alone.support(encoded.token_windows(), targets)

    def gradient_attributions(self, encoded: _Encoded, targets: np.ndarray) -> list[np.ndarray]:
        """Per text, one integrated-gradients attribution per word toward ``targets[text]``."""
        n_texts = len(encoded.words)
        word_offsets = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum([len(w) for w in encoded.words], out=word_offsets[1:])
        totals = np.zeros(int(word_offsets[-1]), dtype=np.float64)
        weights = 1.0 / np.maximum(encoded.window_counts(n_texts), 1)
        for rows in self._plan(encoded.lengths):
            starts, lengths = encoded.starts[rows], encoded.lengths[rows]
            ids, mask = pad_slices(encoded.flat, starts, lengths, self._pad_id)
            word_ids, _ = pad_slices(encoded.word_ids, starts, lengths, -1)
            owners = encoded.owners[rows]
            token_scores = self._gradient_times_delta(ids, mask, word_ids < 0, targets[owners])
            token_scores *= weights[owners][:, None]
            hit = word_ids >= 0
            global_words = word_ids + word_offsets[owners][:, None]
            np.add.at(totals, global_words[hit], token_scores[hit])
        return [totals[word_offsets[i] : word_offsets[i + 1]] for i in range(n_texts)]

    def _plan(self, lengths: np.ndarray) -> list[np.ndarray]:
        return plan_batches(lengths, self.predictor.batch_size, self.predictor.batch_tokens)

    def _gradient_times_delta(
        self, ids: np.ndarray, mask: np.ndarray, keep: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        """(gradient at each step) · (embedding − baseline), averaged over the steps, per token;
        each row's steps are those of the label it explains."""
        torch = self._torch
        device = self._device
        ids_t = torch.from_numpy(ids).to(device)
        mask_t = torch.from_numpy(mask).to(device)
        baseline_ids = torch.where(torch.from_numpy(keep).to(device), ids_t, self._pad_id)
        embed = self._model.get_input_embeddings()
        target_t = torch.from_numpy(targets).to(device)[:, None]
        with torch.no_grad():
            actual = embed(ids_t)
            baseline = embed(baseline_ids)
            delta = actual - baseline
        total = torch.zeros(ids.shape, dtype=torch.float32, device=device)
        steps = torch.from_numpy(self._steps[targets]).to(device=device, dtype=delta.dtype)
        for alpha in steps.T:
            point = (baseline + alpha[:, None, None] * delta).requires_grad_(True)
            with torch.enable_grad():
                logits = self._model(inputs_embeds=point, attention_mask=mask_t).logits
                (gradient,) = torch.autograd.grad(logits.float().gather(1, target_t).sum(), point)
            total += (gradient.float() * delta.float()).sum(dim=-1)
        total /= len(self.config.alphas)
        total[torch.from_numpy(keep).to(device)] = 0.0
        return np.asarray(total.cpu().numpy(), dtype=np.float64)


def with_word_alone(
    gradients: Sequence[np.ndarray], support: Sequence[np.ndarray], weight: float
) -> list[np.ndarray]:
    """Each word's share of its comment's gradient attribution plus ``weight`` times its
    word-alone support: the score ``Explainer.attribute`` gives with a ``word_alone_weight``."""
    return [shares(g) + weight * a for g, a in zip(gradients, support, strict=True)]


def _window_words(window: Any, prepared: PreparedText, char_word: np.ndarray) -> np.ndarray:
    return token_words(window.offsets, window.special_tokens_mask, prepared, char_word)


def explain_page(
    explainer: Explainer, texts: Sequence[object], labels: Sequence[str | None]
) -> list[list[tuple[str, float | None]]]:
    """For the app: each comment of the page on screen cut into highlightable pieces, (piece,
    signed score of its word toward the row's label, or None between words)."""
    explained = explainer.explain_words(texts, labels)
    return [
        highlight_segments("" if is_blank(text) else str(text), row.words)
        for text, row in zip(texts, explained, strict=True)
    ]
