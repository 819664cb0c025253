"""Reachable by everyone (issue 22 item 12): axe-core's WCAG 2.1 A and AA rules, and the WCAG
2.2 target size of 24 px, on the pages of every role at 390 px and 1366 px; on a phone the main
actions are 44 px tall; focus is visible (3:1 against what is around it) on every kind of control;
a skip link leads to the content.

axe-core comes from the npm registry (scripts/vendor.sh puts it in tests/browser/vendor/, never
where the app serves files) and is put into each page by the test, past the app's CSP. One
browser per worker (pytest-playwright's session `browser`), one sign-in per role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import WIDTHS

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# About 30 pages, each role's own: {role: [path template]} (ids from tests/world.py).
PAGES = {
    "anonymous": [
        "/login", "/mailbox", "/mailbox/track", "/reception", "/reception/lookup", "/activate",
    ],
    "parent": [
        "/", "/my/contacts", "/contacts/{contact}", "/my/letters", "/mailbox",
        "/reception/bookings/{booking}", "/students/{student}", "/surveys", "/surveys/{survey}",
        "/my/parent-school",
    ],
    "head_teacher": [
        "/", "/worklist", "/contacts", "/contacts/new?student={student}", "/classes/{class_a1}",
        "/classes/{class_a1}/grids", "/classes/{class_a1}/reviews", "/students/{student}/archive",
        "/grids/{grid}", "/classes/{class_a1}/letters",
        "/classes/{class_a1}/letters/jobs/{letters_job}", "/students/{student}/need",
        "/classes/{class_a1}/focus", "/students/{student}/focus/mark", "/my/obligations",
        "/classes/{class_a1}/parent-school", "/parent-school/courses/{course}",
        "/my/schedule", "/my/trips", "/classes/{class_a1}/schedule",
        "/classes/{class_a1}/schedule/build", "/schedule-items/{schedule_item}/move",
    ],
    "principal": [
        "/", "/schools/{school_a}", "/schools/{school_a}/coverage", "/schools/{school_a}/cases",
        "/cases/{case}", "/schools/{school_a}/reception", "/reception/days/{reception_day}",
        "/schools/{school_a}/case-settings", "/schools/{school_a}/pairing",
        "/schools/{school_a}/pairing/proposal", "/schools/{school_a}/pairing/new",
        "/schools/{school_a}/pairing/settings", "/students/{student}",
        "/schools/{school_a}/pairing/coverage",
        "/schools/{school_a}/pairing/coverage/classes/{class_a1}",
        "/schools/{school_a}/pairing/summary", "/schools/{school_a}/teacher-year",
        "/schools/{school_a}/surveys", "/surveys/{survey}/results",
        "/schools/{school_a}/focus", "/schools/{school_a}/hotline",
        "/schools/{school_a}/obligations",
        "/schools/{school_a}/obligations/teachers/{head_teacher}",
        "/schools/{school_a}/parent-school", "/schools/{school_a}/parent-school/courses/new",
        "/parent-school/courses/{course}/edit",
        "/schools/{school_a}/schedule",
    ],
    "school_admin": [
        "/", "/admin/users", "/admin/users/new", "/classes/{class_a1}/edit",
        "/schools/{school_a}/roster/export", "/schools/{school_a}/outbox",
        "/schools/{school_a}/roster/import", "/schools/{school_a}/roster/family-links",
        "/schools/{school_a}/staff/import",
        "/classes/{class_a1}/students/new", "/students/{student}/move",
        "/students/{student}/status", "/students/{student}/guardians/new",
        "/students/{student}/guardians/link", "/schools/{school_a}/rollover", "/admin/audit",
    ],
    "district_supervisor": [
        "/", "/district/coverage", "/district/cases", "/district/pairing",
        "/schools/{school_a}/pairing/coverage", "/district/surveys", "/district",
        "/schools/{school_a}/dashboard", "/classes/{class_a1}/dashboard",
    ],
}  # fmt: skip

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags.concat(["wcag22aa"])},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " :: " + n.failureSummary.split("\\n").slice(1, 2).join("")),
  }));
}"""

# On a phone: every control at least 24 px each way (a link inside a sentence excepted, as in
# WCAG 2.5.8), and the main actions (links in tables, the footer's language buttons, page-level
# buttons) 44 px tall.
_SMALL_TARGETS = """() => {
  const main = ".table-wrap td a, footer .lang button, main button[type=submit], main a[role=button]";
  const inSentence = el => el.tagName === "A" && getComputedStyle(el).display === "inline"
    && el.parentElement.textContent.trim() !== el.textContent.trim();
  const shown = el => el.offsetParent !== null && !el.closest("details:not([open]) > :not(summary)")
    && el.getClientRects().length > 0;
  const size = el => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  const small = [];
  document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary")
    .forEach(el => {
      if (!shown(el) || inSentence(el)) return;
      const [w, h] = size(el);
      const need = el.matches(main) ? 43.5 : 23.5;
      if (h < need || w < 23.5) small.push(el.outerHTML.slice(0, 90) + ` ${Math.round(w)}x${Math.round(h)}px`);
    });
  return small.slice(0, 8);
}"""


def _pages(role, world):
    return [path.format(**vars(world)) for path in PAGES[role]]


# Seconds each role's pages take on one of the CI's workers (tests/conftest.py: `slow`).
_SECONDS = {"principal": 12, "head_teacher": 10, "school_admin": 9, "parent": 6}


@pytest.mark.parametrize(
    "role", [pytest.param(r, marks=pytest.mark.slow(_SECONDS.get(r, 5))) for r in PAGES]
)
def test_every_page_passes_axe_at_phone_and_desktop_widths(role, signed_in, live_server, world):
    # Each page is loaded once, at phone width, and checked there, then again at desktop
    # width after the window is widened (the layout follows from CSS media queries alone:
    # static/js/app.js never reads the width). axe-core is put into every document by the
    # context itself (an init script) rather than sent over for each page: a third less time.
    page = signed_in(role)["phone"]
    page.context.add_init_script(path=AXE)
    problems = []
    for path in _pages(role, world):
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            if width == "phone":
                response = page.goto(live_server + path)
                assert response.status < 400, f"{role} {path}: {response.status}"
            assert page.evaluate("() => [innerWidth, typeof axe]") == [w, "object"], path
            for v in page.evaluate(_RUN_AXE, TAGS):
                problems.append(f"{width} {path}: {v['id']} ({v['help']}) {v['nodes']}")
            if width == "phone":
                for small in page.evaluate(_SMALL_TARGETS):
                    problems.append(f"{width} {path}: target too small: {small}")
    assert not problems, "\n".join(problems)


_FOCUS_CONTRAST = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : m.concat([1]); };
  const lum = ([r, g, b]) => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  let node = el.parentElement, bg = [255, 255, 255, 1];
  while (node) { const c = parse(getComputedStyle(node).backgroundColor); if (c[3] > 0.5) { bg = c; break; } node = node.parentElement; }
  const width = parseFloat(style.outlineWidth) || 0;
  if (style.outlineStyle === "none" || width < 2) return {tag: el.outerHTML.slice(0, 60), ratio: 0, width};
  const fg = parse(style.outlineColor);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return {tag: el.outerHTML.slice(0, 60), ratio: (a + 0.05) / (b + 0.05), width};
}"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_focus_is_visible_on_every_kind_of_control_and_a_skip_link_leads_to_the_content(
    width, signed_in, live_server, world
):
    page = signed_in("head_teacher")[width]
    page.goto(f"{live_server}/contacts/new?student={world.student}")
    # The first Tab reaches the skip link, visible, which moves to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert skip.is_visible() and skip.bounding_box()["height"] >= 24
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    low = []
    # Every focusable control by keyboard: the red header, links, buttons, checkboxes, files.
    page.goto(f"{live_server}/contacts/new?student={world.student}")
    seen = set()
    for _i in range(60):
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.matches(':focus, :focus-within')"):
            break  # past the last control: the focus is in the browser's own bar
        found = page.evaluate(_FOCUS_CONTRAST)
        kind = page.evaluate(
            "(() => { const e = document.activeElement; return e.tagName + ':' + (e.type || '') "
            "+ ':' + !!e.closest('header'); })()"
        )
        seen.add(kind)
        if found["ratio"] < 3:
            low.append(f"{found['tag']} outline {found['width']}px, {found['ratio']:.2f}:1")
    assert {"INPUT:checkbox:false", "INPUT:file:false", "BUTTON:submit:false"} <= seen, seen
    assert any(k.endswith(":true") for k in seen), seen  # the header's own controls
    assert not low, "\n".join(low)
