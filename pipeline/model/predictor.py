"""The predictor every worker runs: batched, length-sorted, windowed BERT classification.

Texts longer than the model's maximum are split into overlapping windows (a quarter of the
window overlaps the next) and the class probabilities of the windows are averaged, so a long
comment is judged on all of its words instead of being cut.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.model.batching import average_windows, pad_batch, plan_batches
from pipeline.model.loading import LoadedModel, load_model

EMPTY_TEXT_REASON = "empty comment: nothing to classify"


@dataclass(frozen=True)
class Prediction:
    """One text's result: a label and one probability per class, or no label and a reason."""

    label: str | None
    scores: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def is_blank(text: object) -> bool:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return not str(text).strip()


class Predictor:
    """Labels lists of texts with a loaded classifier; CPU by default, CUDA + bf16 when present."""

    def __init__(self, loaded: LoadedModel, batch_size: int = 64, device: str = "auto") -> None:
        import torch

        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        self._loaded = loaded
        self.batch_size = batch_size
        self.device = _pick_device(device, torch)
        self._dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self._model = loaded.model.to(device=self.device, dtype=self._dtype)
        self._stride = max(1, loaded.max_length // 4)

    @classmethod
    def load(cls, reference: str | os.PathLike[str] = "default", **options: Any) -> Predictor:
        return cls(load_model(reference), **options)

    @property
    def labels(self) -> tuple[str, ...]:
        return self._loaded.labels

    @property
    def version(self) -> str:
        return self._loaded.version

    @property
    def max_length(self) -> int:
        return self._loaded.max_length

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
        """Class probabilities, one row per text; rows of blank texts are NaN."""
        out = np.full((len(texts), len(self.labels)), np.nan, dtype=np.float64)
        valid = [i for i, t in enumerate(texts) if not is_blank(t)]
        if not valid:
            return out
        encoded = self._loaded.tokenizer(
            [str(texts[i]) for i in valid],
            truncation=True,
            max_length=self.max_length,
            stride=self._stride,
            return_overflowing_tokens=True,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        windows: list[list[int]] = encoded["input_ids"]
        owners: list[int] = encoded["overflow_to_sample_mapping"]
        window_probs = self._score_windows(windows)
        out[valid] = average_windows(window_probs, owners, len(valid))
        return out

    def _score_windows(self, windows: list[list[int]]) -> np.ndarray:
        import torch

        probs = np.empty((len(windows), len(self.labels)), dtype=np.float64)
        pad_id = int(self._loaded.tokenizer.pad_token_id or 0)
        with torch.inference_mode():
            for batch in plan_batches([len(w) for w in windows], self.batch_size):
                ids, mask = pad_batch([windows[i] for i in batch], pad_id)
                logits = self._model(
                    input_ids=torch.from_numpy(ids).to(self.device),
                    attention_mask=torch.from_numpy(mask).to(self.device),
                ).logits
                probs[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return probs


def _pick_device(requested: str, torch: Any) -> str:
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but no CUDA GPU is available")
    if requested not in ("cpu", "cuda"):
        raise ConfigError(f"unknown device {requested!r}: expected auto, cpu or cuda")
    return str(requested)
