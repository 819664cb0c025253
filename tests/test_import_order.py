"""Imports run one way. Every import in gridapp/ (module level and inside functions, `import x` and
`from x import y`, relative ones resolved) may only reach a package placed before its own in ORDER,
or its own package; no cycle between packages, and none between modules at module level.

A package (or a module at gridapp/'s top) that is not in ORDER fails the test: place a new one
(pairing, parentschool, ...) where it belongs before it lands. ORDER says why each sits where it
does. A relationship to a model of a package above is declared by the model's name (Case.grid).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "gridapp"

# Lowest first. Each entry may import itself and the entries before it, never one after it.
ORDER: list[tuple[str, ...]] = [
    # Shared mechanisms with no domain rules (config and extensions belong with them).
    ("core", "config", "extensions"),
    # Domain packages, each reading only the ones above it in this list:
    ("accounts",),  # users and roles (a role names its school by id, the relation by string)
    ("schools",),  # schools, semesters, classes, teaching assignments
    ("people",),  # students, guardians, families; the class page with its roster
    # Feature packages, in the order they may read each other:
    ("contacts",),  # contacts and the quota engine
    ("cases",),  # the opinion closed loop, which every channel feeds
    ("grids",),  # parent grids: read contacts, relay opinions as cases
    ("reception",),  # reception days: a visit may become a case
    ("reviews",),  # academic reviews
    ("roster",),  # imports, exports and the rollover: read people, schools, accounts, contacts
    ("pairing",),  # 1+N pairing: students in need, plans, logs; follow-up visits are contacts
    ("surveys",),  # parent satisfaction surveys: read people (guardians) and schools
    ("obligations",),  # each teacher's 六个一: read contacts, pairing (and cases' file checks)
    ("parent_school",),  # parent school: courses and sign-ins; materials cleaned as cases' files
    ("schedules",),  # the contact schedule and trip planner: read the quota engine (contacts)
    # Packages that read many features:
    ("archives",),  # the student page and archive: every feature's records of one student
    ("dossiers",),  # PDF dossiers of the archive, their jobs and routes
    ("reports",),  # every page of figures and each role's home page
    # The top: the demo district, the CLI, the navigation, the app factory, the worker.
    ("demo",),
    ("cli",),
    ("nav",),
    ("app",),
    ("worker",),
    ("gridapp",),  # gridapp/__init__.py: create_app re-exported
]
RANK = {name: i for i, names in enumerate(ORDER) for name in names}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _package(module: str) -> str:
    """The ORDER name of a gridapp module: its first part below gridapp ("gridapp" for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if MODULES[module].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(imported gridapp module, line, at module level) for each import in `module`."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for stmt in tree.body:  # imports under `if` or `try` at the top run at import time too
        if isinstance(stmt, ast.If | ast.Try):
            top |= {id(n) for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # `from gridapp.core import audit` imports the module gridapp.core.audit
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "gridapp" or target.startswith("gridapp."):
                yield target, node.lineno, id(node) in top


RAW_EDGES = sorted({(m, *edge) for m in MODULES for edge in _imports(m)})
EDGES = [
    (m, t if t in MODULES else t.rsplit(".", 1)[0], line, top) for m, t, line, top in RAW_EDGES
]


def test_every_imported_module_exists():
    """A module that moved leaves no import of its old name behind (inside functions too)."""
    missing = [
        f"  {MODULES[m].relative_to(ROOT.parent)}:{line} imports {t}"
        for m, t, line, _top in RAW_EDGES
        if t not in MODULES
    ]
    assert not missing, "imports of modules that do not exist:\n" + "\n".join(missing)


def test_every_package_is_placed_in_the_order():
    unplaced = sorted({_package(m) for m in MODULES} - set(RANK))
    assert not unplaced, (
        f"packages not placed in ORDER (tests/test_import_order.py): {unplaced}; "
        "put each where it belongs among the layers"
    )


def test_imports_run_one_way():
    wrong = []
    for module, target, line, _top in EDGES:
        source, dest = _package(module), _package(target)
        if source in RANK and dest in RANK and RANK[dest] > RANK[source]:
            wrong.append(
                f"  {MODULES[module].relative_to(ROOT.parent)}:{line} imports {target} "
                f"({dest} comes after {source} in ORDER)"
            )
    assert not wrong, "imports against the order:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _entry(module: str) -> str:
    """The ORDER entry of a module, named by its first package (core, config and extensions
    are one entry)."""
    package = _package(module)
    return ORDER[RANK[package]][0] if package in RANK else package


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for module, target, _line, _top in EDGES:
        if _entry(module) != _entry(target):
            graph.setdefault(_entry(module), set()).add(_entry(target))
    assert not _cycles(graph), f"packages importing each other: {_cycles(graph)}"


def test_no_cycle_between_modules_at_module_level():
    graph: dict[str, set[str]] = {}
    for module, target, _line, top in EDGES:
        # A package's __init__ runs before its modules: importing gridapp.x.y imports gridapp.x.
        if top and target != module and not module.startswith(target + "."):
            graph.setdefault(module, set()).add(target)
    assert not _cycles(graph), f"modules importing each other at import time: {_cycles(graph)}"


@pytest.mark.parametrize(
    "source, target, allowed",
    [("reports", "contacts", True), ("contacts", "reports", False), ("core", "accounts", False)],
)
def test_the_order_itself(source, target, allowed):
    """The check's own direction: later entries read earlier ones, never the reverse."""
    assert (RANK[target] <= RANK[source]) is allowed
