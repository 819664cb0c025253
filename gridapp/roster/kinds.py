"""The roster import's kinds: what a file can hold (students with guardians, staff, …), each a
`Kind` registered here by its package module (roster/students.py, roster/staff.py).

A kind says its template columns and their header variants, and two functions:

- ``plan(school, table) -> Plan``: reads and checks every row of a `parse.Table` (values
  normalised first, core/text.py), compares the valid rows with the database and says what a
  commit would do: per row new / updated / unchanged with the changes in words, every error row
  with its number and a Chinese reason, who of the school is absent from the file. It writes
  nothing, and its number of SQL statements does not grow with the rows (bulk selects by key
  sets).
- ``apply(actor, school, plan) -> dict[str, int]``: writes what the plan says (add and flush,
  never commit; bulk inserts and updates), returns counts for the audit entry and the page.

The pipeline (services.py) is the same for every kind: read (parse.read_table) → plan → preview
page / CLI → on confirmation apply in one transaction (a background job beyond
services.BACKGROUND_ROWS rows).

    register(Kind(name="staff", label=_l("教职工"), columns=(...), plan=..., apply=...))
    get("staff")  # the Kind, or None

Rule source: issue 15, items 1–4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gridapp.roster.parse import header_key

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"


@dataclass(frozen=True)
class Column:
    """One column of a kind's file: `key` (used by the kind's code), `label` (the template's
    header), `aliases` (other headers read as this column; compared by parse.header_key),
    `required` (a file without it is refused), `example` (the template's example row), `width`
    (the template column's width in characters)."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    width: int = 12


@dataclass
class RowError:
    """A row that cannot be imported: its number in the file and the Chinese reasons."""

    row: int
    reasons: list[str]

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


@dataclass
class RowChange:
    """What a commit does with one valid row: `action` NEW, UPDATED or UNCHANGED, `key` the
    row's identifying value (student number, staff number), `name` the person's name, `changes`
    the changes in words ("班级：三年级（1）班 → 三年级（2）班"; empty for unchanged)."""

    row: int
    action: str
    key: str
    name: str
    changes: list[str] = field(default_factory=list)


@dataclass
class Absent:
    """Someone of the school not in the file (never deleted; the admin may mark them)."""

    id: int
    key: str
    name: str
    where: str  # the class, for a student


@dataclass
class Plan:
    """What importing a file would do (see the module docstring). `payload` is the kind's own
    data for `apply`; `rows` the number of data rows read."""

    kind: str
    rows: int
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    absent: list[Absent] = field(default_factory=list)
    payload: Any = None
    notes: list[str] = field(default_factory=list)  # things the admin should know (links)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def counts(self) -> dict[str, int]:
        """{"rows", "new", "updated", "unchanged", "errors"}."""
        return {
            "rows": self.rows,
            "new": self.count(NEW),
            "updated": self.count(UPDATED),
            "unchanged": self.count(UNCHANGED),
            "errors": len(self.errors),
        }

    @property
    def writes(self) -> bool:
        return any(c.action != UNCHANGED for c in self.changes)


@dataclass(frozen=True)
class Kind:
    """A kind of roster file (module docstring). `note` is the template's note row;
    `contextual_header(name, keys_so_far)` may read a header that only means something after
    another one ("关系" after "监护人2姓名"): the key, or None."""

    name: str
    label: str
    columns: tuple[Column, ...]
    plan: Callable[..., Plan]
    apply: Callable[..., dict[str, int]]
    note: str = ""
    contextual_header: Callable[[str, list[str]], str | None] | None = None

    def header_aliases(self) -> dict[str, str]:
        """header_key(name) → column key, for every label and alias of the kind's columns."""
        out: dict[str, str] = {}
        for column in self.columns:
            for name in (column.label, *column.aliases):
                out.setdefault(header_key(name), column.key)
        return out

    def required_keys(self) -> set[str]:
        return {c.key for c in self.columns if c.required}

    def required_labels(self) -> list[str]:
        return [c.label for c in self.columns if c.required]

    def label_of(self, key: str) -> str:
        return next((c.label for c in self.columns if c.key == key), key)


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make `kind` importable under its name (done once, when its module is imported)."""
    _KINDS[kind.name] = kind
    return kind


def get(name: str | None) -> Kind | None:
    """The kind registered under `name`, or None."""
    _load()
    return _KINDS.get(name or "")


def all_kinds() -> list[Kind]:
    """Every registered kind, students first."""
    _load()
    return sorted(_KINDS.values(), key=lambda k: (k.name != "students", k.name))


def _load() -> None:
    # Each kind registers itself when its module is imported; import the ones that exist.
    import importlib

    for module in ("gridapp.roster.students", "gridapp.roster.staff"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:
                raise
