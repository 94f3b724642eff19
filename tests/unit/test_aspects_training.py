"""Aspect training end to end on a small synthetic data directory with fake encoders:
what is held out, what the card records, the cache, and evaluate() on the written model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pipeline.model.aspects.artefact import CARD_FILE, load_aspect_model
from pipeline.model.aspects.encoders import Encoders, separately
from pipeline.model.aspects.evaluation import evaluate
from pipeline.model.aspects.features import compute_features, memoized
from pipeline.model.aspects.fitting import HeadOptions
from pipeline.model.aspects.training import AspectTrainOptions, train

TOPICS = {
    "teaching": ["lectures", "explanations", "teaching"],
    "exams": ["exam", "final", "tests"],
    "materials": ["slides", "notes", "textbook"],
}
GOOD, BAD = ["great", "clear", "excellent"], ["awful", "unfair", "confusing"]
AXIS = {word: axis for axis, words in enumerate(TOPICS.values()) for word in words}


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    """One axis per topic word found, plus a little text-dependent noise; unit rows."""
    out = np.zeros((len(texts), 8), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().replace(".", " ").split():
            if word in AXIS:
                out[i, AXIS[word]] += 1.0
        out[i, 3 + len(text) % 5] += 0.3
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float16)


def fake_sentiment(texts: Sequence[str]) -> np.ndarray:
    out = np.tile([0.2, 0.6, 0.2], (len(texts), 1))
    for i, text in enumerate(texts):
        good = sum(w in text for w in GOOD)
        bad = sum(w in text for w in BAD)
        if good or bad:
            out[i] = [0.1, 0.1, 0.8] if good > bad else [0.8, 0.1, 0.1]
    return out


FAKE = Encoders(embed=fake_embed, score_sentiment=fake_sentiment, names="fake")


def _rows(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(text, aspects, aspect_sentiments, label): one or two topics, each praised or panned."""
    rng = np.random.default_rng(seed)
    rows = []
    names = list(TOPICS)
    for i in range(n):
        picked = rng.choice(names, size=1 + i % 2, replace=False)
        clauses, sentiments = [], []
        for topic in picked:
            good = bool(rng.integers(2))
            clauses.append(
                f"the {rng.choice(TOPICS[topic])} were {rng.choice(GOOD if good else BAD)}"
            )
            sentiments.append(f"{topic}:{'positive' if good else 'negative'}")
        text = " but ".join(clauses) + f" (comment {i})"
        label = "positive" if sentiments[0].endswith("positive") else "negative"
        rows.append((text, ";".join(picked), ";".join(sentiments), label))
    return rows


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    (root / "student_feedback").mkdir()
    rows = _rows(160, seed=3)
    aspects = ["text,aspects,aspect_sentiments,aspect_terms,source"]
    feedback = ["text,label,source"]
    for text, names, sentiments, label in rows:
        aspects.append(f'"{text}",{names},{sentiments},,p')
        feedback.append(f'"{text}",{label},p')
    (root / "student_feedback" / "aspects.csv").write_text("\n".join(aspects) + "\n")
    (root / "student_feedback" / "student_feedback.csv").write_text("\n".join(feedback) + "\n")
    return root


@pytest.fixture(scope="module")
def trained(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    pytest.importorskip("sklearn")
    out = tmp_path_factory.mktemp("model") / "aspects"
    options = AspectTrainOptions(
        data_dir=data_dir,
        output_dir=out,
        granularity="fine",
        compare=("fine", "top"),
        head=HeadOptions(c=4.0, min_df=1, folds=3),
    )
    return out, train(options, FAKE)


def test_training_writes_a_loadable_model_whose_card_holds_the_figures(
    trained: tuple[Path, dict],
) -> None:
    out, card = trained
    model = load_aspect_model(out)
    assert model.version == card["version"]
    assert model.version.startswith("aspects-fine-")
    # every annotated category is a category of the model, even those absent from the data
    assert {"teaching", "exams", "materials"} <= set(model.categories)
    assert set(card["cross_validation"]["detection"]) == {"fine", "top"}
    assert card["data"]["held_out_comments"] == 32  # the sentiment split: 20 % per label
    held = card["held_out"]
    assert held["detection"]["micro_f1"] > 0.9
    polarity = {name: report["accuracy"] for name, report in held["polarity"].items()}
    assert polarity["polarity_head"] > 0.9 and polarity["clause_evidence"] > 0.9
    assert set(polarity) == {
        "comment_label",
        "clause_evidence",
        "sentiment_head",
        "wording_head",
        "polarity_head",
    }
    assert card["polarity_head"]["wording_share"] == model.polarity_head.wording_share == 0.5
    # two-topic comments mix their sentiment: the comment's label is wrong for one of them
    assert polarity["comment_label"] < 0.85
    assert set(card["cross_validation"]["polarity"]) == {"comment_label", "clause_evidence"}
    assert "macro_f1" in card["zero_shot_baseline"]["one_threshold"]
    json.loads((out / CARD_FILE).read_text())
    readme = (out / "README.md").read_text()
    assert model.version in readme
    assert all(f"| `{name}` | {model.descriptions[name]} |" in readme for name in model.categories)


def test_the_held_out_part_is_the_sentiment_models_validation_split(
    data_dir: Path, trained: tuple[Path, dict]
) -> None:
    from pipeline.model.aspects.data import sentiment_validation_texts

    held = sentiment_validation_texts(data_dir, 0.2, 13)
    assert len(held) == trained[1]["data"]["held_out_comments"]


def test_evaluate_reproduces_the_cards_held_out_figures(
    data_dir: Path, trained: tuple[Path, dict]
) -> None:
    out, card = trained
    figures = evaluate(data_dir, out, FAKE)
    assert figures["version"] == card["version"]
    assert figures["detection"]["micro_f1"] == pytest.approx(
        card["held_out"]["detection"]["micro_f1"]
    )
    assert figures["polarity"] == card["held_out"]["polarity"]
    assert set(figures["seconds"]) == {
        "labelling",
        "embedding_with_clauses",
        "aspects_with_clause_sentiment",
    }


def test_feature_cache_is_reused_only_for_the_same_texts_and_encoders(tmp_path: Path) -> None:
    calls: list[int] = []

    def counting(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return fake_embed(texts)

    cache = tmp_path / "features.npz"
    texts = ["the exam was unfair but the slides were great", "clear notes"]
    spans = separately(counting)
    first = compute_features(texts, spans, fake_sentiment, cache=cache, encoders="a")
    again = compute_features(texts, spans, fake_sentiment, cache=cache, encoders="a")
    assert len(calls) == 1
    np.testing.assert_array_equal(first.clause_embeddings, again.clause_embeddings)
    compute_features(texts, spans, fake_sentiment, cache=cache, encoders="b")
    compute_features(texts[:1], spans, fake_sentiment, cache=cache, encoders="b")
    assert len(calls) == 3
    assert first.clause_texts == ["the exam was unfair", "but the slides were great"]
    assert first.clause_owners.tolist() == [0, 0]


def test_memoized_encoders_answer_known_texts_without_calling_the_real_ones() -> None:
    texts = ["the exam was unfair but the slides were great", "clear notes"]
    features = compute_features(texts, separately(fake_embed), fake_sentiment)
    asked: list[list[str]] = []

    def spy(batch: Sequence[str]) -> np.ndarray:
        asked.append(list(batch))
        return fake_embed(batch)

    known = memoized(features, Encoders(spy, fake_sentiment, "fake"))
    got = known.embed(["but the slides were great", "clear notes", "new text"])
    assert asked == [["new text"]]
    np.testing.assert_array_equal(got[0], features.clause_embeddings[1])
    np.testing.assert_array_equal(got[2], fake_embed(["new text"])[0])


def test_subset_renumbers_comments_and_keeps_their_clauses(data_dir: Path) -> None:
    texts = ["a lecture. an exam", "plain", "the notes were great but the final awful"]
    features = compute_features(texts, separately(fake_embed), fake_sentiment)
    part = features.subset([2, 0])
    assert part.texts == [texts[2], texts[0]]
    assert part.clause_owners.tolist() == [0, 0, 1, 1]
    assert part.clause_texts[:2] == ["the notes were great", "but the final awful"]


def test_authored_comments_train_only_and_never_duplicate_annotated_ones(
    data_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("sklearn")
    annotated = _rows(160, seed=3)
    authored = tmp_path / "authored.csv"
    lines = ["text,aspects,aspect_sentiments,phenomenon"]
    written = [(f"{t} (authored)", a, s) for t, a, s, _ in _rows(30, seed=9)]
    lines += [f'"{t}",{a},{s},mixed' for t, a, s in written]
    lines.append(f'"{annotated[0][0]}",exams,exams:positive,copy')  # an annotated text
    authored.write_text("\n".join(lines) + "\n")
    seen: list[str] = []

    def embedding_spy(texts: Sequence[str]) -> np.ndarray:
        seen.extend(texts)
        return fake_embed(texts)

    card = train(
        AspectTrainOptions(
            data_dir=data_dir,
            output_dir=tmp_path / "model",
            granularity="fine",
            compare=("fine",),
            head=HeadOptions(c=4.0, min_df=1, folds=3),
            authored=authored,
        ),
        Encoders(embed=embedding_spy, score_sentiment=fake_sentiment, names="fake"),
    )

    data = card["data"]
    assert (data["authored_file"], data["authored_comments"]) == ("authored.csv", 30)
    assert data["held_out_comments"] == 32
    assert data["train_comments"] == 160 - 32
    readme = (tmp_path / "model" / "README.md").read_text()
    assert "Also trained on 30 authored comments (`authored.csv`" in readme
    assert {text for text, _, _ in written} <= set(seen)
    assert seen.count(annotated[0][0]) == 1
    assert card["held_out"]["detection"]["micro_f1"] > 0.9


def test_the_card_splits_held_out_polarity_by_mixed_and_one_polarity_comments(
    trained: tuple[Path, dict],
) -> None:
    held = trained[1]["held_out"]
    split = held["polarity_head_by_comment"]
    assert split["mixed"]["n"] > 0 and split["one_polarity"]["n"] > 0
    assert (
        split["mixed"]["n"] + split["one_polarity"]["n"] == held["polarity"]["polarity_head"]["n"]
    )
    together = split["mixed"]["n"] * split["mixed"]["accuracy"]
    together += split["one_polarity"]["n"] * split["one_polarity"]["accuracy"]
    assert together / held["polarity"]["polarity_head"]["n"] == pytest.approx(
        held["polarity"]["polarity_head"]["accuracy"]
    )


def test_mixed_comment_pairs_marks_every_pair_of_a_comment_praising_and_criticising() -> None:
    from pipeline.model.aspects.data import AspectExample
    from pipeline.model.aspects.evaluation import mixed_comment_pairs

    mixed = AspectExample("a", ("exams", "teaching"), {"exams": "positive", "teaching": "negative"})
    plain = AspectExample("b", ("exams", "teaching"), {"exams": "neutral", "teaching": "negative"})
    assert mixed_comment_pairs([mixed, plain]) == [True, True, False, False]
