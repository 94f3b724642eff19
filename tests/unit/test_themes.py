"""Themes on synthetic data: every row in a theme, reruns identical, keywords, quotes, counts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.errors import InputError
from pipeline.themes import NO_THEME, ThemeReport, find_themes, recluster
from pipeline.themes.clustering import MAX_THEMES, choose_k, cluster
from pipeline.themes.find import MIN_COVERAGE
from pipeline.themes.quotes import normalised
from pipeline.themes.stopwords import stop_words
from pipeline.themes.terms import terms

TOPICS = {
    "exams": ["the final exam was unfair", "exam questions were unfair", "midterm exam too long"],
    "labs": ["lab equipment broken again", "the lab sessions ran late", "lab reports graded late"],
    "slides": ["slides full of typos", "lecture slides were unreadable", "slides posted too late"],
}


def synthetic(rows_per_topic: int = 30, seed: int = 1) -> tuple[list[str], np.ndarray, list[str]]:
    """Comments of three topics whose vectors sit around three far-apart directions."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16, dtype=np.float32)[:3] * 3
    texts, vectors, topics = [], [], []
    for t, (topic, phrases) in enumerate(TOPICS.items()):
        for i in range(rows_per_topic):
            texts.append(f"{phrases[i % 3]} in week {i}")
            vectors.append(centres[t] + rng.normal(0, 0.3, 16))
            topics.append(topic)
    stacked = np.asarray(vectors, dtype=np.float32)
    stacked /= np.linalg.norm(stacked, axis=1, keepdims=True)
    return texts, stacked.astype(np.float16), topics


def test_k_grows_with_the_group_within_its_bounds() -> None:
    assert choose_k(3) == 1
    assert choose_k(10) == 2
    assert choose_k(200) == 10
    assert choose_k(1_000_000) == MAX_THEMES
    assert choose_k(12) == 2


def test_clusters_follow_the_vectors_and_are_numbered_by_size() -> None:
    _, vectors, topics = synthetic()
    vectors = np.concatenate([vectors, vectors[:10]])
    topics = topics + topics[:10]
    found = cluster(vectors, k=3, seed=0)
    assert found.n_themes == 3
    for topic in TOPICS:
        members = {found.assignment[i] for i, t in enumerate(topics) if t == topic}
        assert len(members) == 1
    sizes = np.bincount(found.assignment)
    assert list(sizes) == sorted(sizes, reverse=True)
    assert np.allclose(np.linalg.norm(found.centres, axis=1), 1.0, atol=1e-5)


def test_a_tiny_cluster_joins_the_nearest_theme_instead_of_standing_alone() -> None:
    _, vectors, _ = synthetic(rows_per_topic=100)
    stray = np.zeros((2, vectors.shape[1]), dtype=np.float16)
    stray[:, 5] = 1.0
    found = cluster(np.concatenate([vectors, stray]), k=4, seed=0)
    assert found.n_themes == 3
    assert np.bincount(found.assignment).min() >= 100


def test_a_theme_its_keywords_cannot_name_is_dissolved_into_its_neighbours() -> None:
    texts, vectors, _ = synthetic(rows_per_topic=20)
    rng = np.random.default_rng(5)
    odd = np.eye(16, dtype=np.float32)[3] * 3 + rng.normal(0, 0.3, (20, 16))
    odd /= np.linalg.norm(odd, axis=1, keepdims=True)
    # twenty comments close together in meaning but sharing no word with each other
    unique = [f"w{chr(97 + i)}x zz{chr(97 + i)}q" for i in range(20)]
    report = find_themes(
        texts + unique, np.concatenate([vectors, odd.astype(np.float16)]), ["x"] * 80
    )
    assert all(theme.coverage >= MIN_COVERAGE for theme in report.themes)
    odd_themes = set(report.assignment[60:].tolist())
    assert all(
        np.count_nonzero(np.isin(np.flatnonzero(report.assignment == t), np.arange(60))) > 0
        for t in odd_themes
    )


def test_every_labelled_row_gets_a_theme_and_unlabelled_rows_none() -> None:
    texts, vectors, _ = synthetic()
    labels: list[str | None] = ["negative"] * len(texts)
    labels[0] = None
    report = find_themes(texts, vectors, labels)
    assert report.assignment[0] == NO_THEME
    assert (report.assignment[1:] != NO_THEME).all()
    assert [t.id for t in report.themes] == list(range(len(report.themes)))
    assert sum(t.size for t in report.themes) == len(texts) - 1
    assert 0 not in report.row_themes()


def test_each_label_gets_its_own_themes() -> None:
    texts, vectors, topics = synthetic()
    labels = ["negative" if t == "exams" else "positive" for t in topics]
    report = find_themes(texts, vectors, labels)
    for theme in report.themes:
        rows = np.flatnonzero(report.assignment == theme.id)
        assert {labels[i] for i in rows} == {theme.label}
    assert {t.label for t in report.themes} == {"negative", "positive"}


def test_a_rerun_gives_identical_themes() -> None:
    texts, vectors, topics = synthetic()
    first = find_themes(texts, vectors, ["x"] * len(texts), topics, seed=3)
    second = find_themes(texts, vectors, ["x"] * len(texts), topics, seed=3)
    assert first.same_as(second)
    assert first.to_dict() == second.to_dict()


def test_same_as_notices_a_different_assignment() -> None:
    texts, vectors, _ = synthetic()
    report = find_themes(texts, vectors, ["x"] * len(texts))
    moved = report.assignment.copy()
    moved[0] = (moved[0] + 1) % len(report.themes)
    other = ThemeReport(report.themes, report.row_ids, moved, report.seed)
    assert not report.same_as(other)


def test_keywords_name_the_topic_and_skip_stop_words() -> None:
    texts, vectors, topics = synthetic(rows_per_topic=6)
    report = find_themes(texts, vectors, ["x"] * len(texts))
    assert len(report.themes) == 3
    stops = stop_words()
    for theme in report.themes:
        topic = topics[int(np.flatnonzero(report.assignment == theme.id)[0])]
        assert theme.keywords[0] == {"exams": "exam", "labs": "lab", "slides": "slides"}[topic]
        assert all(word not in stops for kw in theme.keywords for word in kw.split())
        assert theme.coverage == 1.0


def test_no_keyword_spells_out_a_personal_detail() -> None:
    """Keywords "lee, bio, uni, edu" and "jo, smith" named the addresses a screened report
    masked in the comments beside them."""
    addresses = [f"My email is lee.student@bio.uni.edu, labs were great {n}" for n in range(6)] + [
        f"labs great, write to jo dot smith at gmail dot com {n}" for n in range(6)
    ]
    vectors = np.tile(np.eye(4, dtype=np.float32)[0], (len(addresses), 1))
    report = find_themes(addresses, vectors, ["x"] * len(addresses))

    found = {word for theme in report.themes for kw in theme.keywords for word in kw.split()}
    assert "labs" in found or "lab" in found
    assert not found & {"lee", "student", "bio", "uni", "edu", "jo", "smith", "gmail", "dot"}
    assert terms("my name is jo lee, good labs") == ["good", "lab", "good lab"]


def test_quotes_are_distinct_members_of_their_theme_with_original_row_ids() -> None:
    texts, vectors, _ = synthetic()
    texts = [t.split(" in week")[0] for t in texts]  # many exact repeats now
    ids = np.arange(len(texts)) + 1000
    report = find_themes(texts, vectors, ["x"] * len(texts), row_ids=ids)
    for theme in report.themes:
        members = np.flatnonzero(report.assignment == theme.id)
        distinct = {normalised(texts[i]) for i in members}
        assert len(theme.quotes) == min(3, len(distinct))
        assert len({normalised(q.text) for q in theme.quotes}) == len(theme.quotes)
        for quote in theme.quotes:
            position = quote.row - 1000
            assert texts[position] == quote.text
            assert report.assignment[position] == theme.id


def test_counts_per_group_add_up_to_the_theme_size() -> None:
    texts, vectors, _ = synthetic()
    groups: list[object] = [f"COURSE{i % 4}" for i in range(len(texts))]
    groups[0] = None
    groups[1] = float("nan")
    report = find_themes(texts, vectors, ["x"] * len(texts), groups)
    for theme in report.themes:
        assert sum(c.count for c in theme.counts) == theme.size
        counts = [c.count for c in theme.counts]
        assert counts == sorted(counts, reverse=True)
    blank = sum(c.count for t in report.themes for c in t.counts if c.group is None)
    assert blank == 2


def test_the_report_is_json_serialisable() -> None:
    texts, vectors, topics = synthetic()
    report = find_themes(texts, vectors, ["x"] * len(texts), topics)
    record = json.loads(json.dumps(report.to_dict()))
    assert len(record["themes"]) == len(report.themes)
    first = record["themes"][0]
    assert set(first) >= {"id", "label", "name", "keywords", "quotes", "size", "share", "counts"}
    assert first["name"] == " / ".join(first["keywords"][:2])


def test_recluster_uses_only_the_subset_and_keeps_row_ids() -> None:
    texts, vectors, topics = synthetic()
    subset = [i for i, t in enumerate(topics) if t != "slides"]
    ids = np.arange(len(texts)) * 10
    report = recluster(texts, vectors, ["x"] * len(texts), subset, topics, row_ids=ids)
    assert list(report.row_ids) == [i * 10 for i in subset]
    assert sum(t.size for t in report.themes) == len(subset)
    assert all(q.row // 10 in subset for t in report.themes for q in t.quotes)
    assert {c.group for t in report.themes for c in t.counts} == {"exams", "labs"}


def test_mismatched_inputs_are_refused() -> None:
    texts, vectors, _ = synthetic()
    with pytest.raises(InputError, match="one entry per text"):
        find_themes(texts, vectors[:-1], ["x"] * len(texts))


def test_terms_are_content_words_and_pairs_after_stop_word_removal() -> None:
    written = "The professor's exams were UNFAIR in CHEM110!"
    assert terms(written) == ["exam", "unfair", "exam unfair"]
    assert terms("lectures 😴") == ["lecture", "😴", "lecture 😴"]  # not "sleeping face"
    # intensifiers name no subject: once "genetics / especially genetics"
    assert terms("Interesting topics, especially genetics") == [
        "interesting", "topic", "genetic", "interesting topic", "topic genetic",
    ]  # fmt: skip
    assert terms("Office hours were super helpful") == [
        "office", "hour", "helpful", "office hour", "hour helpful",
    ]  # fmt: skip


def test_negations_only_start_pairs_and_keep_the_word_they_negate() -> None:
    assert terms("The lectures were not clear") == ["lecture", "not clear"]
    assert terms("I didn't like it, no feedback") == ["not like", "no feedback"]
    assert terms(r"He doesn\'t care") == ["not care"]


def test_keywords_are_shown_as_most_comments_write_them() -> None:
    texts = ["the exams were hard"] * 5 + ["the exam was hard"] * 2
    vectors = np.ones((len(texts), 4), dtype=np.float16) / 2
    report = find_themes(texts, vectors, ["x"] * len(texts))
    assert report.themes[0].keywords == ("exams", "hard")
