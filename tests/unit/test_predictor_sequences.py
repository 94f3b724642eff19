"""What a notebook passes the model: a pandas column after a sort, a filter or a sample (an
index that is not 0..n-1) is read in its order, one result per element, as the same texts in
a list; pandas' and NumPy's missing values are blank comments, not the words "<NA>" or "NaT"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from tinybert import base_tokenizer, tiny_encoder, tiny_loaded

from pipeline.model.embeddings import SentenceEmbedder
from pipeline.model.explain import Explainer
from pipeline.model.no_opinion import NoOpinion
from pipeline.model.predictor import EMPTY_TEXT_REASON, Predictor
from pipeline.model.screening import CommentScreen

COMMENTS = pd.Series(
    [
        "I loved it, wonderful",
        "terrible course",
        "it was fine I guess",
        "amazing teacher",
        "best class ever, the labs were great",
    ]
)


@pytest.fixture(scope="module")
def tokenizer() -> object:
    return base_tokenizer()


@pytest.fixture(scope="module")
def predictor(tokenizer: object, tmp_path_factory: pytest.TempPathFactory) -> Predictor:
    loaded = tiny_loaded(tokenizer, tmp_path_factory.mktemp("tiny"))
    return Predictor(loaded, device="cpu", precision="fp32")


def _reordered() -> list[pd.Series]:
    """The column sorted (index permuted), filtered (index 1, 3), sampled, and re-indexed."""
    return [
        COMMENTS.sort_values(),
        COMMENTS[COMMENTS.index % 2 == 1],
        COMMENTS.sample(frac=1.0, random_state=4),
        COMMENTS.set_axis([10, 11, 12, 13, 14]),
    ]


def test_the_rows_of_the_tiny_model_differ_so_a_mix_up_would_show(predictor: Predictor) -> None:
    probs = predictor.predict_proba(list(COMMENTS))
    assert len({tuple(np.round(row, 6)) for row in probs}) == len(COMMENTS)


@pytest.mark.parametrize("column", _reordered(), ids=["sorted", "filtered", "sampled", "offset"])
def test_a_column_with_its_own_index_is_scored_in_its_order(
    predictor: Predictor, column: pd.Series
) -> None:
    as_list = predictor.predict_proba(list(column))
    np.testing.assert_array_equal(predictor.predict_proba(column), as_list)
    assert predictor.predict(column) == predictor.predict(list(column))


def test_the_explanation_of_a_sorted_column_is_of_its_own_rows(predictor: Predictor) -> None:
    column = COMMENTS.sort_values()
    labels = pd.Series(["positive", "negative", "neutral", "positive", "negative"])
    labels.index = column.index  # as a column of the same frame
    explainer = Explainer(predictor)
    explained = explainer.explain_words(column, labels)
    assert explained == explainer.explain_words(list(column), list(labels))
    assert [row.label for row in explained] == list(labels)
    assert [row.words[0].word for row in explained] == [text.split()[0] for text in column]


def test_the_embedding_of_a_filtered_column_is_of_its_own_rows(tokenizer: Any) -> None:
    embedder = SentenceEmbedder(tiny_encoder(tokenizer), tokenizer)
    for column in _reordered():
        np.testing.assert_array_equal(embedder.embed(column), embedder.embed(list(column)))


MISSING = [
    pd.NA,
    pd.NaT,
    np.float32("nan"),
    np.float16("nan"),
    np.datetime64("NaT"),
    None,
    float("nan"),
]


def test_missing_values_of_pandas_and_numpy_are_blank_comments(predictor: Predictor) -> None:
    texts = ["great", *MISSING, "bad"]
    results = predictor.predict(texts)
    assert [r.error for r in results[1:-1]] == [EMPTY_TEXT_REASON] * len(MISSING)
    assert all(r.label is None for r in results[1:-1])
    assert results[0].label is not None and results[-1].label is not None
    assert np.isnan(predictor.predict_proba(texts)[1:-1]).all()


def test_a_string_column_with_a_missing_cell_gets_no_label_for_it(predictor: Predictor) -> None:
    column = pd.Series(["great", None, "bad"], dtype="string")
    assert [r.error for r in predictor.predict(column)] == [None, EMPTY_TEXT_REASON, None]


def test_the_screen_calls_a_missing_value_blank_not_a_comment() -> None:
    screen = CommentScreen(no_opinion=NoOpinion.with_extra(()))
    verdicts = screen.check_many(["fine", pd.NA, np.float32("nan"), pd.NaT], "tiny-1")
    assert [v.reason for v in verdicts] == [None] + [EMPTY_TEXT_REASON] * 3
