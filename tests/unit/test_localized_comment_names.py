"""A university exporting in its own language names the comment column ``Comentarios``,
``Commentaire``, ``Kommentare``, ``评论`` or ``تعليقات``: such a name alone is taken as the
comment column, and one that holds such a word is hinted, as English names are."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import MissingColumnError
from pipeline.input_header import (
    comment_words,
    name_words,
    named_text_column,
    text_column_refusal,
)
from pipeline.inputs import validate_input


@pytest.mark.parametrize(
    "name",
    [
        "Comentarios",
        "COMMENTAIRE",
        "Commentaires",
        "Kommentar",
        "Kommentare",
        "Observaciones",
        "评论",
        "意见",
        "تعليقات",
        " Comentários ",
    ],
)
def test_a_comment_column_named_in_another_language_is_taken(name: str) -> None:
    assert named_text_column(("Curso", name, "Profesor")) == name


def test_two_columns_named_like_comments_in_two_languages_are_not_guessed() -> None:
    assert named_text_column(("Comments", "Commentaires")) is None


@pytest.mark.parametrize(
    "name",
    ["Commentaires des étudiants", "Comentarios del alumno", "学生评论", "تعليقات الطلاب"],
)
def test_a_name_holding_such_a_word_is_hinted(name: str) -> None:
    refusal = text_column_refusal(("Cours", name))

    assert refusal.startswith(
        f"choose the comment column (text_column, or --text-column on "
        f"the command line): {name!r} looks like it;"
    )


def test_a_name_is_read_as_words_in_any_alphabet() -> None:
    assert name_words("Comentários do aluno") == ["comentários", "do", "aluno"]
    assert name_words("Q2_TEXT") == ["q2", "text"]
    assert comment_words("Response ID") == set()
    assert comment_words("Fecha") == set()


def test_a_french_export_is_read_without_naming_its_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("Cours;Commentaire\r\nA;très élégant\r\n".encode("cp1252"))

    summary = validate_input(path, None)

    assert summary.text_column == "Commentaire" and summary.rows == 1


def test_a_refusal_hints_a_localized_column(tmp_path: Path) -> None:
    path = tmp_path / "es.csv"
    path.write_bytes(b"Curso,Comentarios del alumno\nA,muy bien\n")

    with pytest.raises(MissingColumnError, match="'Comentarios del alumno' looks like it"):
        validate_input(path, None)
