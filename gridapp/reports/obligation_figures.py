"""Each school's figures of its teachers' yearly obligations (六个一, seed 003 五(二)), for the
dashboards and reports: teachers, teachers with all six met, and how many met each item, in the
school's current school year (or a chosen one). Read live: pairings and support log entries,
two of the sources, are not watched by the generations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gridapp.obligations import services
from gridapp.obligations.models import ObligationItem


@dataclass
class ObligationFigures:
    """One school's year: `teachers` (the teacher role now, plus anyone who uploaded for the
    year), `complete` (all six met), `per_item` ({ObligationItem: teachers who met it}),
    `school_year_id` (the year counted)."""

    school_id: int
    school_year_id: int | None = None
    teachers: int = 0
    complete: int = 0
    per_item: dict = field(default_factory=lambda: {i: 0 for i in ObligationItem})

    @property
    def complete_ratio(self) -> float | None:
        """complete / teachers (0–1), None without teachers."""
        return self.complete / self.teachers if self.teachers else None


def obligation_figures(
    school_ids, today: date, school_year_ids: dict[int, int] | None = None
) -> dict[int, ObligationFigures]:
    """{school id: ObligationFigures} for every school of `school_ids`: each school's current
    school year (`obligations.services.current_windows`: the year whose days hold `today`), or
    the year `school_year_ids[school_id]` names. A school without a year has zeros. Seven
    queries whatever the number of schools (the years, then `services.statuses`). The rules of
    each item: obligations/services.py (seed 003 五(二))."""
    ids = sorted(set(school_ids))
    windows = services.current_windows(ids, today)
    if school_year_ids:
        every = services.year_windows([s for s in ids if s in school_year_ids])
        for school_id, year_id in school_year_ids.items():
            chosen = every.get(school_id, {}).get(year_id)
            if chosen is not None:
                windows[school_id] = chosen
    status = services.statuses(list(windows.values()))
    out = {}
    for school_id in ids:
        figures = ObligationFigures(school_id)
        window = windows.get(school_id)
        if window is not None:
            figures.school_year_id = window.year_id
            for items in status.get(school_id, {}).values():
                figures.teachers += 1
                figures.complete += services.all_met(items)
                for item, s in items.items():
                    figures.per_item[item] += s.met
        out[school_id] = figures
    return out
