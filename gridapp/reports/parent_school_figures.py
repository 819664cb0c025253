"""The parent school's figures for the dashboards (seed 004 §8, 四次八课时): per school and per
class the families, the families meeting the school's target this school year, and the sessions
held. Read live (the sign-ins are watched by core.generations for a kept copy later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gridapp.parent_school import services


@dataclass
class Row:
    """One class's or school's figures: `families` (each once per class; a school's total
    counts a family once per class it has a child in), `meeting` (sessions and class hours at
    least the school's target this school year), `sessions_held` (the school's courses held
    up to today, not cancelled, in its current school year), `hours_held` in tenths."""

    name: str
    families: int = 0
    meeting: int = 0
    sessions_held: int = 0
    hours_held: int = 0
    classes: list[Row] = field(default_factory=list)


def school_figures(schools, today: date) -> list[Row]:
    """A Row per school of `schools` (School objects), each with a Row per open class (by grade
    and number). Queries: five per school."""
    out = []
    for school in schools:
        year = services.school_year_of(school.id, today)
        held, hours = services.held_totals(services.school_courses(school.id, year), today)
        figures = services.class_figures(services.school_classes(school.id), school.id, today)
        classes = [
            Row(f.school_class.name, len(f.families), f.meeting, held, hours) for f in figures
        ]
        out.append(
            Row(
                school.name, sum(c.families for c in classes), sum(c.meeting for c in classes),
                held, hours, classes,
            )
        )  # fmt: skip
    return out
