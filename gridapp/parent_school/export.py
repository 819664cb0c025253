"""The parent school's tables as .xlsx (core.xlsx): the school's courses and participation per
class, and a class's families with their sessions and hours."""

from __future__ import annotations

from gridapp.core import xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.parent_school.models import format_hours


def _year_name(year) -> str:
    return year.name if year is not None else ""


def school_workbook(school, year, courses, figures, target):
    """Two sheets: the courses of the year (date, time, title, speaker, hours, audience, way,
    families signed in, state) and per class the families, those meeting the target and the
    share."""
    note = _(
        "%(school)s · %(year)s · 目标：每户至少 %(s)d 次、%(h)d 课时 · 导出于 %(on)s",
        school=school.name, year=_year_name(year), s=target.sessions, h=target.hours,
        on=today().isoformat(),
    )  # fmt: skip
    course_sheet = xlsx.Sheet(
        title=_("课程"),
        headers=[_("日期"), _("时间"), _("课程名称"), _("主讲人"), _("课时"), _("面向"),
                 _("授课方式"), _("签到家庭"), _("状态")],
        rows=[
            [r.course.held_on, f"{r.course.starts_at:%H:%M}–{r.course.ends_at:%H:%M}",
             r.course.title, r.course.speaker, float(r.course.class_hours), r.audience,
             r.course.delivery.label, r.signed_in, r.course.status.label]
            for r in courses
        ],
        note=note,
    )  # fmt: skip
    class_sheet = xlsx.Sheet(
        title=_("各班参与情况"),
        headers=[_("班级"), _("家庭数"), _("参加过的家庭"), _("达标家庭"), _("达标率")],
        rows=[
            [f.school_class.name, len(f.families), f.signed_any, f.meeting,
             (f.meeting / len(f.families)) if f.families else None]
            for f in figures
        ],
        note=note,
        percent_columns=(4,),
    )  # fmt: skip
    name = _("%(school)s-家长学校-%(on)s.xlsx", school=school.name, on=today().isoformat())
    return xlsx.download(
        xlsx.workbook([course_sheet, class_sheet]), name,
        f"parent-school-{school.id}-{today()}.xlsx",
    )  # fmt: skip


def class_workbook(school_class, year, figures):
    """One sheet: the class's families (children, guardians), sessions, hours, met or not."""
    target = figures.target
    sheet = xlsx.Sheet(
        title=_("家长学校参与"),
        headers=[_("学生"), _("家长"), _("参加次数"), _("课时"), _("是否达标")],
        rows=[
            ["、".join(f.children), "、".join(f.guardians), f.sessions,
             float(format_hours(f.hours_tenths)),
             _("达标") if target.met(f.sessions, f.hours_tenths) else _("未达标")]
            for f in figures.families
        ],
        note=_(
            "%(c)s · %(y)s · 目标：每户至少 %(s)d 次、%(h)d 课时",
            c=school_class.name, y=_year_name(year), s=target.sessions, h=target.hours,
        ),
    )  # fmt: skip
    name = _("%(c)s-家长学校-%(on)s.xlsx", c=school_class.name, on=today().isoformat())
    return xlsx.download(
        xlsx.workbook([sheet]), name, f"parent-school-class-{school_class.id}-{today()}.xlsx"
    )
