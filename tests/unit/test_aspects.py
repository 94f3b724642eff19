"""Aspects: parsing, granularity roll-up, metrics and thresholds, clauses, polarity rule,
the head, the artefact loader's errors and the tagger with fake encoders."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError, InputError, MissingColumnError, ModelLoadError
from pipeline.model.aspects.artefact import (
    CARD_FILE,
    VOCABULARY_FILE,
    WEIGHTS_FILE,
    load_aspect_model,
    save_aspect_model,
)
from pipeline.model.aspects.categories import (
    DESCRIPTIONS,
    FINE_CATEGORIES,
    GRANULARITIES,
    categories_for,
    describe,
    roll_up,
)
from pipeline.model.aspects.clauses import clause_layout, clause_spans, split_clauses
from pipeline.model.aspects.data import (
    AspectExample,
    held_out_split,
    merge_polarities,
    parse_row,
    parse_sentiments,
    read_aspects,
    roll_up_example,
)
from pipeline.model.aspects.head import AspectHead, with_clauses
from pipeline.model.aspects.metrics import (
    best_thresholds,
    decide,
    detection_report,
    polarity_accuracy,
)
from pipeline.model.aspects.polarity import (
    AspectPolarity,
    PolarityHead,
    PolarityRule,
    aspect_sentiment,
    aspect_wording,
    main_clause,
    pair_features,
    wording_features,
)
from pipeline.model.aspects.tagger import (
    NO_ASPECTS,
    AspectResult,
    AspectTagger,
    format_aspect_sentiments,
    format_aspects,
    parse_aspect_columns,
)
from pipeline.model.aspects.words import WordFeatures, terms

# --- data ---------------------------------------------------------------------------------


def test_parse_row_reads_lists_and_polarities() -> None:
    row = parse_row(
        "Good lectures, bad exams", "teaching;exams;", "teaching:positive;exams:negative"
    )
    assert row.aspects == ("teaching", "exams")
    assert row.sentiments == {"teaching": "positive", "exams": "negative"}


@pytest.mark.parametrize(
    ("aspects", "sentiments"),
    [
        ("teaching", "teaching:great"),  # unknown polarity
        ("teaching", "teaching"),  # no colon
        ("teaching;exams", "teaching:positive"),  # lists disagree
        ("homework", "homework:positive"),  # unknown category
    ],
)
def test_parse_row_refuses_malformed_rows(aspects: str, sentiments: str) -> None:
    with pytest.raises(InputError):
        parse_row("text", aspects, sentiments)


def test_parse_sentiments_keeps_colons_in_nothing_but_the_last() -> None:
    assert parse_sentiments(" exams:mixed ; other:none") == {"exams": "mixed", "other": "none"}


def test_read_aspects_keeps_none_as_a_comment_and_skips_blank_text(tmp_path: Path) -> None:
    path = tmp_path / "aspects.csv"
    path.write_text(
        "text,aspects,aspect_sentiments,aspect_terms,source\n"
        "none,other,other:none,,p1\n"
        '" ",,,,p1\n'
        '"Slides were clear, exam unfair",materials;exams,materials:positive;exams:negative,,p2\n',
        encoding="utf-8",
    )
    rows = read_aspects(path)
    assert [r.text for r in rows] == ["none", "Slides were clear, exam unfair"]
    assert rows[0].sentiments == {"other": "none"}


def test_read_aspects_names_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "aspects.csv"
    path.write_text("text,aspects\nx,teaching\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match="aspect_sentiments"):
        read_aspects(path)
    with pytest.raises(InputError, match="not found"):
        read_aspects(tmp_path / "missing.csv")


def test_held_out_split_is_exactly_the_given_texts() -> None:
    rows = [AspectExample(t, ("course",), {"course": "positive"}) for t in "abcd"]
    train, held = held_out_split(rows, {"b", "d", "z"})
    assert [r.text for r in train] == ["a", "c"]
    assert [r.text for r in held] == ["b", "d"]


# --- granularity --------------------------------------------------------------------------


def test_every_granularity_maps_every_fine_category_to_a_described_one() -> None:
    for name, mapping in GRANULARITIES.items():
        assert set(mapping) == set(FINE_CATEGORIES), name
        assert all(describe(category, name) for category in categories_for(name))
    assert "tutorials" in describe("teaching", "merged")
    assert "tutorials" not in describe("teaching", "middle")


def test_middle_merges_the_lecturer_codes_and_keeps_teaching_apart() -> None:
    assert roll_up(["lecturer_behaviour", "teaching", "lecturer"], "middle") == (
        "lecturer",
        "teaching",
    )
    assert "lecturer_knowledge" not in categories_for("middle")
    assert categories_for("fine") == FINE_CATEGORIES


def test_unknown_granularity_or_category_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="granularity"):
        categories_for("medium")
    with pytest.raises(ConfigError, match="homework"):
        roll_up(["homework"], "fine")


@pytest.mark.parametrize(
    ("polarities", "merged"),
    [
        (["positive", "negative"], "mixed"),
        (["positive", "neutral"], "positive"),
        (["negative", "negative", "positive"], "negative"),
        (["mixed", "positive"], "positive"),
        (["none", "neutral"], "neutral"),
        (["none"], "none"),
    ],
)
def test_merge_polarities_follows_the_data_readme_majority_rule(
    polarities: list[str], merged: str
) -> None:
    assert merge_polarities(polarities) == merged


def test_roll_up_example_combines_polarities_of_merged_categories() -> None:
    example = AspectExample(
        "x",
        ("lecturer", "lecturer_behaviour", "exams"),
        {"lecturer": "positive", "lecturer_behaviour": "negative", "exams": "negative"},
    )
    rolled = roll_up_example(example, "middle")
    assert rolled.aspects == ("lecturer", "exams")
    assert rolled.sentiments == {"lecturer": "mixed", "exams": "negative"}


# --- metrics and thresholds ---------------------------------------------------------------


def test_detection_report_micro_macro_and_absent_categories() -> None:
    gold = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0]])
    predicted = np.array([[1, 0, 0], [1, 0, 1], [0, 1, 0]])
    report = detection_report(predicted, gold, ["a", "b", "c"])
    # tp 3, fp 1, fn 1 → micro 6/8; a: 1.0, b: 2/3; c has no gold row → out of macro
    assert report["micro_f1"] == pytest.approx(0.75)
    assert report["macro_f1"] == pytest.approx((1.0 + 2 / 3) / 2)
    assert report["per_category"]["c"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
    }


def test_best_thresholds_separate_the_classes_and_default_without_positives() -> None:
    probs = np.array([[0.9, 0.2], [0.6, 0.1], [0.3, 0.4], [0.1, 0.3]])
    gold = np.array([[1, 0], [1, 0], [0, 0], [0, 0]])
    chosen = best_thresholds(probs, gold)
    assert 0.3 < chosen[0] <= 0.6
    assert chosen[1] == pytest.approx(0.5)


def test_decide_gives_every_row_its_most_likely_category_at_least() -> None:
    probs = np.array([[0.2, 0.3], [0.9, 0.8]])
    chosen = decide(probs, np.array([0.5, 0.5]))
    assert chosen.tolist() == [[False, True], [True, True]]


def test_polarity_accuracy_scores_polar_and_neutral_pairs_only() -> None:
    report = polarity_accuracy(
        ["positive", "negative", "neutral", "positive", "negative"],
        ["positive", "positive", "neutral", "mixed", "none"],
    )
    assert report["n"] == 3
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["per_gold_polarity"]["positive"] == pytest.approx(0.5)
    assert (report["unscored_mixed"], report["unscored_none"]) == (1, 1)


# --- clauses and the polarity rule --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        (
            "The lectures were great but the exams unfair",
            ["The lectures were great", "but the exams unfair"],
        ),
        ("Great, but the exams were unfair.", ["Great, but the exams were unfair."]),
        ("Clear slides. The tutor was rude!", ["Clear slides.", "The tutor was rude!"]),
        (
            "Nice notes; however the room is far too cold",
            ["Nice notes", "however the room is far too cold"],
        ),
        ("A butterfly course overall", ["A butterfly course overall"]),
        ("none", ["none"]),
    ],
)
def test_split_clauses(text: str, clauses: list[str]) -> None:
    assert split_clauses(text) == clauses


def test_clause_spans_locate_each_clause_and_the_layout_skips_one_clause_comments() -> None:
    text = "  Nice notes; however the room is far too cold "
    assert [text[b:e] for b, e in clause_spans(text)] == split_clauses(text)
    clauses, owners, layout = clause_layout(["Great lecture", text])
    assert clauses == ["Nice notes", "however the room is far too cold"]
    assert owners.tolist() == [1, 1] and layout[0] == [] and len(layout[1]) == 2


def test_one_clause_takes_the_comment_sentiment() -> None:
    comment = np.array([0.1, 0.2, 0.7])
    out = aspect_sentiment(np.array([0.9]), np.array([[0.8, 0.1, 0.1]]), comment, PolarityRule())
    assert out.tolist() == pytest.approx(comment.tolist())


def test_each_aspect_takes_the_sentiment_of_its_own_clause() -> None:
    clause_sentiment = np.array([[0.05, 0.05, 0.9], [0.9, 0.05, 0.05]])
    comment = np.array([0.4, 0.3, 0.3])
    rule = PolarityRule(sharpness=4.0, clause_weight=1.0)
    teaching = aspect_sentiment(np.array([0.95, 0.1]), clause_sentiment, comment, rule)
    exams = aspect_sentiment(np.array([0.05, 0.9]), clause_sentiment, comment, rule)
    assert teaching.argmax() == 2 and exams.argmax() == 0
    flat = aspect_sentiment(
        np.array([0.95, 0.1]), clause_sentiment, comment, PolarityRule(0.0, 0.0)
    )
    assert flat.tolist() == pytest.approx(comment.tolist())


def test_polarity_rule_refuses_out_of_range_values() -> None:
    with pytest.raises(ConfigError):
        PolarityRule(sharpness=-1.0)
    with pytest.raises(ConfigError):
        PolarityRule(clause_weight=1.5)
    with pytest.raises(ConfigError):
        PolarityRule(min_aspects=0)


def test_polarity_head_features_and_softmax() -> None:
    features = pair_features(np.array([0.0, 0.2, 0.8]), np.array([0.5, 0.25, 0.25]), 1, 2)
    assert features.shape == (8,)
    assert features[3] == pytest.approx(np.log(0.5))
    assert features[0] == pytest.approx(np.log(1e-4))  # floored, not -inf
    assert features[6:].tolist() == [0.0, 1.0]
    head = PolarityHead(
        weight=np.hstack([np.zeros((3, 6)), [[0, 5], [0, 0], [0, 0]]]), bias=np.zeros(3)
    )
    assert head.width == 8
    probs = head.probabilities(features)
    assert probs.sum() == pytest.approx(1.0) and probs.argmax() == 0  # aspect 1 leans negative
    with pytest.raises(ModelLoadError):
        PolarityHead(weight=np.zeros((3, 8)), bias=np.zeros(2))


def test_wording_follows_the_clauses_most_about_the_aspect() -> None:
    clause_embeddings = np.array([[3.0, 0.0], [0.0, 1.0]], dtype=np.float16)
    comment = np.array([0.6, 0.8])
    rule = PolarityRule(sharpness=4.0)
    about_first = aspect_wording(np.array([0.9, 0.1]), clause_embeddings, comment, rule)
    assert about_first[0] > 0.99 and np.linalg.norm(about_first) == pytest.approx(1.0)
    alone = aspect_wording(np.array([0.9]), clause_embeddings[:1], comment, rule)
    assert alone.tolist() == pytest.approx(comment.tolist())
    words = np.array([0.0, 0.5])
    assert wording_features(alone, words, 0, 3).tolist() == pytest.approx(
        [0.6, 0.8, 1.0, 0.0, 0.0, 0.0, 0.5]
    )
    assert main_clause(np.array([0.2, 0.7, 0.1])) == 1


def test_aspect_polarity_averages_its_two_heads_by_the_wording_share() -> None:
    leans_negative = PolarityHead(weight=np.zeros((3, 1)), bias=np.array([2.0, 0.0, 0.0]))
    leans_positive = PolarityHead(weight=np.zeros((3, 2)), bias=np.array([0.0, 0.0, 3.0]))
    one = np.ones(1)
    for share, winner in ((0.0, 0), (0.5, 2), (1.0, 2)):
        polarity = AspectPolarity(leans_negative, leans_positive, wording_share=share)
        probs = polarity.probabilities(one, np.ones(2))
        assert probs.sum() == pytest.approx(1.0) and probs.argmax() == winner
    with pytest.raises(ConfigError):
        AspectPolarity(leans_negative, leans_positive, wording_share=1.5)
    with pytest.raises(ModelLoadError):
        AspectPolarity(leans_negative, PolarityHead(np.zeros((2, 2)), np.zeros(2)))


# --- head, artefact and tagger ------------------------------------------------------------

CATEGORIES = ("teaching", "exams")
AXES = {"lecture": 0, "exam": 1}
"""Fake 4-d 'embeddings': axis 0 = about lectures, 1 = about exams, 2-3 unused."""


def _fake_embed(texts: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(texts), 4), dtype=np.float16)
    for i, text in enumerate(texts):
        for word, axis in AXES.items():
            if word in text.lower():
                out[i, axis] = 1.0
        out[i, 3] = 0.1
    return out


def _fake_sentiment(texts: Sequence[str]) -> np.ndarray:
    out = np.tile([0.1, 0.8, 0.1], (len(texts), 1))
    for i, text in enumerate(texts):
        if "great" in text:
            out[i] = [0.05, 0.05, 0.9]
        if "unfair" in text:
            out[i] = [0.9, 0.05, 0.05]
    return out


def _head() -> AspectHead:
    """Lectures from the embedding; exams from the embedding or the word "midterm"."""
    weight = np.zeros((4, 2), dtype=np.float32)
    weight[0, 0] = weight[1, 1] = 8.0
    words = WordFeatures(vocabulary=("midterm", "the"), idf=np.array([2.0, 1.0], np.float32))
    word_weight = np.array([[0.0, 10.0], [0.0, 0.0]], dtype=np.float32)
    return AspectHead(
        categories=CATEGORIES,
        embedding_weight=weight,
        word_weight=word_weight,
        bias=np.array([-4.0, -4.0], dtype=np.float32),
        thresholds=np.array([0.5, 0.5], dtype=np.float32),
        words=words,
    )


def _card() -> dict[str, object]:
    return {
        "version": "aspects-test",
        "descriptions": {name: DESCRIPTIONS[name] for name in CATEGORIES},
        "polarity_rule": {"sharpness": 4.0, "clause_weight": 1.0},
        "encoder": "fake",
    }


def _polarity_head() -> AspectPolarity:
    """Trusts the clause evidence: weight 1 on its log-probabilities, nothing else; the
    wording head (over 4-d embeddings, the aspect and the 2 words) has no opinion."""
    weight = np.zeros((3, 3 + 3 + len(CATEGORIES)), dtype=np.float32)
    weight[:, :3] = np.eye(3)
    wording = np.zeros((3, 4 + len(CATEGORIES) + 2), dtype=np.float32)
    return AspectPolarity(
        sentiment=PolarityHead(weight=weight, bias=np.zeros(3, dtype=np.float32)),
        wording=PolarityHead(weight=wording, bias=np.zeros(3, dtype=np.float32)),
        wording_share=0.5,
    )


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    save_aspect_model(tmp_path / "aspects", _head(), _polarity_head(), _card())
    return tmp_path / "aspects"


def test_head_reads_embeddings_and_words_and_checks_shapes() -> None:
    head = _head()
    texts = ["the lecture", "the exam and the lecture", "the midterm", "hello"]
    chosen = head.detect(head.probabilities(_fake_embed(texts), texts))
    assert chosen.tolist() == [[True, False], [True, True], [False, True], [True, False]]
    with pytest.raises(ValueError, match="dimension"):
        head.probabilities(np.zeros((1, 5)), ["x"])
    with pytest.raises(ValueError, match="one embedding per text"):
        head.probabilities(np.zeros((2, 4)), ["x"])
    with pytest.raises(ModelLoadError, match="word weight"):
        AspectHead(
            CATEGORIES, np.zeros((4, 2)), np.zeros((3, 2)), np.zeros(2), np.zeros(2), head.words
        )
    with pytest.raises(ModelLoadError, match="NaN"):
        AspectHead(
            CATEGORIES,
            np.full((4, 2), np.nan),
            head.word_weight,
            head.bias,
            head.thresholds,
            head.words,
        )


def test_word_features_are_unit_tf_idf_rows_over_words_and_pairs() -> None:
    words = WordFeatures.fit(["Good exams", "good exams!", "bad exams", "the lab"], min_df=2)
    assert words.vocabulary == ("exams", "good", "good exams")
    rows = words.dense(["GOOD exams exams", "nothing known"])
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0)
    assert rows[0][0] > 0 and rows[0][1] > 0 and rows[0][2] > 0
    assert not rows[1].any()
    assert terms("Tests 😡 hard")[:4] == ["tests", "enraged", "face", "hard"]
    assert "tests enraged" in terms("Tests 😡 hard")


def test_clause_evidence_raises_a_category_named_in_one_clause() -> None:
    comment = np.array([[0.2, 0.1], [0.3, 0.3]], dtype=np.float32)
    clause = np.array([[0.1, 0.9], [0.6, 0.2]], dtype=np.float32)
    combined = with_clauses(comment, clause, np.array([0, 0]))
    np.testing.assert_allclose(combined, [[0.6, 0.9], [0.3, 0.3]])


def test_saved_model_loads_back(model_dir: Path) -> None:
    model = load_aspect_model(model_dir)
    assert model.version == "aspects-test"
    assert model.categories == CATEGORIES
    assert model.polarity == PolarityRule(4.0, 1.0)
    assert model.polarity_head.wording_share == 0.5
    assert model.polarity_head.wording.width == 4 + len(CATEGORIES) + 2
    np.testing.assert_array_equal(model.head.embedding_weight, _head().embedding_weight)
    np.testing.assert_array_equal(model.head.word_weight, _head().word_weight)
    assert model.head.words.vocabulary == ("midterm", "the")


def test_loader_names_a_missing_directory_or_file(model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=CARD_FILE):
        load_aspect_model(tmp_path / "nowhere")
    (model_dir / VOCABULARY_FILE).unlink()
    with pytest.raises(ModelLoadError, match=VOCABULARY_FILE):
        load_aspect_model(model_dir)
    (model_dir / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelLoadError, match=WEIGHTS_FILE):
        load_aspect_model(model_dir)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / CARD_FILE).write_text("{not json"),
        lambda d: (d / CARD_FILE).write_text(json.dumps({"format": 99})),
        lambda d: (d / WEIGHTS_FILE).write_bytes(b"\x00garbage"),
        lambda d: _rewrite_card(d, polarity_rule={"sharpness": -3}),
        lambda d: _rewrite_card(d, descriptions={"teaching": "x"}),
        lambda d: _rewrite_card(d, categories=["teaching"]),
        lambda d: (d / VOCABULARY_FILE).write_text('["midterm"]'),
        lambda d: (d / VOCABULARY_FILE).write_text('{"midterm": 0}'),
        lambda d: _rewrite_weights(d, polarity_weight=np.zeros((3, 9), np.float32)),
        lambda d: _rewrite_weights(d, polarity_bias=np.zeros(2, np.float32)),
        lambda d: _rewrite_weights(d, wording_weight=np.zeros((3, 5), np.float32)),
        lambda d: _rewrite_card(d, polarity_head={"wording_share": 2.0}),
        lambda d: _rewrite_card(d, polarity_head={}),
        lambda d: _rewrite_weights(d, thresholds=np.zeros(3, np.float32)),
    ],
)
def test_loader_refuses_a_corrupt_model(model_dir: Path, damage: Callable[[Path], object]) -> None:
    damage(model_dir)
    with pytest.raises(ModelLoadError, match="rebuild it"):
        load_aspect_model(model_dir)


def _rewrite_weights(directory: Path, **changes: np.ndarray) -> None:
    from safetensors.numpy import load_file, save_file

    arrays = load_file(str(directory / WEIGHTS_FILE))
    arrays.update(changes)
    save_file(arrays, str(directory / WEIGHTS_FILE))


def _rewrite_card(directory: Path, **changes: object) -> None:
    card = json.loads((directory / CARD_FILE).read_text())
    card.update(changes)
    (directory / CARD_FILE).write_text(json.dumps(card))


def _tag(
    tagger: AspectTagger, texts: list[str], probs: np.ndarray | None = None
) -> list[AspectResult]:
    """The tagger on fake vectors and sentiment (``probs``: the texts' own fake sentiment)."""
    sentiment = _fake_sentiment(texts) if probs is None else probs
    return tagger.tag(
        texts, _fake_embed(texts), sentiment, embed=_fake_embed, score_sentiment=_fake_sentiment
    )


def test_tagger_gives_each_aspect_its_clause_sentiment(model_dir: Path) -> None:
    tagger = AspectTagger.load(model_dir)
    texts = ["The lectures were great but the exams unfair", "   ", "Exam was unfair"]
    probs = _fake_sentiment(texts)
    probs[1] = np.nan
    results = _tag(tagger, texts, probs)
    assert results[0] == AspectResult(
        ("teaching", "exams"), {"teaching": "positive", "exams": "negative"}
    )
    assert results[1] is NO_ASPECTS
    assert results[2] == AspectResult(("exams",), {"exams": "negative"})


def test_tagger_skips_the_clause_pass_for_one_clause_comments(model_dir: Path) -> None:
    calls: list[int] = []

    def counting_embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return _fake_embed(texts)

    tagger = AspectTagger.load(model_dir)
    texts = ["Great lecture", "Exam unfair"]
    tagger.tag(
        texts,
        _fake_embed(texts),
        _fake_sentiment(texts),
        embed=counting_embed,
        score_sentiment=_fake_sentiment,
    )
    assert calls == []


def test_tagger_reads_clauses_only_of_comments_with_enough_aspects(tmp_path: Path) -> None:
    """With min_aspects 2 a comment about the exams alone keeps its own sentiment (negative),
    though its exam clause alone reads neutral; given clause vectors are not embedded again."""
    card = {**_card(), "polarity_rule": {"sharpness": 4.0, "clause_weight": 1.0, "min_aspects": 2}}
    save_aspect_model(tmp_path / "aspects", _head(), _polarity_head(), card)
    tagger = AspectTagger.load(tmp_path / "aspects")
    read: list[str] = []

    def reading(texts: Sequence[str]) -> np.ndarray:
        read.extend(texts)
        return _fake_sentiment(texts)

    def refuse(texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("clause vectors were given")

    texts = ["The lectures were great but the exams unfair", "The exam was fine. It was unfair"]
    results = tagger.tag(
        texts,
        _fake_embed(texts),
        _fake_sentiment(texts),
        embed=refuse,
        score_sentiment=reading,
        clause_embeddings=_fake_embed(clause_layout(texts)[0]),
    )
    assert read == ["The lectures were great", "but the exams unfair"]
    assert results[0].aspect_sentiments == {"teaching": "positive", "exams": "negative"}
    assert results[1] == AspectResult(("exams",), {"exams": "negative"})


def test_tagger_averages_in_the_wording_head(tmp_path: Path) -> None:
    """A wording head sure that a clause naming the midterm is neutral outvotes the
    sentiment head's 'great' at an equal share."""
    polarity = _polarity_head()
    wording = np.zeros_like(polarity.wording.weight)
    wording[1, 4 + len(CATEGORIES)] = 20.0  # neutral ← the word "midterm"
    sure = AspectPolarity(polarity.sentiment, PolarityHead(wording, polarity.wording.bias), 0.5)
    save_aspect_model(tmp_path / "aspects", _head(), sure, _card())
    tagger = AspectTagger.load(tmp_path / "aspects")
    texts = ["The midterm was great", "The exam was great"]
    results = _tag(tagger, texts)
    assert [r.aspect_sentiments for r in results] == [
        {"exams": "neutral"},
        {"exams": "positive"},
    ]


def test_tagger_tells_each_categorys_meaning_in_category_order(model_dir: Path) -> None:
    tagger = AspectTagger.load(model_dir)
    assert list(tagger.meanings) == list(CATEGORIES)
    assert tagger.meanings["exams"] == DESCRIPTIONS["exams"]


def test_tagger_refuses_misaligned_inputs(model_dir: Path) -> None:
    tagger = AspectTagger.load(model_dir)
    with pytest.raises(ValueError, match="one row per text"):
        tagger.tag(
            ["a", "b"],
            _fake_embed(["a"]),
            _fake_sentiment(["a", "b"]),
            embed=_fake_embed,
            score_sentiment=_fake_sentiment,
        )


def test_csv_columns_round_trip() -> None:
    result = AspectResult(("teaching", "exams"), {"teaching": "positive", "exams": "negative"})
    aspects, sentiments = format_aspects(result), format_aspect_sentiments(result)
    assert (aspects, sentiments) == ("teaching;exams", "teaching:positive;exams:negative")
    assert parse_aspect_columns(aspects, sentiments) == result
    assert (format_aspects(NO_ASPECTS), format_aspect_sentiments(NO_ASPECTS)) == ("", "")


# --- the sentiment model's labels, read by name --------------------------------------------


def test_tagger_reads_the_sentiment_probabilities_by_label_name_not_position(
    tmp_path: Path,
) -> None:
    """A checkpoint with the same classifier but its classes in another order (and case)
    gives every aspect the same sentiment, in its own spelling. The wording head's opinion
    (the midterm: neutral) is in the aspect model's own class order, whatever the checkpoint's."""
    polarity = _polarity_head()
    wording = np.zeros_like(polarity.wording.weight)
    wording[1, 4 + len(CATEGORIES)] = 20.0  # neutral ← the word "midterm"
    sure = AspectPolarity(polarity.sentiment, PolarityHead(wording, polarity.wording.bias), 0.5)
    model_dir = tmp_path / "aspects"
    save_aspect_model(model_dir, _head(), sure, _card())
    texts = ["The lectures were great but the exams unfair", "The midterm was great"]
    expected = AspectTagger.load(model_dir).tag(
        texts,
        _fake_embed(texts),
        _fake_sentiment(texts),
        embed=_fake_embed,
        score_sentiment=_fake_sentiment,
    )
    order = [2, 0, 1]  # positive, negative, neutral

    def permuted(batch: Sequence[str]) -> np.ndarray:
        return _fake_sentiment(batch)[:, order]

    tagger = AspectTagger.load(model_dir, sentiment_labels=("POSITIVE", "negative", "Neutral"))
    results = tagger.tag(
        texts, _fake_embed(texts), permuted(texts), embed=_fake_embed, score_sentiment=permuted
    )
    spelled = {"positive": "POSITIVE", "negative": "negative", "neutral": "Neutral"}
    assert [r.aspect_sentiments for r in expected] == [
        {"teaching": "positive", "exams": "negative"},
        {"exams": "neutral"},
    ]
    assert [r.aspects for r in results] == [r.aspects for r in expected]
    assert [r.aspect_sentiments for r in results] == [
        {name: spelled[s] for name, s in r.aspect_sentiments.items()} for r in expected
    ]


@pytest.mark.parametrize(
    "labels",
    [
        ("negative", "positive"),
        ("LABEL_0", "LABEL_1", "LABEL_2"),
        ("negative", "negative", "positive"),
        ("1 star", "2 stars", "3 stars", "4 stars", "5 stars"),
    ],
)
def test_tagger_refuses_sentiment_labels_it_cannot_read(
    model_dir: Path, labels: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigError, match="not negative, neutral and positive"):
        AspectTagger.load(model_dir, sentiment_labels=labels)


def test_tagger_gives_a_labelled_comment_without_words_no_aspect(model_dir: Path) -> None:
    tagger = AspectTagger.load(model_dir)
    texts = ["#1", "Exam was unfair", "+++ / 100%", "👎", ":("]
    results = _tag(tagger, texts)
    assert results[0] is NO_ASPECTS and results[2] is NO_ASPECTS
    assert results[1] == AspectResult(("exams",), {"exams": "negative"})
    assert results[3].aspects and results[4].aspects  # emoji and emoticons read as words
