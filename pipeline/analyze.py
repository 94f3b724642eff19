"""Label a whole file of comments and write every input column plus the model's columns."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from pipeline.inputs import ROW_COLUMN, Limits, iter_chunks, validate_input
from pipeline.labelling import label_frame, result_columns
from pipeline.model.predictor import Predictor


def analyze_file(
    source: Path,
    output: Path,
    predictor: Predictor,
    text_column: str | None = None,
    chunk_rows: int = 512,
    limits: Limits | None = None,
    progress: bool = True,
) -> int:
    """Validate, then stream the file through the predictor chunk by chunk; returns rows written."""
    summary = validate_input(source, text_column, limits=limits)
    header = result_columns(summary.columns, predictor.labels)
    written = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=summary.rows, unit="comment", file=sys.stderr, disable=not progress)
    with output.open("w", encoding="utf-8", newline="") as handle:
        for chunk in iter_chunks(source, summary.format, summary.text_column, chunk_rows):
            labelled = label_frame(predictor, chunk.drop(columns=[ROW_COLUMN]), summary.text_column)
            labelled[header].to_csv(handle, header=written == 0, index=False)
            written += len(labelled)
            bar.update(len(labelled))
    bar.close()
    return written
