"""Charts drawn on the server as SVG (pygal), the same picture on a page and in a PDF (issue 18
item 4).

A chart is an `<img>` whose source is the SVG itself as a data: URI: the page's Content-Security-
Policy (img-src 'self' data:) admits it while it keeps refusing inline styles on the page, pygal's
own <style> stays inside the picture, and WeasyPrint draws the same URI in a report. No script
runs in it (pygal's tooltips are left out: `js=[]`). The table the chart is drawn from stays on
the page beside it, for screen readers and for copying; the `alt` text says what the chart shows.

A chart's SVG is kept per process by what it shows (`generations.cached`): the same figures
draw the same picture, so a ranking page does not redraw 100 bars on every view."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import pygal
from pygal.etree import etree
from pygal.style import Style

from gridapp.core import generations

# The CJK fonts of the Makefile's Debian packages first, then what a parent's or teacher's
# computer has (Windows, macOS, Android).
FONTS = (
    '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", '
    '"Source Han Sans SC", sans-serif'
)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#8a94a6",
    colors=("#2f6fb0", "#c0392b", "#7f8c8d", "#27ae60"),
    font_family=FONTS,
    label_font_family=FONTS,
    major_label_font_family=FONTS,
    value_font_family=FONTS,
    value_label_font_family=FONTS,
    title_font_family=FONTS,
    legend_font_family=FONTS,
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=11,
    legend_font_size=12,
)
WIDTH = 520  # px: on a 390 px phone it shrinks by a quarter, its labels still read
BAR_HEIGHT = 22  # px per bar of a horizontal chart
MAX_BARS = 120  # a chart of more is cut (the table beside it has every row)


@dataclass(frozen=True)
class Chart:
    """A drawn chart: `src` (a data: URI of the SVG), `alt` (what it shows, in words),
    `title`, and its size in px."""

    title: str
    src: str
    alt: str
    width: int
    height: int


def _without_scripts(tree) -> str:
    """The SVG of pygal's element tree without its <script> elements: pygal writes its config
    as a script whatever `js` says; an <img> would not run it, but no picture of ours carries
    one (nor the figures twice)."""
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return etree.tostring(tree, encoding="unicode")  # pygal's own (lxml or xml.etree)


def _common(height: int) -> dict:
    """The options every chart of ours shares: the style, the size, no script, no XML prolog,
    labels never cut, a 10 px margin."""
    return {
        "style": STYLE, "width": WIDTH, "height": height, "js": [],
        "disable_xml_declaration": True, "truncate_label": -1, "margin": 10,
        "include_x_axis": True,
    }  # fmt: skip


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def share_bars(
    title: str,
    bars: Sequence[tuple[str, float | None]],
    *,
    alt: str,
) -> Chart | None:
    """A horizontal bar per (label, share 0–1) in the order given, as percentages; None when no
    bar has a value. `alt` is the chart's text alternative (the table beside it holds the
    numbers)."""
    shown = [(label, value) for label, value in bars[:MAX_BARS]]
    if not any(v is not None for _label, v in shown):
        return None
    height = 90 + BAR_HEIGHT * max(len(shown), 2)
    key = ("chart.share_bars", title, tuple(shown), height)

    longest = max(len(label) for label, _v in shown)

    def draw() -> str:
        chart = pygal.HorizontalBar(
            **_common(height),
            show_legend=False,
            range=(0, 100),
            print_values=True,
            print_values_position="top",
            value_formatter=lambda v: "" if v is None else f"{v:.0f}%",
            # pygal sizes labels for Latin letters (about 0.6 of the font size each); a Chinese
            # character is a whole one: the rest of the width goes to the left margin.
            margin_left=10 + int(0.5 * STYLE.label_font_size * longest),
            spacing=8,
            show_y_guides=True,
            show_x_guides=False,
        )
        chart.title = title
        # pygal draws a horizontal chart's first value at the bottom: reversed, the first row
        # of the table is the top bar.
        ordered = list(reversed(shown))
        chart.x_labels = [label for label, _v in ordered]
        chart.add(
            title,
            [None if v is None else round(100 * v, 1) for _label, v in ordered],
        )
        return _uri(_without_scripts(chart.render_tree()))

    src = generations.cached(key, draw)
    return Chart(title=title, src=src, alt=alt, width=WIDTH, height=height)


LINE_HEIGHT = 300  # px of a line chart


def weekly_lines(
    title: str,
    weeks: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    *,
    alt: str,
) -> Chart | None:
    """A line per (name, counts by week) over the week labels `weeks` (this semester and the
    previous one, issue 18 item 3); a None is a week without a value (not begun, or one the
    semester does not have), drawn as a gap. None when no series has a value. `alt` is the
    chart's text alternative (the table of the weeks stays beside it)."""
    shown = [(name, tuple(values)) for name, values in series]
    if not any(v is not None for _name, values in shown for v in values):
        return None
    key = ("chart.weekly_lines", title, tuple(weeks), tuple(shown))

    def draw() -> str:
        chart = pygal.Line(
            **_common(LINE_HEIGHT),
            show_legend=True,
            legend_at_bottom=True,
            legend_at_bottom_columns=len(shown),
            truncate_legend=-1,
            allow_interruptions=True,
            show_minor_x_labels=False,
            x_labels_major_every=max(1, len(weeks) // 10),
            value_formatter=lambda v: "" if v is None else f"{v:.0f}",
            dots_size=2.5,
            show_x_guides=False,
            show_y_guides=True,
        )
        chart.title = title
        chart.x_labels = list(weeks)
        for name, values in shown:
            chart.add(name, list(values))
        return _uri(_without_scripts(chart.render_tree()))

    src = generations.cached(key, draw)
    return Chart(title=title, src=src, alt=alt, width=WIDTH, height=LINE_HEIGHT)
