"""The real ChunkAnalyst of a worker: the base MiniLM embedder and the shipped aspect model
beside a loaded Predictor, and its explainer on first use.

The embedder runs in the predictor's precision where that is one an embedder has (fp32, bf16;
an int8 predictor gets ``resolve_precision("auto")``) and on its device; it is loaded once
per process, like the predictor.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError
from pipeline.insights.chunk import AnalystSource, ChunkAnalyst, Explain
from pipeline.model.predictor import Predictor
from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.model.embeddings import SentenceEmbedder
    from pipeline.model.explain import Explainer

log = logging.getLogger(__name__)


def insights_source(settings: Settings, aspect_model: Path | None = None) -> AnalystSource:
    """Analysts with aspects and embeddings unless PIPELINE_INSIGHTS is off; explanations
    whenever a job asks for them. Labels never depend on insights: where the embedder or the
    aspect model cannot be loaded, the error is logged and the worker labels without them.
    A sentiment model whose labels are not negative, neutral and positive (a binary or a
    5-star checkpoint) gets embeddings and themes but no aspects, which need those three
    (``reads_sentiment_of``; the job then has no ``aspect_model``, and says why).
    ``aspect_model``: a directory other than the shipped model's (to measure a new one)."""

    def build(predictor: Predictor) -> ChunkAnalyst:
        explain = _lazy_explainer(predictor)
        labels_only = ChunkAnalyst(score_sentiment=predictor.predict_proba, explain=explain)
        if not settings.insights:
            return labels_only
        from pipeline.model.aspects import AspectTagger
        from pipeline.model.aspects.encoders import reads_sentiment_of

        unreadable = reads_sentiment_of(predictor.labels)
        try:
            embedder = shared_embedder(embedding_precision(predictor), predictor.device)
            tagger = (
                None
                if unreadable
                else AspectTagger.load(aspect_model, sentiment_labels=predictor.labels)
            )
        except PipelineError:
            log.exception("insights are off in this worker: their models cannot be loaded")
            return labels_only
        if unreadable:
            log.warning("model %s: no aspects, only themes: %s", predictor.version, unreadable)
        return ChunkAnalyst(
            score_sentiment=predictor.predict_proba,
            embed=functools.partial(embedder.embed, batch_size=settings.batch_size),
            embed_spans=functools.partial(
                embedder.embed_with_spans, batch_size=settings.batch_size
            ),
            tagger=tagger,
            explain=explain,
            dimension=embedder.dimension,
        )

    return build


def embedding_precision(predictor: Predictor) -> str:
    from pipeline.model.embeddings import EMBED_PRECISIONS, resolve_precision

    wanted = predictor.precision if predictor.precision in EMBED_PRECISIONS else "auto"
    return resolve_precision(wanted, predictor.device)


@functools.cache
def shared_embedder(precision: str, device: str) -> SentenceEmbedder:
    from pipeline.model.embeddings import SentenceEmbedder

    return SentenceEmbedder.load(precision=precision, device=device)


def _lazy_explainer(predictor: Predictor) -> Explain:
    """Builds the Explainer on the first job that asks for explanations."""

    @functools.cache
    def explainer() -> Explainer:
        from pipeline.model.explain import Explainer

        return Explainer.from_predictor(predictor)

    def explain(texts: Sequence[str], labels: Sequence[str | None]) -> list[str]:
        return [row.cell() for row in explainer().explain_words(texts, labels)]

    return explain
