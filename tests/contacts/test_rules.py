"""The quota engine's edge cases: semester boundaries, siblings, several teachers present,
withdrawn records, focus students, first-year classes, two-year and stage windows, school
numbers, and agreement with a hand count on the demo district."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gridapp.accounts.models import User
from gridapp.contacts import rules, services, worklists
from gridapp.contacts.models import (
    Contact,
    ContactForm,
    ContactStatus,
    ContactTeacher,
    QuotaRule,
)
from gridapp.people.models import Student, StudentFocus, StudentStatus
from gridapp.schools.models import Grade, School, SchoolClass, Semester, TeachingAssignment

from .. import factories as f

TODAY = date(2026, 11, 23)


def _period(ctx, school_id, today=TODAY, semester_id=None):
    return rules.period_for(school_id, today, semester_id)


def _tf(ctx, period, teacher_id):
    tf = rules.teacher_family_status(period, teacher_id=teacher_id).subquery()
    return {r.family_id: r for r in ctx.execute(select(tf))}


def _st(ctx, period, **kw):
    st = rules.student_status(period, **kw).subquery()
    return {r.student_id: r for r in ctx.execute(select(st))}


def _contact(ctx, world, teachers, on=date(2026, 10, 10), form=ContactForm.PHONE, **kw):
    users = [ctx.get(User, t) for t in teachers]
    student = ctx.get(Student, world.student)
    c = f.ContactFactory(
        recorded_by=users[0],
        school_id=kw.pop("school_id", world.school_a),
        family_id=kw.pop("family_id", student.family_id),
        teachers=users,
        contact_on=on,
        form=form,
        **kw,
    )
    ctx.commit()
    return c


def test_a_contact_counts_for_every_teacher_present_who_teaches_the_family(ctx, world):
    """The world's contact: head teacher and subject teacher of A1 were both there."""
    p = _period(ctx, world.school_a)
    family = ctx.get(Student, world.student).family_id
    for teacher in (world.head_teacher, world.subject_teacher):
        assert _tf(ctx, p, teacher)[family].count == 1
    # A teacher who does not teach the family has no (teacher, family) pair at all.
    assert family not in _tf(ctx, p, world.other_class_teacher)


def test_siblings_the_contact_counts_at_the_siblings_school_too(ctx, world):
    """The sibling is in B1 (junior school); its head teacher was at the visit."""
    _contact(ctx, world, [world.head_teacher, world.other_school_teacher])
    p_b = _period(ctx, world.school_b)
    family = ctx.get(Student, world.sibling).family_id
    assert _tf(ctx, p_b, world.other_school_teacher)[family].count == 1
    # And the door-visit rules count for both children.
    _contact(ctx, world, [world.head_teacher], form=ContactForm.HOME_VISIT)
    assert _st(ctx, p_b)[world.sibling].two_years_count == 1
    assert _st(ctx, _period(ctx, world.school_a))[world.student].two_years_count == 1


def test_two_contacts_meet_the_teacher_rule_and_withdrawn_ones_do_not_count(ctx, world):
    p = _period(ctx, world.school_a)
    family = ctx.get(Student, world.student).family_id
    assert _tf(ctx, p, world.head_teacher)[family].met == 0
    second = _contact(ctx, world, [world.head_teacher])
    assert _tf(ctx, p, world.head_teacher)[family].met == 1
    second.status = ContactStatus.WITHDRAWN
    ctx.commit()
    row = _tf(ctx, p, world.head_teacher)[family]
    assert (row.count, row.met) == (1, 0)


def test_semester_boundaries_are_inclusive(ctx, world):
    p = _period(ctx, world.school_a)
    family = ctx.get(Student, world.student).family_id
    base = _tf(ctx, p, world.other_school_teacher)  # no pairs at school A: empty
    assert base == {}
    _contact(ctx, world, [world.head_teacher], on=p.ends_on)
    _contact(ctx, world, [world.head_teacher], on=p.starts_on)
    # The summer before the school's first semester counts for it (issue 22 item 9)…
    _contact(ctx, world, [world.head_teacher], on=date(2026, 8, 31))  # the day before
    # …not the day after its last (no next semester yet), nor before the summer.
    _contact(ctx, world, [world.head_teacher], on=date(2027, 1, 24))  # the day after
    _contact(ctx, world, [world.head_teacher], on=date(2026, 6, 30))
    assert _tf(ctx, p, world.head_teacher)[family].count == 4  # the world's + the three inside


def test_head_teacher_remote_rule_counts_only_phone_or_online_by_the_head_teacher(ctx, world):
    p = _period(ctx, world.school_a)
    # The world's phone call had the head teacher present: met.
    assert _st(ctx, p)[world.student].remote_met == 1
    # The other child of A1 has only a door visit by the subject teacher: not met.
    other = ctx.get(Student, world.other_student)
    _contact(
        ctx, world, [world.subject_teacher], family_id=other.family_id, form=ContactForm.HOME_VISIT
    )
    _contact(ctx, world, [world.subject_teacher], family_id=other.family_id)
    assert _st(ctx, p)[world.other_student].remote_met == 0


def test_focus_students_need_a_door_visit_each_semester(ctx, world):
    p = _period(ctx, world.school_a)
    assert _st(ctx, p)[world.student].focus_applies == 0
    f.StudentFocusFactory(student=ctx.get(Student, world.student))
    ctx.commit()
    row = _st(ctx, p)[world.student]
    assert (row.is_focus, row.focus_applies, row.focus_met) == (1, 1, 0)
    _contact(ctx, world, [world.subject_teacher], form=ContactForm.HOME_VISIT)
    assert _st(ctx, p)[world.student].focus_met == 1
    # Ended during the semester: it still counted this semester; ended before it: it does not.
    focus = ctx.scalars(select(StudentFocus)).one()
    focus.ended_on = date(2026, 11, 1)
    ctx.commit()
    assert _st(ctx, p)[world.student].focus_applies == 1
    focus.ended_on = date(2026, 8, 1)
    ctx.commit()
    assert _st(ctx, p)[world.student].focus_applies == 0


def _first_year_world(ctx, world):
    """A first-grade class at school A, with one student."""
    grade1 = f.GradeFactory(school=ctx.get(School, world.school_a), level=1)
    head = ctx.get(User, world.head_teacher)
    c = f.SchoolClassFactory(grade=grade1, number=1, head_teacher=head)
    s = f.StudentFactory(school_class=c, name="一年级新生")
    ctx.commit()
    return c, s


def test_first_year_classes_before_term_or_in_the_first_half(ctx, world):
    _c, s = _first_year_world(ctx, world)
    p = _period(ctx, world.school_a)
    assert p.midpoint == date(2026, 11, 12)  # 144 days, halved
    row = _st(ctx, p)[s.id]
    assert (row.first_year_applies, row.first_year_met) == (1, 0)
    assert row.first_year_due == p.midpoint
    assert _st(ctx, p)[world.student].first_year_applies == 0  # grade 3: not a first year
    # After the midpoint: met, but late (issue 22 item 9: no longer owed for ever).
    _contact(ctx, world, [world.head_teacher], family_id=s.family_id,
             form=ContactForm.HOME_VISIT, on=date(2026, 11, 13))  # fmt: skip
    row = _st(ctx, p)[s.id]
    assert (row.first_year_met, row.first_year_late) == (1, 1)
    assert rules.rule_status(row.first_year_met, row.first_year_late, row.first_year_due,
                             TODAY) == rules.MET_LATE  # fmt: skip
    # Before term (in the summer) counts, on time.
    _contact(ctx, world, [world.head_teacher], family_id=s.family_id,
             form=ContactForm.HOME_VISIT, on=date(2026, 8, 15))  # fmt: skip
    row = _st(ctx, p)[s.id]
    assert (row.first_year_met, row.first_year_late) == (1, 0)


def test_first_year_rule_does_not_apply_in_the_second_semester(ctx, world):
    _c, s = _first_year_world(ctx, world)
    year = ctx.get(School, world.school_a).school_years[0]
    second = f.SemesterFactory(
        school_year=year, number=2, starts_on=date(2027, 2, 20), ends_on=date(2027, 7, 3)
    )
    ctx.commit()
    p = _period(ctx, world.school_a, today=date(2027, 3, 1))
    assert p.semester_id == second.id
    assert _st(ctx, p)[s.id].first_year_applies == 0


def test_two_year_window_reaches_back_to_the_previous_school_year(ctx, world):
    p = _period(ctx, world.school_a)
    assert p.two_years_from == date(2025, 9, 1)
    _contact(ctx, world, [world.head_teacher], form=ContactForm.HOME_VISIT, on=date(2025, 8, 30))
    assert _st(ctx, p)[world.student].two_years_met == 0
    _contact(ctx, world, [world.head_teacher], form=ContactForm.HOME_VISIT, on=date(2025, 10, 1))
    row = _st(ctx, p)[world.student]
    assert (row.two_years_met, row.two_years_due) == (1, date(2027, 7, 3))


def test_stage_rule_counts_door_visits_since_the_stage_began(ctx, world):
    """Grade 3 of a primary school: the stage began two school years ago; 3 visits by grade 6."""
    p = _period(ctx, world.school_a)
    assert p.stage_window(3) == (date(2024, 9, 1), date(2030, 7, 3))
    for on in (date(2024, 8, 1), date(2024, 10, 1), date(2025, 10, 1), date(2026, 10, 1)):
        _contact(ctx, world, [world.head_teacher], form=ContactForm.HOME_VISIT, on=on)
    row = _st(ctx, p)[world.student]
    assert (row.stage_count, row.stage_need, row.stage_met) == (3, 3, 1)
    # Junior school (B1, grade 7): the stage began this year, 2 needed.
    row_b = _st(ctx, _period(ctx, world.school_b))[world.sibling]
    assert (row_b.stage_count, row_b.stage_need) == (1, 2)  # only the visit since 2026-09


def test_school_numbers_apply_from_the_current_semester_on(ctx, world):
    p = _period(ctx, world.school_a)
    family = ctx.get(Student, world.student).family_id
    admin = ctx.get(User, world.school_admin)
    services.set_quotas(admin, world.school_a, p.starts_on, {QuotaRule.TEACHER_FAMILY: 1})
    ctx.commit()
    p = _period(ctx, world.school_a)
    assert p.quotas[QuotaRule.TEACHER_FAMILY] == 1
    assert _tf(ctx, p, world.head_teacher)[family].met == 1
    # An earlier semester keeps the default.
    assert rules.quotas_for(world.school_a, date(2026, 2, 20))[QuotaRule.TEACHER_FAMILY] == 2
    # Zero switches a rule off: it applies to nobody.
    services.set_quotas(admin, world.school_a, p.starts_on, {QuotaRule.HEAD_TEACHER_REMOTE: 0})
    ctx.commit()
    assert _st(ctx, _period(ctx, world.school_a))[world.student].remote_applies == 0


def test_worklist_sorts_focus_students_first_then_by_due_date(ctx, world):
    f.StudentFocusFactory(student=ctx.get(Student, world.other_student))
    ctx.commit()
    p = _period(ctx, world.school_a)
    head = ctx.get(User, world.head_teacher)
    a1 = {world.class_a1}
    lines = worklists.teacher_worklist(head, p, a1, a1)
    assert lines[0].is_focus and lines[0].students[0][0] == world.other_student
    owed_rules = {o.rule for line in lines for o in line.owed}
    assert {"teacher", "focus", "two_years"} <= owed_rules
    assert "stage" not in owed_rules  # grade 3: three visits by grade 6 can still wait


# ---- against a hand count on the demo district -----------------------------------------------


@pytest.fixture
def demo(ctx):
    from gridapp import demo as demo_module

    demo_module.build(seed=7, schools=1, today=TODAY)
    ctx.commit()
    return ctx.scalars(select(School)).one()


def _hand_count(ctx, school: School, period: rules.Period):
    """The same figures counted in Python, record by record, without the engine's SQL."""
    q = period.quotas
    students = ctx.scalars(
        select(Student).where(
            Student.school_id == school.id, Student.status == StudentStatus.ACTIVE
        )
    ).all()
    # Each contact's teachers loaded with it (one query, not one per contact: seconds).
    everyone = ctx.scalars(
        select(Contact).options(
            selectinload(Contact.teacher_links), selectinload(Contact.family_links)
        )
    ).all()
    # What counts by default (issue 21): every record but withdrawn and returned ones.
    contacts = [
        c for c in everyone if c.status not in (ContactStatus.WITHDRAWN, ContactStatus.RETURNED)
    ]
    # A contact counts for each family it names (a parents' meeting names every family that
    # came), its own family among them.
    by_family = defaultdict(list)
    for c in contacts:
        for family_id in {c.family_id} | {link.family_id for link in c.family_links}:
            by_family[family_id].append(c)
    classes = {c.id: c for c in ctx.scalars(select(SchoolClass)).all()}
    levels = {g.id: g.level for g in ctx.scalars(select(Grade)).all()}
    focus = {
        s.student_id
        for s in ctx.scalars(select(StudentFocus)).all()
        if s.since_on <= period.ends_on and (s.ended_on is None or s.ended_on >= period.starts_on)
    }
    teachers_of = defaultdict(set)
    for a in ctx.scalars(select(TeachingAssignment)).all():
        teachers_of[a.class_id].add(a.teacher_id)
    for c in classes.values():
        teachers_of[c.id].add(c.head_teacher_id)

    # By hand: the holiday before the semester counts for it (the school's default), from the
    # day after the previous semester ends (or the summer before the first one).
    ends_before = [
        s.ends_on
        for s in ctx.scalars(select(Semester).where(Semester.school_id == school.id)).all()
        if s.ends_on < period.starts_on
    ]
    counts_from = (
        max(ends_before) + timedelta(days=1) if ends_before else period.starts_on - timedelta(62)
    )

    def in_sem(c):
        return counts_from <= c.contact_on <= period.ends_on

    out = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # class -> rule -> [met, applies]
    pairs = set()
    for s in students:
        cls = classes[s.class_id]
        fam = by_family[s.family_id]
        homes = [c for c in fam if c.form is ContactForm.HOME_VISIT]
        remote = [
            c for c in fam
            if c.form in (ContactForm.PHONE, ContactForm.ONLINE) and in_sem(c)
            and cls.head_teacher_id in c.teacher_ids
        ]  # fmt: skip
        level = levels[cls.grade_id]
        start, _due = period.stage_window(level)
        checks = {
            "remote": (True, len(remote) >= q[QuotaRule.HEAD_TEACHER_REMOTE]),
            "focus": (s.id in focus, len([c for c in homes if in_sem(c)]) >= 1),
            "first_year": (
                level in (1, 7, 10) and period.semester_number == 1,
                any(period.first_year_from <= c.contact_on <= period.ends_on for c in homes),
            ),
            "two_years": (
                True,
                any(period.two_years_from <= c.contact_on <= period.ends_on for c in homes),
            ),
            "stage": (
                True,
                len([c for c in homes if start <= c.contact_on <= period.ends_on])
                >= period.stage_need(level),
            ),
        }
        for rule, (applies, met) in checks.items():
            if applies:
                out[s.class_id][rule][1] += 1
                out[s.class_id][rule][0] += int(met)
        for t in teachers_of[s.class_id]:
            pairs.add((t, s.family_id, s.class_id))
    for t, family, class_id in pairs:
        n = len([c for c in by_family[family] if in_sem(c) and t in c.teacher_ids])
        out[class_id]["teacher"][1] += 1
        out[class_id]["teacher"][0] += int(n >= q[QuotaRule.TEACHER_FAMILY])
    return out


@pytest.mark.slow(18)
def test_coverage_agrees_with_a_hand_count_on_the_demo_district(ctx, demo):
    period = _period(ctx, demo.id)
    engine = rules.class_coverage(period)
    hand = _hand_count(ctx, demo, period)
    assert len(engine) >= 18
    for class_id, row in engine.items():
        for rule, share in row.shares.items():
            assert [share.met, share.total] == hand[class_id][rule], (class_id, rule)
    # The class-scoped and teacher-scoped forms of the engine (worklists) say the same.
    for class_id in list(engine)[:4]:
        scoped = rules.class_coverage(period, [class_id])[class_id]
        assert scoped.shares == engine[class_id].shares, class_id
    whole = {
        (r.teacher_id, r.family_id, r.class_id): r.count
        for r in ctx.execute(select(rules.teacher_family_status(period).subquery()))
    }
    for teacher_id in {t for t, _f, _c in whole}:
        tf = rules.teacher_family_status(period, teacher_id=teacher_id).subquery()
        for r in ctx.execute(select(tf)):
            assert r.count == whole[(r.teacher_id, r.family_id, r.class_id)], teacher_id
    # Not trivially all or nothing: the demo is half done.
    total = rules.total(engine.values())
    for rule in ("teacher", "remote", "two_years"):
        assert 0 < total.shares[rule].met < total.shares[rule].total, rule


def test_contact_teacher_index_supports_the_counts(ctx, world):
    """Counting by teacher goes through (teacher_id, contact_id): the index exists."""
    names = {ix.name for ix in ContactTeacher.__table__.indexes}
    assert "ix_contact_teachers_teacher" in names
