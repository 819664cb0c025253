"""The growth chart of `BENCH_SIZES=… make bench-scale` (issue 17, item 6): each figure's server
time against the district's size, both axes logarithmic, written as a plain SVG file (no
plotting library: a handful of lines and labels).

    .venv/bin/python -m bench.growth_chart [bench/results/growth.json] [docs/scale-growth.svg]
"""

from __future__ import annotations

import json
import math
import sys
from html import escape
from pathlib import Path

W, H = 820, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 250, 40, 60
COLOURS = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#000000",
]  # fmt: skip


def series(growth: dict) -> tuple[list[int], dict[str, list[float | None]]]:
    """(students per size, {figure: [ms per size]}): pages' p50, writes' p99, and the kept
    figures' refresh per school (the periodic task's work divided by the schools)."""
    sizes = growth["sizes"]
    students = [s["rows"]["students"] for s in sizes]
    lines: dict[str, list[float | None]] = {}
    for i, s in enumerate(sizes):
        for name, r in s.get("pages", {}).items():
            lines.setdefault(f"{name} (p50)", [None] * len(sizes))[i] = r["server_p50_ms"]
        for name, r in s.get("writes", {}).items():
            lines.setdefault(f"{name} (p99)", [None] * len(sizes))[i] = r["server_p99_ms"]
        refresh = s["refresh"]
        per_school = refresh["seconds"] * 1000 / max(1, refresh["schools"])
        lines.setdefault("refresh, per school", [None] * len(sizes))[i] = round(per_school, 1)
    return students, lines


def _decades(lo: float, hi: float) -> tuple[int, int]:
    return math.floor(math.log10(lo)), math.ceil(math.log10(hi))


def render(students: list[int], lines: dict[str, list[float | None]]) -> str:
    """The SVG text of the chart."""
    values = [v for vs in lines.values() for v in vs if v]
    x0, x1 = _decades(min(students), max(students))
    x1 = min(x1, math.log10(max(students) * 1.6))  # no empty decade on the right
    y0, y1 = _decades(min(values), max(values))
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + (math.log10(v) - x0) / (x1 - x0) * pw

    def y(v: float) -> float:
        return TOP + ph - (math.log10(v) - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">'
        "Server time against district size (PostgreSQL, 2 cores; log–log)</text>",
    ]
    for d in range(x0, math.ceil(x1) + 1):
        for m in (1, 2, 5):
            v = m * 10**d
            if math.log10(v) > x1 + 1e-9:
                break
            out.append(
                f'<line x1="{x(v):.1f}" y1="{TOP}" x2="{x(v):.1f}" y2="{TOP + ph}" '
                f'stroke="#ddd"/><text x="{x(v):.1f}" y="{TOP + ph + 16}" '
                f'text-anchor="middle">{v:,}</text>'
            )
    for d in range(y0, y1 + 1):
        for m in (1, 2, 5) if d < y1 else (1,):
            v = m * 10**d
            label = f"{v:g}" if v < 1000 else f"{v / 1000:g} s"
            out.append(
                f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{LEFT + pw}" y2="{y(v):.1f}" '
                f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y(v) + 4:.1f}" '
                f'text-anchor="end">{label}</text>'
            )
    out.append(
        f'<text x="{LEFT + pw / 2}" y="{H - 18}" text-anchor="middle">students in the district '
        f"(schools of 2,000)</text>"
        f'<text x="16" y="{TOP + ph / 2}" transform="rotate(-90 16 {TOP + ph / 2})" '
        f'text-anchor="middle">server time, ms</text>'
    )
    for i, (name, vs) in enumerate(lines.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = [(x(s), y(v)) for s, v in zip(students, vs, strict=True) if v]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        dash = ' stroke-dasharray="5,3"' if "p99" in name or "refresh" in name else ""
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for (px, py), v in zip(points, [v for v in vs if v], strict=True):
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)}: {v} ms</title></circle>"
            )
        ly = TOP + 10 + i * 20
        out.append(
            f'<line x1="{W - RIGHT + 15}" y1="{ly}" x2="{W - RIGHT + 40}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{W - RIGHT + 46}" y="{ly + 4}">{escape(name)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(growth: dict, path: Path) -> Path:
    """Writes the chart of `growth` (bench/results/growth.json's content) to `path`."""
    students, lines = series(growth)
    path.write_text(render(students, lines))
    return path


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "bench/results/growth.json"
    dest = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs/scale-growth.svg"
    print(write(json.loads(src.read_text()), dest))
