"""What students write about: aspect categories and a sentiment per aspect (issue 13).

Public API (wave 2 wires it into the worker):

- ``AspectTagger.load()`` → the shipped model (pipeline/model/default/aspects/);
  ``tagger.tag(texts, embeddings, sentiment_probs, embed=..., score_sentiment=...,
  clause_embeddings=...)`` → one ``AspectResult(aspects, aspect_sentiments)`` per text
  (the clause vectors from ``SentenceEmbedder.embed_with_spans`` over ``clause_layout``);
  ``format_aspects`` / ``format_aspect_sentiments`` → the two CSV columns.
- ``tagger.meanings``: category → its one-line meaning (from the model card), for the API.
- ``training.train(AspectTrainOptions(...))`` / ``evaluation.evaluate(data_dir)`` for
  notebooks; ``python -m pipeline.model.aspects train|evaluate`` on the command line.

Imports stay light: numpy only until a model is trained or an encoder is loaded.
"""

from __future__ import annotations

from pipeline.model.aspects.tagger import (
    NO_ASPECTS,
    AspectResult,
    AspectTagger,
    format_aspect_sentiments,
    format_aspects,
    parse_aspect_columns,
)

__all__ = [
    "NO_ASPECTS",
    "AspectResult",
    "AspectTagger",
    "format_aspect_sentiments",
    "format_aspects",
    "parse_aspect_columns",
]
