"""The base-MiniLM embeddings against sentence-transformers' own encode, and bf16 against fp32."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from pipeline.model.embeddings import SentenceEmbedder, embed

pytestmark = pytest.mark.slow

TEXTS = [
    "The lectures were great but the exams unfair.",
    "Too much homework!!",
    "ok",
    "Office hours with the TA were the only thing that got me through organic chemistry.",
    "Slides " * 300,
]


@pytest.fixture(scope="module")
def fp32() -> np.ndarray:
    return embed(TEXTS)


def test_vectors_match_sentence_transformers(fp32: np.ndarray) -> None:
    from sentence_transformers import SentenceTransformer

    from pipeline.model.locate import base_encoder_dir

    reference = SentenceTransformer(str(base_encoder_dir()), device="cpu").encode(
        TEXTS, normalize_embeddings=True
    )
    assert fp32.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(fp32.astype(np.float32), reference, atol=1e-3)


def test_the_shipped_encoder_is_read_without_importing_transformers() -> None:
    """Importing transformers and building its BERT took ~5 s of a worker's start with
    insights on; the base MiniLM is read by pipeline/model/bert.py instead."""
    code = (
        "import sys\n"
        "from pipeline.model.embeddings import SentenceEmbedder\n"
        "SentenceEmbedder.load().embed(['Clear slides.'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'transformers'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.stdout.strip() == "[]"


def test_bf16_vectors_point_the_same_way(fp32: np.ndarray) -> None:
    bf16 = SentenceEmbedder.load(precision="bf16").embed(TEXTS)
    cosine = np.sum(bf16.astype(np.float32) * fp32.astype(np.float32), axis=1)
    assert cosine.min() > 0.999


def test_the_shared_encoder_is_loaded_once(fp32: np.ndarray) -> None:
    again = embed(TEXTS[:2])
    # other batch neighbours pad differently: float noise only
    np.testing.assert_allclose(again.astype(np.float32), fp32[:2].astype(np.float32), atol=1e-3)
    assert embeddings_loaded() == 1


def embeddings_loaded() -> int:
    from pipeline.model.embeddings import _shared_embedder

    return int(_shared_embedder.cache_info().currsize)


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_a_comments_vector_does_not_depend_on_its_batch(precision: str) -> None:
    """Chunks are sized by time, so the same file is batched differently on every run; its
    vectors (and so its themes) must not change with that."""
    embedder = SentenceEmbedder.load(precision=precision)
    words = [
        "the",
        "lectures",
        "were",
        "clear",
        "but",
        "exams",
        "unfair",
        "homework",
        "too",
        "much",
        "boring",
        "slides",
        "labs",
    ]
    many = [" ".join(words[(i + j) % len(words)] for j in range(3 + i % 30)) for i in range(120)]
    together = embedder.embed(many)
    for size in (1, 2, 7, 13, 40):
        apart = np.concatenate(
            [embedder.embed(many[start : start + size]) for start in range(0, len(many), size)]
        )
        assert np.array_equal(apart, together), f"batches of {size} changed the vectors"


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_clause_vectors_do_not_depend_on_the_batch_either(precision: str) -> None:
    """The aspects' clause vectors come from the comments' own pass: as stable as they are."""
    from pipeline.model.aspects.clauses import clause_layout

    embedder = SentenceEmbedder.load(precision=precision)
    topics = ["lectures", "exams", "slides", "labs", "homework", "the tutor", "grading"]
    many = [
        f"The {topics[i % 7]} were {'very ' * (i % 5)}clear but {topics[(i + 3) % 7]} "
        f"{'felt unfair' if i % 2 else 'took ages'}. {'Too much work!' * (i % 3)}"
        for i in range(60)
    ]
    layout = clause_layout(many)[2]
    vectors, clauses = embedder.embed_with_spans(many, layout)
    np.testing.assert_array_equal(vectors, embedder.embed(many))
    assert len(clauses) == sum(map(len, layout)) > len(many)
    for size in (1, 7, 40):
        parts = [
            embedder.embed_with_spans(many[i : i + size], layout[i : i + size])[1]
            for i in range(0, len(many), size)
        ]
        assert np.array_equal(np.concatenate(parts), clauses), f"batches of {size} moved them"
