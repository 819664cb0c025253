"""Thin views: no module of views is over 400 lines (split a package's views by sub-area, as
contacts/list_views.py, and move figures to reports and rules to services)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "gridapp"
LIMIT = 400


def test_no_views_module_is_over_400_lines():
    sizes = {
        str(p.relative_to(ROOT.parent)): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted(ROOT.rglob("*views*.py"))
    }
    long = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not long, f"views modules over {LIMIT} lines: {long}"
