"""Every route of the app has a row in a domain's permission matrix (tests/<domain>/
test_permissions.py, helpers in tests/matrix.py), so no route ships untested; unknown ids are 404.
"""

from __future__ import annotations

import pytest

from .matrix import all_rows


def test_every_route_is_in_the_matrix(app):
    rows = [row for matrix in all_rows().values() for row in matrix]
    covered = {endpoint for _, _, endpoint, _, _ in rows}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - covered == set(), "routes without a permission test"
    assert covered - routes == set(), "rows for routes the app does not have"


@pytest.mark.parametrize(
    "url",
    [
        "/students/999999",
        "/classes/0",
        "/students/abc",
        "/schools/99999999999999999999",
        "/classes/-1",
        "/admin/users/424242",
        "/semesters/31337/edit",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, login, world, url):
    login(world.school_admin_name)
    assert client.get(url).status_code == 404


def test_the_written_matrix_is_the_tested_one():
    """docs/permissions.md is generated from the matrix rows (scripts/permission_table.py): least
    privilege for every role, written down (issue 20 item 11). Run the script after changing a
    row."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "permission_table", root / "scripts/permission_table.py"
    )
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    assert (root / "docs/permissions.md").read_text() == table.render(), (
        "docs/permissions.md is out of date: run .venv/bin/python scripts/permission_table.py"
    )
