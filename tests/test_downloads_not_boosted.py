"""Every link to a file (a download, an .xlsx or a PDF) is left to the browser: the body's
hx-boost would fetch it with htmx and swap the file's bytes into the page (the "导出 Excel"
buttons did, until this test)."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LINK = re.compile(r"<a\b[^>]*>", re.S)
FILE = re.compile(r"\bdownload\b|format='xlsx'|format=\"xlsx\"|\.xlsx|_pdf'|\.pdf|_ics'|\.ics")


def test_every_link_to_a_file_is_not_boosted():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for tag in LINK.findall(path.read_text(encoding="utf-8")):
            if FILE.search(tag) and 'hx-boost="false"' not in tag:
                found.append(f"{path.relative_to(TEMPLATES)}: {tag[:120]}")
    assert not found, 'add hx-boost="false":\n' + "\n".join(found)
