"""Aspect categories: the 16 annotated in the data, the coarser lists tried, their meanings.

The annotation (``student_feedback/aspects.csv``, see the data README) has 16 fine categories,
some of them noisy: ``lecturer`` (the person, "he", "the teacher") overlaps the behaviour and
knowledge codes, ``lecture(s)`` is tagged ``teaching`` in some parts and
``learning_activities`` in others, ``course_structure`` has 6 rows. A *granularity* maps each
fine category onto the category users see; the shipped one was chosen by cross-validation on
the training part (pipeline/model/aspects/training.py, docs in the model card).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from pipeline.errors import ConfigError

FINE_CATEGORIES: tuple[str, ...] = (
    "teaching",
    "lecturer",
    "lecturer_behaviour",
    "lecturer_knowledge",
    "course",
    "course_structure",
    "course_content",
    "learning_activities",
    "workload",
    "course_policies",
    "grading",
    "materials",
    "continuous_assessment",
    "exams",
    "learning_environment",
    "other",
)

DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "teaching": "how the lecturer teaches: lectures, explanations, examples, pace, style",
        "lecturer": "the lecturer as a person: attitude, helpfulness, humour, fairness, "
        "knowledge of the subject",
        "lecturer_behaviour": "the lecturer's attitude: helpful, caring, approachable, funny, rude",
        "lecturer_knowledge": "the lecturer's knowledge and expertise in the subject",
        "course": "the course or class as a whole: interesting, easy, hard, worth taking",
        "course_structure": "how the course is organised",
        "course_content": "what is taught: the content, syllabus, topics, concepts",
        "learning_activities": "tutorials, labs, practicals, homework, in-class activities, "
        "discussions",
        "workload": "the amount of work and the time it takes",
        "course_policies": "rules such as attendance, deadlines and how marks are allocated",
        "grading": "grades and how work is marked: fair, harsh, generous, extra credit",
        "materials": "slides, textbook, notes, handouts, videos, recordings",
        "continuous_assessment": "assignments, projects, quizzes, midterms, coursework",
        "exams": "the exams, tests and the final exam",
        "learning_environment": "the room, equipment, facilities, teaching assistants",
        "other": "none of these: other modules, general remarks",
    }
)
"""One line per category, shown to users and used as the zero-shot baseline's prompts."""

_LECTURER = ("lecturer", "lecturer_behaviour", "lecturer_knowledge")
GRANULARITIES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        # The 16 annotated categories as they are.
        "fine": MappingProxyType({name: name for name in FINE_CATEGORIES}),
        # The person in one category; the course's organisation rolled into the course.
        "middle": MappingProxyType(
            {
                **{name: name for name in FINE_CATEGORIES},
                **{name: "lecturer" for name in _LECTURER},
                "course_structure": "course",
            }
        ),
        # As middle, and lectures in one place whichever code the annotator used for them.
        "merged": MappingProxyType(
            {
                **{name: name for name in FINE_CATEGORIES},
                **{name: "lecturer" for name in _LECTURER},
                "course_structure": "course",
                "learning_activities": "teaching",
            }
        ),
        # The annotation scheme's top-level groups.
        "top": MappingProxyType(
            {
                **{name: name for name in FINE_CATEGORIES},
                **{name: "lecturer" for name in (*_LECTURER, "teaching")},
                **{
                    name: "course_structure"
                    for name in (
                        "course_structure",
                        "course_content",
                        "learning_activities",
                        "workload",
                        "course_policies",
                        "grading",
                    )
                },
            }
        ),
    }
)
"""Fine category → the category shown, per granularity tried."""

MEANINGS_BY_GRANULARITY: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "fine": {
            "lecturer": "the lecturer in general: the person, 'he', 'the teacher', 'a great "
            "professor'",
        },
        "merged": {
            "teaching": "teaching and learning activities: lectures, explanations, examples, "
            "tutorials, labs, practicals, homework, in-class activities",
        },
        "top": {
            "lecturer": "the lecturer and the teaching: attitude, knowledge, lectures, "
            "explanations",
            "course_structure": "how the course is run: content, activities, workload, "
            "policies, grading",
        },
    }
)
"""Meanings that differ from DESCRIPTIONS where a granularity merges categories."""


def mapping_for(granularity: str) -> Mapping[str, str]:
    if granularity not in GRANULARITIES:
        raise ConfigError(
            f"unknown aspect granularity {granularity!r}: expected {', '.join(GRANULARITIES)}"
        )
    return GRANULARITIES[granularity]


def categories_for(granularity: str) -> tuple[str, ...]:
    """The categories of a granularity, in the order of FINE_CATEGORIES' first members."""
    return tuple(dict.fromkeys(mapping_for(granularity).values()))


def roll_up(fine: Iterable[str], granularity: str) -> tuple[str, ...]:
    """Fine categories → the granularity's, deduplicated, first occurrence kept."""
    mapping = mapping_for(granularity)
    try:
        return tuple(dict.fromkeys(mapping[name] for name in fine))
    except KeyError as exc:
        raise ConfigError(f"unknown aspect category {exc.args[0]!r}") from exc


def describe(category: str, granularity: str) -> str:
    """The one-line meaning shown to users."""
    own = MEANINGS_BY_GRANULARITY.get(granularity, {})
    return own.get(category) or DESCRIPTIONS[category]
