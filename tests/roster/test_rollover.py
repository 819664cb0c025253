"""The school-year rollover (issue 15 item 9): preview, commit in one transaction, promoted classes
and graduates, the next year created, last year's figures unchanged, idempotent, exact undo until
the new year's first contact."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.contacts import rules
from gridapp.contacts.models import ContactForm
from gridapp.core.errors import RuleViolation
from gridapp.people.models import ClassPlacement, Student, StudentStatus
from gridapp.roster import rollover as service
from gridapp.schools.models import School, SchoolClass, SchoolYear

from .. import factories as f

AFTER = date(2027, 7, 10)  # the world's year 2026—2027 ends on 2027-07-03


@pytest.fixture
def sixth(ctx, world):
    """A sixth-grade class of school A with one student: the graduating class."""
    school = ctx.get(School, world.school_a)
    c = f.SchoolClassFactory(grade=f.GradeFactory(school=school, level=6), number=1,
                             enrolment_year=2021)  # fmt: skip
    s = f.StudentFactory(school_class=c, name="毕业生", enrolment_year=2021)
    ctx.commit()
    return c.id, s.id


def _rows(ctx, period):
    st = rules.student_status(period).subquery()
    return sorted(tuple(r) for r in ctx.execute(select(st)))


def test_preview_then_commit_then_undo(ctx, world, sixth):
    class_6, graduate = sixth
    school = ctx.get(School, world.school_a)
    admin = ctx.get(User, world.school_admin)
    old_semester = rules.period_for(world.school_a, AFTER, world.semester_a)
    before = _rows(ctx, old_semester)

    plan = service.preview(school, AFTER)
    assert plan.problems == []
    assert [s.to_name for s in plan.promoted] == ["四年级（1）班", "四年级（2）班"]
    assert [(s.school_class.id, s.students) for s in plan.graduating] == [(class_6, 1)]
    assert plan.year_data.name == "2027—2028学年"
    # The preview writes nothing.
    assert ctx.scalar(select(func.count()).select_from(ClassPlacement)) == 0

    service.rollover(admin, school, AFTER)
    ctx.commit()
    ctx.expire_all()
    a1 = ctx.get(SchoolClass, world.class_a1)
    assert (a1.name, a1.grade.level, a1.head_teacher_id) == ("四年级（1）班", 4, world.head_teacher)
    c6 = ctx.get(SchoolClass, class_6)
    assert c6.closed_on == date(2027, 7, 4) and c6.name == "六年级（1）班（2027届）"
    assert ctx.get(Student, graduate).status == StudentStatus.GRADUATED
    year = ctx.scalar(select(SchoolYear).where(SchoolYear.name == "2027—2028学年"))
    assert len(year.semesters) == 2
    # Last year's figures are what they were.
    assert _rows(ctx, old_semester) == before
    # This year's count the student in 四年级（1）班 at level 4.
    new_period = rules.period_for(world.school_a, date(2027, 10, 1))
    assert new_period.semester_id == year.semesters[0].id
    now_rows = {
        r.student_id: r for r in ctx.execute(select(rules.student_status(new_period).subquery()))
    }
    assert now_rows[world.student].class_id == world.class_a1
    assert graduate not in now_rows

    # Twice: refused, nothing promoted twice.
    with pytest.raises(RuleViolation) as e:
        service.rollover(admin, school, AFTER)
    assert "已经升级过" in e.value.message
    ctx.rollback()

    record = service.latest_rollover(school.id)
    service.undo_rollover(admin, record)
    ctx.commit()
    ctx.expire_all()
    a1 = ctx.get(SchoolClass, world.class_a1)
    assert (a1.name, a1.grade.level) == ("三年级（1）班", 3)
    c6 = ctx.get(SchoolClass, class_6)
    assert (c6.closed_on, c6.name) == (None, "六年级（1）班")
    assert ctx.get(Student, graduate).status == StudentStatus.ACTIVE
    assert ctx.scalar(select(SchoolYear).where(SchoolYear.name == "2027—2028学年")) is None
    assert _rows(ctx, old_semester) == before
    open_rows = ctx.scalars(select(ClassPlacement).where(ClassPlacement.to_on.is_(None))).all()
    assert {p.student_id for p in open_rows} >= {world.student, graduate}
    assert all(p.level is None for p in open_rows)
    # And again, now that it is undone.
    service.rollover(admin, school, AFTER)
    ctx.commit()


def test_undo_is_refused_after_the_new_years_first_contact(ctx, world, sixth):
    school = ctx.get(School, world.school_a)
    admin = ctx.get(User, world.school_admin)
    service.rollover(admin, school, AFTER)
    ctx.commit()
    student = ctx.get(Student, world.student)
    f.ContactFactory(
        recorded_by=ctx.get(User, world.head_teacher), school_id=world.school_a,
        family_id=student.family_id, teachers=[ctx.get(User, world.head_teacher)],
        contact_on=date(2027, 7, 8), form=ContactForm.PHONE,
    )  # fmt: skip
    ctx.commit()
    with pytest.raises(RuleViolation) as e:
        service.undo_rollover(admin, service.latest_rollover(school.id))
    assert "新学年已有家访记录" in e.value.message


def test_not_before_the_year_has_ended(ctx, world):
    school = ctx.get(School, world.school_a)
    plan = service.preview(school, date(2027, 7, 3))
    assert plan.problems and "结束之后才能升级" in plan.problems[0]
    with pytest.raises(RuleViolation):
        service.rollover(ctx.get(User, world.school_admin), school, date(2027, 7, 3))


def test_the_page_previews_and_only_the_admin_sees_it(client, world, login):
    login(world.school_admin_name)
    r = client.get(f"/schools/{world.school_a}/rollover")
    assert r.status_code == 200
    assert "三年级（1）班" in r.text and "四年级（1）班" in r.text
    # Today (2026-11-30) the year runs on: the commit is refused with the reason.
    r = client.post(f"/schools/{world.school_a}/rollover", data={})
    assert r.status_code == 422
    login(world.principal_name)
    assert client.get(f"/schools/{world.school_a}/rollover").status_code == 404
    login(world.other_school_admin_name)
    assert client.get(f"/schools/{world.school_a}/rollover").status_code == 404
