"""A survey's results and the district's table as .xlsx (issue 21 item 8: "the survey results
open and export"), through core.xlsx. Nothing in them names a parent: the figures, and the
comments in the results page's own order (random ids, not the order of answering)."""

from __future__ import annotations

from gridapp.core import xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.surveys.services import RATINGS, DistrictRow, Results


def results_workbook(results: Results):
    """The survey's per-question figures (count, mean, each rating's count), its totals and
    its comments, as one .xlsx answer."""
    survey = results.survey
    questions = xlsx.Sheet(
        title=_("各题结果"),
        headers=[_("问题"), _("人数"), _("平均分")] + [_("%(n)d 分人数", n=r) for r in RATINGS],
        rows=[
            [q.question.text, q.count, q.mean] + [q.distribution.get(r, 0) for r in RATINGS]
            for q in results.questions
        ],
        note=_(
            "%(title)s · 已填写 %(n)d / 可填写 %(of)d · 统计于 %(on)s",
            title=survey.title,
            n=results.responses,
            of=results.guardians,
            on=today().isoformat(),
        ),  # fmt: skip
    )
    comments = xlsx.Sheet(
        title=_("意见和建议"), headers=[_("意见和建议")], rows=[[c] for c in results.comments]
    )
    name = _("%(title)s-结果-%(on)s.xlsx", title=survey.title, on=today().isoformat())
    return xlsx.download(
        xlsx.workbook([questions, comments]), name, f"survey-{survey.id}-{today()}.xlsx"
    )


def district_workbook(rows: list[DistrictRow]):
    """The district's table: each school's latest survey, answered of could, rate, mean."""
    sheet = xlsx.Sheet(
        title=_("各校家长满意度"),
        headers=[_("学校"), _("问卷"), _("已填写"), _("可填写的家长"), _("参与率"), _("总平均分")],
        rows=[
            [
                r.school.name,
                r.survey.title if r.survey else "",
                r.responses,
                r.guardians,
                r.rate,
                r.mean,
            ]  # fmt: skip
            for r in rows
        ],
        percent_columns=(4,),
        note=_("统计于 %(on)s", on=today().isoformat()),
    )
    name = _("各校家长满意度-%(on)s.xlsx", on=today().isoformat())
    return xlsx.download(xlsx.workbook([sheet]), name, f"district-surveys-{today()}.xlsx")
