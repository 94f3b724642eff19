"""The explainer on a tiny random BERT: integrated gradients add up, windows, rows, config.

A 2-layer BERT with random weights (spread wide enough that words move its output) is enough
to check the arithmetic: with many steps, the word attributions of integrated gradients must
add up to p(label | text) − p(label | baseline) (its completeness property), which only holds
when the gradient, the baseline and the merging of tokens into words are all right. Whether
the attributions are *faithful* is checked on the shipped model in
tests/integration/test_explain_faithfulness.py.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from tinybert import LABELS, base_tokenizer, tiny_loaded

from pipeline.errors import ModelLoadError
from pipeline.model import faithfulness as faithfulness_module
from pipeline.model import predictor as predictor_module
from pipeline.model.explain import (
    EXPLAIN_FILE,
    ExplainConfig,
    Explainer,
    Explanation,
    explain_page,
    read_config,
)
from pipeline.model.explain_words import shares, top_fraction
from pipeline.model.faithfulness import (
    calibrate_alphas,
    calibrate_word_alone,
    faithfulness,
    random_attributions,
    reduce_window,
    score_windows,
    write_config,
)
from pipeline.model.precision import machine_capabilities, supported_precisions
from pipeline.model.predictor import Predictor

MANY_STEPS = ExplainConfig(alphas=tuple((i + 0.5) / 16 for i in range(16)))


@pytest.fixture(scope="module")
def tokenizer() -> object:
    return base_tokenizer()


@pytest.fixture()
def predictor(tokenizer: object, tmp_path: Path) -> Predictor:
    return Predictor(tiny_loaded(tokenizer, tmp_path), device="cpu", precision="fp32")


def _baseline_logits(explainer: Explainer, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per window: logits of the text and of its baseline (non-special tokens → [PAD])."""
    import torch

    encoded = explainer.encode(texts)
    model = explainer.predictor.loaded.model
    full, base = [], []
    for window in range(len(encoded.lengths)):
        start = int(encoded.starts[window])
        ids = encoded.flat[start : start + int(encoded.lengths[window])]
        special = encoded.word_ids[start : start + len(ids)] < 0
        with torch.no_grad():
            for out, row in ((full, ids), (base, np.where(special, ids, explainer.pad_id))):
                out.append(model(input_ids=torch.from_numpy(row)[None, :]).logits[0].numpy())
    return np.array(full), np.array(base)


def _raw(explainer: Explainer, texts: list[str], targets: list[int]) -> list[np.ndarray]:
    return explainer.attribute(explainer.encode(texts), np.array(targets))


def test_many_step_attributions_add_up_to_the_logit_change(predictor: Predictor) -> None:
    explainer = Explainer(predictor, MANY_STEPS)
    texts = ["The lectures were great", "the exams weren't fair at all!!"]
    full, base = _baseline_logits(explainer, texts)
    for raw, target, f, b in zip(_raw(explainer, texts, [2, 0]), (2, 0), full, base, strict=True):
        assert raw.sum() == pytest.approx(f[target] - b[target], abs=5e-3)
        assert np.abs(raw).max() > 1e-2


def test_rows_show_each_words_share_with_its_sign(predictor: Predictor) -> None:
    explainer = Explainer(predictor, MANY_STEPS)
    text = "the exams weren't fair at all!!"
    (raw,) = _raw(explainer, [text], [0])
    (row,) = explainer.explain_words([text], ["negative"])
    scores = np.array([w.score for w in row.words])
    assert np.abs(scores).sum() == pytest.approx(1.0)
    assert np.allclose(scores * np.abs(raw).sum(), raw)


def test_a_long_text_is_explained_over_all_its_windows(tokenizer: object, tmp_path: Path) -> None:
    predictor = Predictor(tiny_loaded(tokenizer, tmp_path, max_length=12), precision="fp32")
    explainer = Explainer(predictor, MANY_STEPS)
    text = " ".join(f"word{i}" if i % 3 else "good" for i in range(30))
    (row,) = explainer.explain_words([text], ["neutral"])
    assert len(explainer.encode([text]).lengths) > 2
    assert [w.word for w in row.words] == text.split()
    assert all(w.score != 0.0 for w in row.words)
    full, base = _baseline_logits(explainer, [text])
    (raw,) = _raw(explainer, [text], [1])
    assert raw.sum() == pytest.approx((full - base)[:, 1].mean(), abs=5e-3)


def test_attributions_are_signed_toward_the_label_explained(predictor: Predictor) -> None:
    explainer = Explainer(predictor, MANY_STEPS)
    text = "average course with dull slides"
    toward = _raw(explainer, [text] * 3, [0, 1, 2])
    full, base = _baseline_logits(explainer, [text])
    for index in range(len(LABELS)):
        assert toward[index].sum() == pytest.approx(full[0, index] - base[0, index], abs=5e-3)
    assert not np.allclose(toward[0], toward[2], atol=1e-3)


def test_the_words_shown_toward_the_label_are_the_evaluated_ranking(predictor: Predictor) -> None:
    """One method: the cell's words that pushed toward the label, in order, are the first words
    ERASER removes or keeps (faithfulness.py ranks the same attributions by signed score)."""
    explainer = Explainer(predictor)
    text = "the exams were unfair but lectures good and slides fine"
    words = text.split()
    for index, label in enumerate(LABELS):
        (raw,) = _raw(explainer, [text], [index])
        (row,) = explainer.explain_words([text], [label])
        toward = [word for word, score in row.top(5) if score > 0]
        ranked = [words[i] for i in top_fraction(raw, 1.0)]
        assert toward and toward == ranked[: len(toward)], (label, row.top(5), ranked)


def test_rows_without_a_label_or_text_get_an_empty_explanation(predictor: Predictor) -> None:
    explainer = Explainer(predictor)
    rows = explainer.explain_words(["good", "", "fine", None], ["positive", "neutral", None, "x"])
    assert rows[0].label == "positive" and [w.word for w in rows[0].words] == ["good"]
    assert [r.label for r in rows[1:]] == [None, None, None]
    assert all(r.words == () and r.cell() == "" for r in rows[1:])


def test_without_labels_the_predictors_own_labels_are_explained(predictor: Predictor) -> None:
    texts = ["one comment", "another one here", "   "]
    rows = Explainer(predictor).explain_words(texts)
    assert [r.label for r in rows] == [p.label for p in predictor.predict(texts)]


def test_explain_gives_top_words_and_refuses_bad_labels(predictor: Predictor) -> None:
    explainer = Explainer(predictor)
    (top,) = explainer.explain(["a b c d e f g h"], ["neutral"], top_k=3)
    assert len(top) == 3 and sorted(abs(s) for _, s in top) == [abs(s) for _, s in top][::-1]
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        explainer.explain(["a", "b"], ["neutral"])
    with pytest.raises(ValueError, match="unknown label 'great'"):
        explainer.explain(["a"], ["great"])


def test_bf16_attributions_follow_fp32(tokenizer: object, tmp_path: Path) -> None:
    loaded = tiny_loaded(tokenizer, tmp_path)
    texts = ["The lectures were great", "the exams were unfair and the grading slow"]
    exact = Explainer(Predictor(loaded, precision="fp32")).explain_words(texts, ["positive"] * 2)
    bf16 = Explainer(Predictor(loaded, precision="bf16"))
    assert bf16.precision == "bf16"
    fast = bf16.explain_words(texts, ["positive"] * 2)
    for a, b in zip(exact, fast, strict=True):
        x, y = (np.array([w.score for w in r.words]) for r in (a, b))
        assert np.corrcoef(x, y)[0, 1] > 0.9


def test_an_int8_predictor_is_explained_in_fp32(
    tokenizer: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On every CPU: where the precision policy offers no int8 (no VNNI), the predictor is told
    the CPU has VNNI; fbgemm's int8 kernels run on AVX2 as well, only less exactly, which does
    not matter to a test of which precision the explainer differentiates in."""
    capabilities = {**machine_capabilities("cpu"), "avx512_vnni": True}
    monkeypatch.setattr(predictor_module, "machine_capabilities", lambda _device: capabilities)
    assert "int8" in supported_precisions("cpu", capabilities)
    loaded = tiny_loaded(tokenizer, tmp_path)
    texts = ["The lectures were great"]
    exact = Explainer(Predictor(loaded, precision="fp32")).explain_words(texts, ["positive"])
    int8 = Explainer(Predictor(loaded, precision="int8"))
    assert int8.precision == "fp32"
    assert int8.explain_words(texts, ["positive"]) == exact


def test_the_page_function_cuts_each_comment_into_scored_pieces(predictor: Predictor) -> None:
    texts = ["Great  lectures!", ""]
    pages = explain_page(Explainer(predictor), texts, ["positive", None])
    assert "".join(piece for piece, _ in pages[0]) == texts[0]
    assert [piece for piece, score in pages[0] if score is not None] == ["Great", "lectures", "!"]
    assert pages[1] == []


def test_config_defaults_to_the_midpoint_and_reads_what_calibration_wrote(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert read_config(tmp_path).alphas == (0.5,)
    write_config(tmp_path, 0.3, {"model_version": "m-1"})
    assert read_config(tmp_path, "m-1") == ExplainConfig(alphas=(0.3,), model_version="m-1")
    write_config(tmp_path, 0.45, {"model_version": "m-1"}, {"negative": 0.5})
    config = read_config(tmp_path, "m-1")
    assert config.label_alphas == {"negative": (0.5,)}
    assert (config.steps("negative"), config.steps("positive")) == ((0.5,), (0.45,))
    with caplog.at_level(logging.WARNING):
        assert read_config(tmp_path, "m-2").alphas == (0.45,)
    assert "calibrated for m-1, not m-2" in caplog.text
    assert config.word_alone_weight == 0.0
    write_config(tmp_path, 0.45, {"model_version": "m-1"}, None, 1.5)
    assert read_config(tmp_path, "m-1").word_alone_weight == 1.5
    for bad in ({"alphas": [1.5]}, {"alphas": [0.5], "label_alphas": {"negative": 0.5}}):
        (tmp_path / EXPLAIN_FILE).write_text(json.dumps(bad))
        with pytest.raises(ModelLoadError, match="not a valid explanation config"):
            read_config(tmp_path)


def test_a_words_score_adds_what_the_model_says_of_it_alone(predictor: Predictor) -> None:
    """Share of the gradient + weight × (p(label | the word alone) − p(label | no word)), the
    word alone being the window ERASER's sufficiency keeps for it."""
    texts = ["the exams weren't fair at all!!", "great lectures"]
    targets = np.array([0, 2])
    mixed = Explainer(predictor, ExplainConfig(alphas=(0.5,), word_alone_weight=0.7))
    encoded = mixed.encode(texts)
    scores = mixed.attribute(encoded, targets)
    gradients = mixed.gradient_attributions(encoded, targets)
    exact = predictor.engine.exact
    for index, (score, gradient) in enumerate(zip(scores, gradients, strict=True)):
        start, length = int(encoded.starts[index]), int(encoded.lengths[index])
        span = slice(start, start + length)
        ids, word_ids = encoded.flat[span], encoded.word_ids[span]
        words = len(encoded.words[index])
        kept = [reduce_window(ids, word_ids, np.arange(words) == j) for j in range(words)]
        kept.append(reduce_window(ids, word_ids, np.zeros(words, dtype=bool)))
        probs = score_windows(kept, np.arange(len(kept)), len(kept), exact, mixed)
        support = probs[:-1, targets[index]] - probs[-1, targets[index]]
        assert np.allclose(score, shares(gradient) + 0.7 * support, atol=1e-6)
    (row,) = mixed.explain_words(texts[:1], ["negative"])
    assert np.allclose([w.score for w in row.words], shares(scores[0]), atol=1e-6)


def test_calibration_weighs_the_word_alone_part_by_the_same_criterion(
    predictor: Predictor,
) -> None:
    explainer = Explainer(predictor)
    texts = ["The lectures were great", "the exams were unfair", "fine I guess", "so good"]
    targets = np.array([2, 0, 1, 2])
    weight, rows = calibrate_word_alone(
        explainer, texts, targets, predictor.engine.exact, (0.0, 0.5, 3.0)
    )
    assert [row["word_alone_weight"] for row in rows] == [0.0, 0.5, 3.0]
    gain = {row["word_alone_weight"]: row["comprehensiveness"] - row["sufficiency"] for row in rows}
    assert gain[weight] == max(gain.values())
    plain = Explainer(predictor, ExplainConfig(alphas=explainer.config.alphas))
    alone = faithfulness(
        plain, texts, targets, plain.attribute(plain.encode(texts), targets), predictor.engine.exact
    )
    assert rows[0]["comprehensiveness"] == pytest.approx(alone.comprehensiveness, abs=1e-4)


def test_reduce_window_drops_the_tokens_of_dropped_words_only() -> None:
    ids = np.array([101, 7, 8, 9, 10, 102])
    word_ids = np.array([-1, 0, 0, 1, 2, -1])
    assert reduce_window(ids, word_ids, np.array([False, True, True])).tolist() == [101, 9, 10, 102]
    assert reduce_window(ids, word_ids, np.zeros(3, bool)).tolist() == [101, 102]


def test_random_attributions_are_seeded() -> None:
    first, again = random_attributions([3, 5], 1), random_attributions([3, 5], 1)
    assert [len(a) for a in first] == [3, 5]
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_faithfulness_at_all_words_removes_everything_or_keeps_everything(
    predictor: Predictor,
) -> None:
    explainer = Explainer(predictor)
    texts = ["The lectures were great", "boring"]
    targets = np.array([2, 0])
    attributions = [np.array([0.1, 0.4, 0.2, 0.3]), np.array([0.5])]
    result = faithfulness(explainer, texts, targets, attributions, predictor.engine.exact, (1.0,))
    full = predictor.predict_proba(texts)[[0, 1], targets]
    empty = score_windows(
        [np.array([101, 102])], np.array([0]), 1, predictor.engine.exact, explainer
    )[0, targets]
    assert result.sufficiency == pytest.approx(0.0, abs=1e-6)
    assert result.comprehensiveness == pytest.approx(float(np.mean(full - empty)), abs=1e-5)


def test_calibration_picks_the_best_step_of_the_grid_and_its_neighbours(
    predictor: Predictor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faithfulness_module, "MIN_LABEL_COMMENTS", 2)
    explainer = Explainer(predictor)
    texts = ["The lectures were great", "the exams were unfair", "fine I guess", "so good"]
    targets = np.array([2, 0, 1, 2])
    scorer = predictor.engine.exact
    found = calibrate_alphas(explainer, texts, targets, scorer, (0.3, 0.9), refine=0.1)
    tried = [row["alpha"] for row in found.grid]
    gain = {row["alpha"]: row["comprehensiveness"] - row["sufficiency"] for row in found.grid}
    positive = {
        row["alpha"]: row["by_label"]["positive"]["comprehensiveness"]
        - row["by_label"]["positive"]["sufficiency"]
        for row in found.grid
    }
    coarse = {max((0.3, 0.9), key=gain.get), max((0.3, 0.9), key=positive.get)}
    neighbours = {round(a + d, 4) for a in coarse for d in (-0.1, 0.1)}
    assert tried == sorted({0.3, 0.9} | neighbours)
    assert gain[found.alpha] == pytest.approx(max(gain.values()), abs=1e-4)
    best_positive = found.label_alphas.get("positive", found.alpha)
    assert positive[best_positive] == pytest.approx(max(positive.values()), abs=1e-4)
    assert set(found.label_alphas) <= {"positive"}
    assert all(row["by_label"]["positive"]["comments"] == 2 for row in found.grid)


def test_a_labels_own_step_explains_the_comments_given_that_label(
    predictor: Predictor,
) -> None:
    texts = ["The lectures were great", "the exams were unfair"]
    mixed = Explainer(predictor, ExplainConfig(alphas=(0.5,), label_alphas={"negative": (0.3,)}))
    plain = Explainer(predictor, ExplainConfig(alphas=(0.5,)))
    moved = Explainer(predictor, ExplainConfig(alphas=(0.3,)))
    labels = ["positive", "negative"]
    rows = [_scores(r) for r in mixed.explain_words(texts, labels)]
    alone = [_scores(r) for r in plain.explain_words(texts, labels)]
    assert np.allclose(rows[0], alone[0], atol=1e-5)
    assert np.allclose(rows[1], _scores(moved.explain_words(texts, labels)[1]), atol=1e-5)
    assert not np.allclose(rows[1], alone[1], atol=1e-3)


def _scores(row: Explanation) -> np.ndarray:
    return np.array([w.score for w in row.words])


def test_config_refuses_a_negative_word_alone_weight() -> None:
    with pytest.raises(ValueError, match="word_alone_weight must be 0 or more"):
        ExplainConfig(word_alone_weight=-1.0)


def test_config_refuses_steps_outside_the_path_or_of_another_count() -> None:
    with pytest.raises(ValueError, match="in \\(0, 1\\]"):
        ExplainConfig(alphas=(0.5,), label_alphas={"negative": (0.0,)})
    with pytest.raises(ValueError, match="every label needs 1 steps"):
        ExplainConfig(alphas=(0.5,), label_alphas={"negative": (0.3, 0.6)})
