"""Figures and tables the notebooks show: kept here so the notebooks stay thin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def resolve_from(folder: Path, path: str | Path) -> Path:
    """Relative notebook parameters are read from the notebook's folder."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (folder / candidate).resolve()


def notebook_folder(cwd: Path | None = None) -> Path:
    """``notebooks/`` whether the kernel runs there (Jupyter, papermill --cwd) or at the root."""
    cwd = cwd or Path.cwd()
    return cwd / "notebooks" if (cwd / "notebooks").is_dir() else cwd


def per_class_table(validation: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        {"data set": name, "class": label, **figures}
        for name, report in validation.items()
        for label, figures in report["per_class"].items()
    ]
    return pd.DataFrame(rows).set_index(["data set", "class"]).round(4)


def plot_confusions(validation: Mapping[str, Mapping[str, Any]], title: str) -> Any:
    """One confusion matrix (rows gold, columns predicted) per validation data set."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(validation), figsize=(4.2 * len(validation), 3.8), squeeze=False
    )
    for ax, (name, report) in zip(axes[0], validation.items(), strict=True):
        labels = report["confusion"]["labels"]
        matrix = np.array(report["confusion"]["matrix"])
        ax.imshow(matrix, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            dark = count > matrix.max() / 2
            ax.text(j, i, str(count), ha="center", va="center", color="white" if dark else "black")
        ax.set_xticks(range(len(labels)), labels, rotation=30)
        ax.set_yticks(range(len(labels)), labels)
        ax.set(xlabel="predicted", ylabel="gold", title=f"{name} (n={report['n']})")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_training_curve(history: Sequence[Mapping[str, float]], title: str, log_every: int) -> Any:
    import matplotlib.pyplot as plt

    frame = pd.DataFrame(list(history))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(frame["step"], frame["loss"], marker="o" if len(frame) < 40 else None)
    ax.set(xlabel="step", ylabel=f"mean training loss over {log_every} steps", title=title)
    ax.grid(alpha=0.3)
    return fig
