"""The shipped fast model (a student distilled from the default, or from an earlier stage of
it): small, loaded from the package and its base, within a point of its teacher on the
held-out sets, the same labels in bf16, and usable wherever a model is named (``--model
fast``, ``PIPELINE_MODEL=fast``). ``distill`` itself is run for a few steps on the real
teacher and data."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cpu_features import int8_marks

from pipeline.model.corpus import build_corpus
from pipeline.model.distill import DistillOptions, distill
from pipeline.model.evaluate import evaluate_frames
from pipeline.model.loading import read_card
from pipeline.model.locate import shipped_model_dir
from pipeline.model.predictor import Predictor
from pipeline.model.student import SHARED_FIELD, WORD_EMBEDDINGS

pytestmark = pytest.mark.slow

METRICS = ("accuracy", "macro_f1", "binary_accuracy")
WITHIN = 0.01
"""Issue 15: a smaller student is worth shipping only if its validation figures stay within
1 point of the teacher's."""
FLIPS = 0.005
"""Label flips between CPUs move a figure by 0.002-0.005 on these sets."""


@pytest.fixture(scope="module")
def fast() -> Predictor:
    return Predictor.load("fast", precision="fp32")  # the card's figures are fp32


def test_the_fast_model_is_small_and_names_its_teacher_and_base() -> None:
    directory = shipped_model_dir("fast")
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size < 8_000_000  # the repository's limit for a file; 4 layers in int8 rows: 7.7 MB
    card, teacher = read_card(directory), read_card(shipped_model_dir())
    # Its teacher is the default or one of the default's earlier stages (fast is distilled
    # from v3, stage 7, the default since 6 December; the one before it from v2, stage 6).
    lineage = [stage["version"] for stage in teacher["stages"]]
    assert card["teacher"] in lineage and lineage[-1] == teacher["version"]
    assert card["base_model"] == teacher["base_model"]
    assert card[SHARED_FIELD] == [WORD_EMBEDDINGS]
    assert card["labels"] == teacher["labels"]
    assert card["calibration"]["temperature"] > 0
    assert json.loads((directory / "config.json").read_text())["num_hidden_layers"] < 6


def test_the_card_holds_the_student_within_a_point_of_its_teacher() -> None:
    card = read_card(shipped_model_dir("fast"))
    for name, teacher in card["teacher_validation"].items():
        for metric in METRICS:
            assert card["validation"][name][metric] >= teacher[metric] - WITHIN, (name, metric)


def test_the_fast_model_measures_what_its_card_says(fast: Predictor, shared_data_dir: Path) -> None:
    card = read_card(shipped_model_dir("fast"))
    options = DistillOptions(data_dir=shared_data_dir)
    measured = evaluate_frames(fast, build_corpus(options.corpus_spec()).validation)
    for name, report in card["validation"].items():
        for metric in METRICS:
            assert measured[name][metric] >= report[metric] - FLIPS, (name, metric)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amazing teacher, clear explanations and very helpful feedback.", "positive"),
        ("The lectures were boring and the instructor never answered emails.", "negative"),
        ("The course meets on Tuesdays in room 204.", "neutral"),
        ("Not helpful at all.", "negative"),
    ],
)
def test_the_fast_model_labels_plain_comments(fast: Predictor, text: str, expected: str) -> None:
    assert fast.predict([text])[0].label == expected


@pytest.mark.parametrize("precision", ["bf16", pytest.param("int8", marks=int8_marks())])
def test_the_fast_model_gives_its_fp32_labels_in_other_precisions(
    fast: Predictor, shared_data_dir: Path, precision: str
) -> None:
    corpus = build_corpus(DistillOptions(data_dir=shared_data_dir).corpus_spec())
    texts = [t for frame in corpus.validation.values() for t in frame["text"][:150]]
    reference = [p.label for p in fast.predict(texts)]
    served = Predictor(fast.loaded, precision=precision)
    same = sum(p.label == r for p, r in zip(served.predict(texts), reference, strict=True))
    assert same / len(texts) >= 0.99


def test_analyze_runs_the_fast_model_by_name(tmp_path: Path) -> None:
    source, output = tmp_path / "comments.csv", tmp_path / "out.csv"
    source.write_text("comment\nGreat course, I learnt a lot.\nThe exam was unfair.\n")
    env = {**os.environ, "PIPELINE_INSIGHTS": "0", "PIPELINE_MODEL_CACHE": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "pipeline", "analyze", str(source), "--model", "fast",
         "--output", str(output)],
        check=True, env=env, cwd=tmp_path, capture_output=True, timeout=300,
    )  # fmt: skip
    rows = list(csv.DictReader(output.open()))
    assert [row["label"] for row in rows] == ["positive", "negative"]
    version = read_card(shipped_model_dir("fast"))["version"]
    assert {row["model_version"] for row in rows} == {version}


def test_distill_writes_a_student_that_loads_and_is_validated_beside_its_teacher(
    tmp_path: Path, shared_data_dir: Path
) -> None:
    options = DistillOptions(
        data_dir=shared_data_dir,
        output_dir=tmp_path / "student",
        keep_layers=(0, 5),
        limit_per_source=24,
        max_steps=3,
        log_every=1,
    )
    result = distill(options)
    card = read_card(result.output_dir)
    assert re.search(r"-distilled2-[0-9a-f]{10}$", card["version"]), card["version"]
    assert card["teacher"] == read_card(shipped_model_dir())["version"]
    assert [point["step"] for point in result.history] == [1, 2, 3]
    assert set(card["validation"]) == set(card["teacher_validation"]) == {
        "student_feedback_val", "sst_test", "professor_reviews_val"}  # fmt: skip
    student = Predictor.load(result.output_dir, precision="fp32")
    assert student.predict(["A fine course."])[0].label in student.labels
    assert student.loaded.model.config.num_hidden_layers == 2
