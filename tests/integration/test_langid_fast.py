"""The bulk language detector against py3langid itself: the same probabilities (bit for bit,
asserted to 1e-9) and the same told language for texts in every language of the authored
set (18), short ones, emoji, other scripts, capitals, broken bytes and long texts, in chunks."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipeline.model import langid_cache, langid_fast
from pipeline.model.language import DETECTED_CHARS, Py3LangidDetector, told_languages

pytestmark = pytest.mark.slow

AUTHORED = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "non_english_comments.csv"
ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyz     ",
    "абвгдежзийклмнопрстуфхцчшщыэюя   ",
    "αβγδεζηθικλμνξοπρστυφχψω   ",
    "的一是不了人我在有他这为之大来以个中上们  ",
    "あいうえおかきくけこさしすせそたちつてと ",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي  ",
    "אבגדהוזחטיכלמנסעפצקרשת  ",
    "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह  ",
    "😀👍🎉🔥💯 ",
    "0123456789.,;:!?-()'\"  ",
    "àáâãäåæçèéêëìíîïñòóôõöùúûüýÿßœ  ",
)  # fmt: skip


@functools.cache
def reference() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


class ReferenceDetector:
    """py3langid asked text by text, as the screen asked it before the bulk path."""

    def probabilities(self, text: str) -> Mapping[str, float]:
        return dict(reference().rank(text[:DETECTED_CHARS]))


def texts() -> list[str]:
    rng = np.random.default_rng(15)
    authored = pd.read_csv(AUTHORED)["text"].astype(str).tolist()
    mixed = [
        "".join(rng.choice(list("".join(rng.choice(ALPHABETS, size=2))), size=size))
        for size in rng.integers(0, 120, size=600)
    ]
    broken = [bytes(rng.integers(0, 256, size=n)).decode("utf-8", "replace") for n in range(60)]
    edges = [
        "", " ", "a", "ok", "Great!", "MATH 221", "GREAT COURSE, LOVED IT", "👍👍", "\udc80 x",
        "Die Vorlesung war gut. " * 60, "课程很好。" * 300, "e\u0301te\u0301 cafe\u0301",
    ]  # fmt: skip
    return authored + [t.upper() for t in authored[:20]] + mixed + broken + edges


@pytest.fixture(scope="module")
def arrays(tmp_path_factory: pytest.TempPathFactory) -> langid_cache.LangidArrays:
    root = tmp_path_factory.mktemp("cache")
    langid_cache.load_arrays(root)
    return langid_cache.load_arrays(root)  # read back from the .npy files


def test_the_cached_arrays_give_py3langids_probabilities(
    arrays: langid_cache.LangidArrays,
) -> None:
    sample = [text[:DETECTED_CHARS] for text in texts()]
    expected = np.array([reference()._decide(text) for text in sample])
    got = np.concatenate(
        [langid_fast.probabilities(arrays, sample[i : i + 64]) for i in range(0, len(sample), 64)]
    )
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-9


def test_the_detector_tells_what_py3langid_tells() -> None:
    sample = texts()
    detector = Py3LangidDetector()
    assert detector.probabilities(sample[0]) == pytest.approx(
        ReferenceDetector().probabilities(sample[0]), abs=1e-9
    )
    told = told_languages(sample, detector)
    assert told == told_languages(sample, ReferenceDetector())
    assert {"de", "fr", "zh", "ru", "en"} <= set(told)


def test_scoring_in_groups_changes_nothing(
    arrays: langid_cache.LangidArrays, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = [text[:DETECTED_CHARS] for text in texts()[:200]]
    whole = langid_fast.probabilities(arrays, sample)
    monkeypatch.setattr(langid_fast, "GROUP_BYTES", 300)
    assert len(langid_fast.groups([len(langid_fast.encode(t)) for t in sample], 300)) > 20
    assert np.array_equal(langid_fast.probabilities(arrays, sample), whole)
