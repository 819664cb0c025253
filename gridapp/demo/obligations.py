"""Demo documents of the teachers' yearly obligations (六个一, seed 003 五(二)) in the first school:
the demo head teacher's plan (accepted) and essay (waiting for review), the Party-member
teacher's handbook (returned with a reason), two more teachers' accepted essays, and a
parent–child meeting (亲子家长会) of the demo teacher's class, so the teacher's page and the
school's table show each state."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactTeacher,
)
from gridapp.core import pdf
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.obligations import services
from gridapp.people.models import Student
from gridapp.schools.models import School, SchoolClass, SchoolYear, TeachingAssignment

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


def _parents_meeting(today: date, school: School, window, teacher: User | None) -> None:
    """A parent–child meeting (亲子家长会) of the demo teacher's class two weeks ago, with the
    class's teachers present and every family of the class: the meeting item met."""
    if teacher is None:
        return
    school_class = db.session.scalar(
        select(SchoolClass).where(SchoolClass.head_teacher_id == teacher.id).limit(1)
    )
    on = max(window.since, today - timedelta(days=14))
    if school_class is None or on > today:
        return
    families = db.session.scalars(
        select(Student.family_id).where(Student.class_id == school_class.id).distinct()
    ).all()
    teachers = {teacher.id} | set(
        db.session.scalars(
            select(TeachingAssignment.teacher_id).where(
                TeachingAssignment.class_id == school_class.id
            )
        )
    )
    if not families:
        return
    contact = Contact(
        school_id=school.id, family_id=families[0], recorded_by_id=teacher.id, contact_on=on,
        form=ContactForm.PARENT_CHILD_MEETING, place="本班教室", members_met="全班家长",
        said_about_school="介绍了本学期的教学安排和班级情况。",
        guidance_given="与家长交流了如何陪伴孩子阅读和做好假期安全教育。",
        status=ContactStatus.REVIEWED, client_token=f"demo-meeting-{school_class.id}",
    )  # fmt: skip
    contact.teacher_links = [ContactTeacher(teacher_id=t) for t in sorted(teachers)]
    contact.family_links = [ContactFamily(family_id=f) for f in families]
    db.session.add(contact)


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

    _parents_meeting(today, school, window, by_name.get("teacher"))
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
