"""Run both notebooks with papermill in smoke mode and check what they wrote.

Notebook 01 trains a tiny model (48 rows per source, 6 steps); notebook 02 validates that
model, so the test does not depend on the shipped ``pipeline/model/default/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
VALIDATION_SETS = {"student_feedback_val", "sst_test", "professor_reviews_val"}
SMOKE_ROWS = 48
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not DATA_DIR.is_dir(),
        reason=f"labelled data not found at {DATA_DIR} (see shared/data/README.md)",
    ),
]


def _execute(name: str, folder: Path, parameters: dict[str, Any]) -> Any:
    papermill = pytest.importorskip("papermill")
    nbformat = pytest.importorskip("nbformat")
    executed = folder / f"executed_{name}"
    papermill.execute_notebook(
        str(NOTEBOOKS / name),
        str(executed),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    return nbformat.read(executed, as_version=4)


def _injected(notebook: Any) -> str:
    cells = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "papermill should inject exactly one parameters cell"
    return str(cells[0].source)


def _text_outputs(notebook: Any) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/markdown", "")]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def _has_image(notebook: Any) -> bool:
    return any(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def _assert_report(report: dict[str, Any], labels: list[str]) -> None:
    assert set(report) == VALIDATION_SETS
    for name, figures in report.items():
        assert figures["n"] == SMOKE_ROWS, name
        assert 0.0 <= figures["accuracy"] <= 1.0
        assert 0.0 <= figures["macro_f1"] <= 1.0
        assert 0.0 <= figures["ece"] <= 1.0
        assert figures["confusion"]["labels"] == labels
        matrix = figures["confusion"]["matrix"]
        assert sum(map(sum, matrix)) == SMOKE_ROWS
        diagonal = sum(matrix[i][i] for i in range(len(labels)))
        assert figures["accuracy"] == pytest.approx(diagonal / SMOKE_ROWS)
        assert set(figures["per_class"]) == set(labels)
    # every validation set has all three classes, so per-class figures are real
    for name in VALIDATION_SETS:
        assert all(report[name]["per_class"][label]["support"] > 0 for label in labels)


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """Notebook 01 in smoke mode: the executed notebook and the model directory."""
    folder = tmp_path_factory.mktemp("finetune")
    model_dir = folder / "model"
    notebook = _execute(
        "01_finetune_bert.ipynb",
        folder,
        {"smoke": True, "data_dir": str(DATA_DIR), "output_dir": str(model_dir)},
    )
    return notebook, model_dir


def test_finetune_notebook_writes_a_model_with_card_and_curve(
    finetuned: tuple[Any, Path],
) -> None:
    notebook, model_dir = finetuned

    injected = _injected(notebook)
    assert "smoke = True" in injected
    assert str(model_dir) in injected
    assert str(DATA_DIR) in injected

    card = json.loads((model_dir / "model_card.json").read_text())
    assert card["labels"] == ["negative", "neutral", "positive"]
    hyper = card["hyperparameters"]
    assert (hyper["limit_per_source"], hyper["max_steps"], hyper["log_every"]) == (48, 6, 2)
    _assert_report(card["validation"], card["labels"])
    assert (model_dir / "README.md").read_text().count("| student_feedback_val |") == 1
    assert (model_dir / "adapter_model.safetensors").stat().st_size > 0
    assert (model_dir / "adapter_config.json").exists()

    log = json.loads((model_dir / "training_log.json").read_text())
    assert [point["step"] for point in log] == [2, 4, 6]
    assert all(point["loss"] > 0 for point in log)

    curve = model_dir / "training_curve.png"
    assert curve.read_bytes().startswith(PNG_MAGIC)
    assert (model_dir / "confusion_matrices.png").read_bytes().startswith(PNG_MAGIC)

    shown = _text_outputs(notebook)
    assert "| student_feedback_val |" in shown and "| sst_test |" in shown
    assert card["version"] in shown
    assert _has_image(notebook)


def test_validate_notebook_reproduces_the_training_figures(
    finetuned: tuple[Any, Path], tmp_path: Path
) -> None:
    _, model_dir = finetuned
    output_dir = tmp_path / "validation"

    notebook = _execute(
        "02_validate_model.ipynb",
        tmp_path,
        {
            "smoke": True,
            "model": str(model_dir),
            "data_dir": str(DATA_DIR),
            "output_dir": str(output_dir),
        },
    )

    injected = _injected(notebook)
    assert "smoke = True" in injected
    assert str(model_dir) in injected

    trained = json.loads((model_dir / "model_card.json").read_text())
    validation = json.loads((output_dir / "validation.json").read_text())
    _assert_report(validation, trained["labels"])
    # the same validation rows as train() used, scored by the same model
    for name in VALIDATION_SETS:
        assert validation[name]["confusion"] == trained["validation"][name]["confusion"]
        trained_ece = trained["validation"][name]["ece"]
        assert validation[name]["ece"] == pytest.approx(trained_ece, abs=1e-4)

    report = json.loads((output_dir / "model_card.json").read_text())
    assert report["version"] == trained["version"]
    assert report["validation"] == validation
    assert report["evaluation"]["smoke"] is True
    assert report["evaluation"]["limit_per_source"] == SMOKE_ROWS
    assert set(report["evaluation"]["data"]) == VALIDATION_SETS
    checks = report["behaviour"]
    assert {c["check"] for c in checks} == {"negation", "invariance"}
    assert any(c["text_a"] == "The course was good" for c in checks)
    for c in checks:
        assert c["label_a"] in trained["labels"] and c["label_b"] in trained["labels"]
        assert isinstance(c["passed"], bool)
        expected = (
            c["label_a"] == "positive" and c["label_b"] != "positive"
            if c["check"] == "negation"
            else c["label_a"] == c["label_b"]
        )
        assert c["passed"] == expected
    assert (output_dir / "README.md").exists()
    assert (output_dir / "confusion_matrices.png").read_bytes().startswith(PNG_MAGIC)

    shown = _text_outputs(notebook)
    assert "| sst_test |" in shown
    assert "behavioural checks passed" in shown
