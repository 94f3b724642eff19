"""The base-MiniLM embeddings against sentence-transformers' own encode, and bf16 against fp32."""

from __future__ import annotations

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
