"""The support plan's form (一生一案): the student's situation, a goal under each of the four
kinds of help, planned actions in rows, the next review date, what changed."""

from __future__ import annotations

from wtforms import DateField, FormField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from gridapp.core import text
from gridapp.core.forms import Form, RowList, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.pairing.models import HelpKind
from gridapp.pairing.plans import MAX_ACTIONS, NOTE_LIMIT, TEXT_LIMIT

EMPTY_ROWS = 3  # empty action rows below the existing ones (no JavaScript needed)


def _text(label, rows: int = 3):
    return TextAreaField(
        label, [Length(max=TEXT_LIMIT), no_control_chars], filters=[strip],
        render_kw={"rows": rows},
    )  # fmt: skip


class ActionRowForm(Form):
    """One planned action: a kind of help, what, by when. An empty row is skipped."""

    class Meta(Form.Meta):
        csrf = False  # a row of the plan form, which carries the token

    kind = SelectField(_l("类别"), choices=HelpKind.choices, validate_choice=False)
    what = TextAreaField(
        _l("措施"), [Length(max=TEXT_LIMIT), no_control_chars], filters=[strip],
        render_kw={"rows": 1},
    )  # fmt: skip
    due_on = DateField(_l("完成日期"), [Optional()])


class PlanForm(Form):
    base_version = HiddenField()  # the version the writer started from (0 before the first)
    situation = _text(_l("学生情况"), rows=4)
    goal_thought = _text(_l("思想帮扶目标"), rows=2)
    goal_study = _text(_l("学习帮扶目标"), rows=2)
    goal_psychology = _text(_l("心理帮扶目标"), rows=2)
    goal_life = _text(_l("生活帮扶目标"), rows=2)
    actions = RowList(FormField(ActionRowForm), min_entries=EMPTY_ROWS,
                        max_entries=MAX_ACTIONS + EMPTY_ROWS)  # fmt: skip
    review_on = DateField(
        _l("下次评估日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))]
    )
    note = TextAreaField(
        _l("修改说明"), [Length(max=NOTE_LIMIT), no_control_chars], filters=[strip],
        render_kw={"rows": 1},
        description=_l("这一版改了什么（可不填）"),
    )  # fmt: skip

    def goal_fields(self):
        """(HelpKind, its goal field) in the order of the kinds."""
        return [(k, self[f"goal_{k.value}"]) for k in HelpKind]

    def add_violation(self, violation) -> None:
        """Each refusal (plans.PlanRefused holds several) beside its field; one about an action
        row ("actions-<i>-<field>", i the row's place) beside that row's field."""
        for one in getattr(violation, "refusals", None) or [violation]:
            self._add_one(one)

    def _add_one(self, violation) -> None:
        name = violation.field or ""
        if name.startswith("actions-"):
            _prefix, index, sub = name.split("-", 2)
            entries = self.actions.entries
            at = text.small_id(index)
            if at is not None and at < len(entries) and sub in entries[at].form:
                row = entries[at].form
                row[sub].errors = list(row[sub].errors) + [violation.message]
                # WTForms keeps the errors it gathered at validation: the form counts this one.
                self.actions.errors = list(self.actions.errors) + [{sub: [violation.message]}]
                row._errors = self._errors = None
                return
        super().add_violation(violation)
