"""The predictor every worker runs: batched, length-sorted, windowed BERT classification.

Texts longer than the model's maximum are split into overlapping windows (a quarter of the
window overlaps the next) and the class probabilities of the windows are averaged, so a long
comment is judged on all of its words instead of being cut.

Speed (docs/performance.md): identical texts are scored once; texts are tokenized by the fast
tokenizer a group at a time in a background thread while the model scores the previous group;
batches hold windows of similar length up to a token budget; the model runs in the fastest
precision at label parity with fp32 on this machine, and the comments it is unsure about are
scored again in fp32.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.batching import average_windows, batch_rows, plan_batches
from pipeline.model.cpu_shapes import batch_shapes, rounded_width
from pipeline.model.encoding import WindowEncoder
from pipeline.model.loading import LoadedModel
from pipeline.model.precision import describe_choice, machine_capabilities
from pipeline.model.precision_probe import probed_precision
from pipeline.model.runtime import Engine, Runner, build_engine, return_freed_memory
from pipeline.model.textprep import prepare_text
from pipeline.model.threads import fit_threads_to_cpus
from pipeline.readahead import read_ahead

log = logging.getLogger(__name__)

EMPTY_TEXT_REASON = "empty comment: nothing to classify"
GROUP_TEXTS = 1024
"""Texts tokenized and planned into batches together. A group's last batch is part-filled, so
groups are large: in groups of 128 texts (two batches of 64, as before), a 64-row batch of
comments 48 tokens wide holds 42 rows under the token budget, and every group ended in a batch
of 2; a worker labelled 10,000 short comments at 812-829/s, in groups of 1,024 at 915-970/s
(docs/performance.md). A group of 1,024 short comments tokenizes in about 40 ms, so the model
still starts at once; larger calls are tokenized a group ahead in a thread. A group holds at
least two batches whatever the batch size."""
_READ_AHEAD_BATCHES = 4
CPU_BATCH_TOKENS = 1024
"""On a CPU a batch that is differentiated (the explainer's, ``batch_tokens``) stops at this
many padded tokens: long windows then go in small batches that pad little, and the gradients
of a batch stay small."""
CPU_SCORING_TOKENS = 2048
"""The same limit for the batches the predictor scores. Against plain batches of 64, a limit
of 1,024 nearly doubled throughput on realistic comments (the 2 % of long reviews took 60 % of
the time, half of it padding); 2,048 then gave another 10-18 % with two threads on an AMX CPU,
short and long-tailed comments alike (fewer, fuller parallel regions; docs/performance.md)."""
CPU_FP32_WASTE = 64
"""On a CPU, a batch scored in fp32 (the re-scoring of a bf16 or int8 predictor, and every
batch of an fp32 one) ends before its padding passes this many tokens, and its width is its
longest window's (fp32 gains nothing from the tiles' widths). fp32 costs per token and little
per batch. The comments a chunk re-scores are a few dozen of every length: filled up to the
token budget, a batch of 21 was 96 tokens wide for comments of 16 to 83, half of it padding;
re-scoring 20,000 short comments in 1,000-row chunks took 1.21-1.25 s instead of 1.58-1.62 s.
A worker's chunk is a few hundred comments, too few for neighbours in length to be close: an
fp32 predictor (the choice of a CPU without native bf16 or VNNI, such as an AVX2 AMD EPYC)
padded 1,120 course comments in chunks of 160 to 51,404 tokens for 35,214 real ones, and the
cap labels such chunks 1.22x faster (``benchmarks/fp32_batches.py``, docs/performance.md).
bf16's main pass keeps full batches: the cap made it slower (more, smaller batches of new
shapes)."""


@dataclass(frozen=True)
class Prediction:
    """One text's result: a label and one probability per class, or no label and a reason."""

    label: str | None
    scores: dict[str, float] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ScoringStats:
    """Comments scored so far, and how many of them the fp32 re-scoring took again."""

    texts: int = 0
    rescored: int = 0

    @property
    def rescored_share(self) -> float:
        return self.rescored / self.texts if self.texts else 0.0


def is_blank(text: object) -> bool:
    """No text to label: None, only whitespace, or a missing value as NumPy and pandas hold
    one, which ``str`` would make a word the model labels ("nan", "<NA>", "NaT")."""
    if isinstance(text, str):
        return not text.strip()
    return text is None or is_missing(text) or not str(text).strip()


def is_missing(value: object) -> bool:
    """NaN of any float type, NumPy's NaT, or pandas' ``NA`` and ``NaT`` (a string column's
    empty cell is ``pd.NA``)."""
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    pandas = sys.modules.get("pandas")  # its missing values exist only once it is loaded
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


class Predictor:
    """Labels lists of texts with a loaded classifier.

    CPU by default, CUDA when present; the precision (fp32, bf16, int8) is the fastest one
    at label parity on this machine unless one is asked for (pipeline/model/precision.py).
    Tokenization runs in a background thread, a few batches ahead of the model. Scores use
    the temperature in the model's card (pipeline/model/calibration.py) unless
    ``calibrated`` is false, as when a temperature is being fitted.
    """

    def __init__(
        self,
        loaded: LoadedModel,
        batch_size: int = 64,
        device: str = "auto",
        precision: str = "auto",
        calibrated: bool = True,
    ) -> None:
        import torch

        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        self._loaded = loaded
        self.batch_size = batch_size
        self.device = _pick_device(device, torch)
        if self.device == "cpu":
            fit_threads_to_cpus(torch)
        capabilities = machine_capabilities(self.device)
        self.precision, self.product_times = probed_precision(precision, self.device, capabilities)
        log.info(
            "model %s on %s in %s",
            loaded.version,
            self.device,
            describe_choice(self.precision, self.product_times),
        )
        self.temperature = loaded.temperature if calibrated else 1.0
        self.low_confidence = loaded.low_confidence if calibrated else None
        self.shapes = batch_shapes(self.device, self.precision, capabilities)
        self._engine = build_engine(
            loaded.model, self.precision, self.device, self.temperature, self.shapes
        )
        self._encoder = WindowEncoder(
            loaded.tokenizer, loaded.max_length, stride=max(1, loaded.max_length // 4)
        )
        self._batch_tokens = CPU_BATCH_TOKENS if self.device == "cpu" else None
        self._scoring_tokens = CPU_SCORING_TOKENS if self.device == "cpu" else None
        self._fp32_waste = CPU_FP32_WASTE if self.device == "cpu" else None
        self.stats = ScoringStats()

    @classmethod
    def load(cls, reference: str | os.PathLike[str] = "default", **options: Any) -> Predictor:
        """The predictor of ``reference``, loaded without transformers where it can be
        (pipeline/model/serving.py)."""
        from pipeline.model.serving import load_for_inference

        return cls(load_for_inference(reference), **options)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._loaded.labels

    @property
    def version(self) -> str:
        return self._loaded.version

    @property
    def max_length(self) -> int:
        return self._loaded.max_length

    @property
    def loaded(self) -> LoadedModel:
        """The model, tokenizer and card facts (the explainer reads them: model/explain.py)."""
        return self._loaded

    @property
    def engine(self) -> Engine:
        """The runners in this predictor's precision (the explainer differentiates through them)."""
        return self._engine

    @property
    def _group_texts(self) -> int:
        """The texts of a group: ``GROUP_TEXTS``, or two batches where that is more."""
        return max(GROUP_TEXTS, 2 * self.batch_size)

    @property
    def batch_tokens(self) -> int | None:
        """The padded-token limit of a batch that is differentiated (the explainer's)."""
        return self._batch_tokens

    def predict(self, texts: Sequence[object]) -> list[Prediction]:
        probs = self.predict_proba(texts)
        results = []
        for row in probs:
            if np.isnan(row[0]):
                results.append(Prediction(label=None, error=EMPTY_TEXT_REASON))
                continue
            scores = {name: float(p) for name, p in zip(self.labels, row, strict=True)}
            results.append(Prediction(label=self.labels[int(row.argmax())], scores=scores))
        return results

    def predict_proba(self, texts: Sequence[object]) -> np.ndarray:
        """Class probabilities, one row per text in the order they come; rows of blank texts
        are NaN. A pandas column is read by position: after a sort or a filter its index is
        no longer 0..n-1, and ``texts[i]`` would be another row's text, or none."""
        texts = list(texts)
        out = np.full((len(texts), len(self.labels)), np.nan, dtype=np.float64)
        valid = [i for i, t in enumerate(texts) if not is_blank(t)]
        if valid:
            out[valid] = self._score([prepare_text(str(texts[i])) for i in valid])
        if len(valid) >= self.batch_size:
            return_freed_memory()
        return out

    def _score(self, texts: list[str]) -> np.ndarray:
        """Fast precision first; the comments it is unsure about again in fp32. A text that
        occurs more than once is scored once ("Good", "Great course!" in a long export), so
        copies also get the same scores whatever batches they would have shared."""
        engine = self._engine
        distinct, copies = distinct_texts(texts)
        probs = self._run(engine.fast, distinct)
        self.stats.texts += len(texts)
        if engine.rescore_margin > 0:
            unsure = np.flatnonzero(top_two_margin(probs) < engine.rescore_margin)
            if unsure.size:
                rescored = [distinct[i] for i in unsure]
                probs[unsure] = self._run(engine.exact, rescored, rescoring=True)
                self.stats.rescored += int(np.isin(copies, unsure).sum())
        return probs[copies]

    def _run(self, runner: Runner, texts: list[str], rescoring: bool = False) -> np.ndarray:
        """Average window probabilities per text; batches are tokenized ahead in a thread."""
        window_probs: list[np.ndarray] = []
        window_owners: list[np.ndarray] = []
        batches = self._batches(texts, rescoring)
        if len(texts) > self._group_texts:
            batches = read_ahead(batches, depth=_READ_AHEAD_BATCHES)
        for owners, ids, mask in batches:
            window_probs.append(runner(ids, mask)[: len(owners)])  # less any filler rows
            window_owners.append(owners)
        return average_windows(
            np.concatenate(window_probs), np.concatenate(window_owners), len(texts)
        )

    def _batches(
        self, texts: list[str], rescoring: bool = False
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(owning text indexes, input ids, attention mask) per batch, longest texts first.

        Texts are grouped by character length so a group can be tokenized while the model
        works on the previous one; inside a group, batches are planned on token counts, their
        widths rounded as the CPU's matrix units want (pipeline/model/cpu_shapes.py). Batches
        scored in fp32 on a CPU (the re-scoring's, ``rescoring``, and all of an fp32
        predictor's) keep exact widths and little padding (``CPU_FP32_WASTE``).
        """
        width, waste = self._width, None
        if (rescoring or self.precision == "fp32") and self._fp32_waste is not None:
            width, waste = self._exact_width, self._fp32_waste
        by_length = np.argsort(-np.fromiter(map(len, texts), np.int64, len(texts)), kind="stable")
        for start in range(0, len(by_length), self._group_texts):
            group = by_length[start : start + self._group_texts]
            windows = self._encoder.encode([texts[i] for i in group])
            for rows in plan_batches(
                windows.lengths, self.batch_size, self._scoring_tokens, width, waste
            ):
                padded = width(int(windows.lengths[rows].max()))
                ids, mask = windows.padded(rows, self._encoder.pad_id, padded)
                if self.shapes.packed_weights and not rescoring:
                    ids, mask = filled(ids, mask, self._full_rows(padded))
                yield group[windows.owners[rows]], ids, mask

    def _width(self, longest: int) -> int:
        """The padded width of a batch whose longest window is ``longest`` tokens."""
        return rounded_width(longest, self.shapes.width_step, self.max_length)

    @staticmethod
    def _exact_width(longest: int) -> int:
        return longest

    def _full_rows(self, width: int) -> int:
        """The rows of a full batch ``width`` tokens wide, as ``plan_batches`` counts them."""
        return batch_rows(self.batch_size, self._scoring_tokens, width)


def filled(ids: np.ndarray, mask: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """A part-filled batch made ``rows`` rows by repeating its last row (the caller drops
    their scores). With packed weights, oneDNN builds kernels for every new batch shape, 20-37
    ms each on an Intel Xeon with AMX, more than a dozen rows cost; a group's last batch, with
    any number of rows, was a new shape in most chunks. Full-size batches reuse the kernels of
    the full batches before them: a worker labelled 10,000 short comments 0.3-3.7 % faster
    (docs/performance.md)."""
    missing = rows - len(ids)
    if missing <= 0:
        return ids, mask
    return (
        np.concatenate([ids, np.repeat(ids[-1:], missing, axis=0)]),
        np.concatenate([mask, np.repeat(mask[-1:], missing, axis=0)]),
    )


def distinct_texts(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in first-seen order, and for each text the index of its own."""
    index: dict[str, int] = {}
    copies = np.fromiter(
        (index.setdefault(text, len(index)) for text in texts), np.int64, len(texts)
    )
    return list(index), copies


def top_two_margin(probs: np.ndarray) -> np.ndarray:
    """How far apart the two most likely classes are, per row (1 = certain, 0 = a tie)."""
    ordered = np.sort(probs, axis=1)
    return np.asarray(ordered[:, -1] - ordered[:, -2])


def _pick_device(requested: str, torch: Any) -> str:
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but no CUDA GPU is available")
    if requested not in ("cpu", "cuda"):
        raise ConfigError(f"unknown device {requested!r}: expected auto, cpu or cuda")
    return str(requested)
