"""Looks at 390 px and 1366 px (issue 22 item 11): each label stays over its own input in a row of
fields, checkboxes keep their size beside a long label, the brand never breaks over two lines."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Every label of a form field above its own control, in the same column.
_LABELS_APART = """() => Array.from(document.querySelectorAll("main form label[for]")).flatMap(label => {
  const control = document.getElementById(label.htmlFor);
  if (!control || control.type === "hidden" || label.contains(control) || control.offsetParent === null) return [];
  const l = label.getBoundingClientRect(), c = control.getBoundingClientRect();
  const sameColumn = Math.abs(l.left - c.left) <= 3, above = l.bottom <= c.top + 2 && c.top - l.bottom < 40;
  return sameColumn && above ? [] : [`${label.textContent.trim()} at ${Math.round(l.left)},${Math.round(l.top)}; `
    + `its input at ${Math.round(c.left)},${Math.round(c.top)}`];
})"""

_SQUASHED = """() => Array.from(document.querySelectorAll("input[type=checkbox], input[type=radio]"))
  .filter(el => el.offsetParent !== null)
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width < 20 || r.height < 20 || Math.abs(r.width - r.height) > 1)
  .map(([el, r]) => `${el.name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""

FORMS = {
    "principal": ["/schools/{school_a}/reception", "/schools/{school_a}/case-settings"],
    "head_teacher": ["/contacts/new?student={student}", "/classes/{class_a1}/activities"],
    "school_admin": ["/classes/{class_a1}/edit", "/admin/users/new"],
    "anonymous": ["/mailbox", "/reception/slots/{slot}"],
}


@pytest.mark.parametrize("role", list(FORMS))
def test_labels_stay_over_their_inputs_and_checkboxes_keep_their_size(
    role, signed_in, live_server, world
):
    problems = []
    for width, page in signed_in(role).items():
        for path in FORMS[role]:
            path = path.format(**vars(world))
            page.goto(live_server + path)
            problems += [f"{width} {path}: {p}" for p in page.evaluate(_LABELS_APART)]
            problems += [f"{width} {path}: squashed {p}" for p in page.evaluate(_SQUASHED)]
    assert not problems, "\n".join(problems)


def test_the_brand_stays_on_one_line_signed_out_and_in(signed_in, live_server, world):
    for role in ("anonymous", "parent"):
        page = signed_in(role)["phone"]
        for path in ("/mailbox", "/reception"):
            page.goto(live_server + path)
            lines = page.evaluate(
                """() => { const b = document.querySelector(".brand");
                 return b.getBoundingClientRect().height / parseFloat(getComputedStyle(b).lineHeight); }"""
            )
            assert lines < 1.5, f"{role} {path}: the brand takes {lines:.1f} lines"


def test_no_link_of_the_bar_breaks_inside_in_english_either(signed_in, live_server, world):
    for width, page in signed_in("principal").items():
        page.goto(f"{live_server}/schools/{world.school_a}")
        page.click("footer button[value=en]")
        page.wait_for_load_state("networkidle")
        broken = page.evaluate(
            """() => Array.from(document.querySelectorAll(".topbar a, .topbar summary"))
              .filter(el => el.offsetParent !== null)
              .filter(el => el.getBoundingClientRect().height
                            > 1.5 * parseFloat(getComputedStyle(el).lineHeight) + 16)
              .map(el => el.textContent.trim())"""
        )
        assert not broken, f"{width}: {broken}"
