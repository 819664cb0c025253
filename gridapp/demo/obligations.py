"""Demo documents of the teachers' yearly obligations (六个一, seed 003 五(二)) in the first school:
the demo head teacher's plan (accepted) and essay (waiting for review), the Party-member
teacher's handbook (returned with a reason), and two more teachers' accepted essays, so the
teacher's page and the school's table show each state."""

from __future__ import annotations

from datetime import date
from html import escape

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import pdf
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.obligations import services
from gridapp.schools.models import School, SchoolYear

PAPERS = {
    "plan": (
        "家访帮扶方案",
        "一、家访目标：了解每个家庭的情况，与家长共商育人措施。二、家访安排：寒假走访全班家庭，"
        "重点对象每学期上门一次。三、帮扶措施：为学习困难的学生每周辅导两次。",
    ),
    "essay": (
        "家访随笔",
        "走进小雨家，才知道她每天放学后要照顾弟弟。家访让我明白，给学生多一些耐心和宽容，"
        "比多布置一份作业更重要。",
    ),
    "handbook": ("家访手册", "9月12日 走访王家，记录家庭情况与家长意见……"),
}


def _paper(title: str, body: str, author: str, year: str) -> bytes:
    html = (
        "<html><head><meta charset='utf-8'><style>body{font-family:'Noto Sans CJK SC',sans-serif;"
        "font-size:12pt;line-height:1.8}h1{font-size:18pt}</style></head><body>"
        f"<h1>{escape(year)}{escape(title)}</h1><p>{escape(author)}</p><p>{escape(body)}</p>"
        "</body></html>"
    )
    return pdf.render(html)


def build(today: date, school: School) -> int:
    """Upload and review the demo documents; returns how many (0 without a year or staff)."""
    window = services.current_windows([school.id], today).get(school.id)
    principal = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .order_by(User.id)
        .limit(1)
    )
    if window is None or principal is None:
        return 0
    teachers = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.TEACHER, UserRole.school_id == school.id)
        .order_by(User.id)
    ).all()
    by_name = {t.username: t for t in teachers}
    others = [t for t in teachers if t.username not in ("teacher", "party")][:2]
    year_name = db.session.get(SchoolYear, window.year_id).name
    made = 0

    def upload(teacher: User | None, item: str):
        nonlocal made
        if teacher is None:
            return None
        title, body = PAPERS[item]
        data = _paper(title, body, teacher.name, year_name)
        doc = services.upload_document(
            teacher, school.id, window.year_id, item,
            services.Upload(data, "pdf", f"{teacher.name}-{title}.pdf"), "",
        )  # fmt: skip
        made += 1
        return doc

    plan = upload(by_name.get("teacher"), "plan")
    if plan is not None:
        services.accept(principal, plan, now())
    upload(by_name.get("teacher"), "essay")
    handbook = upload(by_name.get("party"), "handbook")
    if handbook is not None:
        services.return_document(
            principal, handbook, "请补充家访后的反思与改进措施，再上传一次。", now()
        )
    for teacher in others:
        services.accept(principal, upload(teacher, "essay"), now())
    db.session.flush()
    return made
