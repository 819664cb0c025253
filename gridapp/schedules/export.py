"""The school's contact schedule as an .xlsx workbook (教师联系学生家长安排表)."""

from __future__ import annotations

from gridapp.core import audit, xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.schedules import services
from gridapp.schools.models import School, Semester


def school_workbook(user, school: School, semester: Semester, period, weeks, items, rule_label):
    """The school's whole schedule as .xlsx (audited, committed: a download ends the request)."""
    done = services.done_item_ids(items, period)
    labels = {w.number: w.label() for w in weeks}
    sheet = xlsx.Sheet(
        title=_("教师联系学生家长安排表"),
        headers=[_("周次"), _("教师"), _("班级"), _("学生"), _("联系方式"), _("依据"),
                 _("状态"), _("调整记录")],
        rows=[
            [
                labels.get(i.week, str(i.week)), i.teacher.name, i.student.school_class.name,
                i.student.name, i.form.label, rule_label(i.rule),
                _("已完成") if i.id in done else _("待完成"),
                "；".join(_("第%(a)d周→第%(b)d周", a=m.from_week, b=m.to_week) for m in i.moves),
            ]
            for i in items
        ],
        text_columns=(0, 1, 2, 3, 4, 5, 6, 7),
        note=_("%(s)s · %(t)s · 导出于 %(on)s", s=school.name, t=semester.name,
               on=today().isoformat()),
    )  # fmt: skip
    audit.record(user, "schedule.export", school, school_id=school.id, semester=semester.id)
    db.session.commit()
    name = _("%(s)s-%(t)s-联系安排表.xlsx", s=school.name, t=semester.name)
    return xlsx.download(xlsx.workbook([sheet]), name, f"schedule-{school.id}-{semester.id}.xlsx")
