"""Each item's rule against hand counts (obligations/services.py, seed 003 五(二)), the review's
effect on the state, the school's counting setting, the fixed number of queries, and the figures
for the reports (reports/obligation_figures.py)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import event

from gridapp.accounts.models import Role, User
from gridapp.contacts.models import ContactForm, ContactStatus, CountingSetting, FiguresCount
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.time import SHANGHAI, now
from gridapp.extensions import db
from gridapp.obligations import services
from gridapp.obligations.models import ObligationItem as I
from gridapp.obligations.services import ItemState
from gridapp.pairing.models import HelpKind, SupportLogEntry, SupportPlanVersion
from gridapp.reports.obligation_figures import obligation_figures
from gridapp.schools.models import School

from .. import factories as f
from ..pairing.paired import make_pairing
from .documents import pdf_bytes, upload, year_of


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def visit(w, on, by="head_teacher", teachers=None, form=ContactForm.HOME_VISIT, **kw):
    recorder = db.session.get(User, getattr(w, by))
    present = [db.session.get(User, getattr(w, t)) for t in (teachers or [by])]
    return f.ContactFactory(
        recorded_by=recorder, school_id=w.school_a, family_id=recorder and _family(w),
        contact_on=on, form=form, teachers=present, **kw,
    )  # fmt: skip


def _family(w):
    from gridapp.people.models import Student

    return db.session.get(Student, w.student).family_id


@pytest.fixture
def scene(ctx, world):
    """School A's year by hand:
    - head_teacher: door visits with notes on 10 Sep, 5 Oct and 2 Nov (3: the handbook); one
      without notes, one withdrawn, one returned, one in March 2026 (outside the year): none
      count; a parents' meeting (亲子家长会) with subject_teacher present.
    - subject_teacher: two door visits (short of the handbook), the meeting.
    - other_class_teacher: paired with `student` (1 Nov), a support log entry (10 Nov), a plan
      version written today.
    - principal: nothing."""
    w = make_pairing(world)
    for on in (date(2026, 9, 10), date(2026, 10, 5), date(2026, 11, 2)):
        visit(w, on)
    visit(w, date(2026, 11, 3), family_situation="  ")
    visit(w, date(2026, 11, 4), status=ContactStatus.WITHDRAWN)
    visit(w, date(2026, 11, 5), status=ContactStatus.RETURNED)
    visit(w, date(2026, 3, 1))
    visit(w, date(2026, 11, 6), teachers=["head_teacher", "subject_teacher"],
          form=ContactForm.PARENT_CHILD_MEETING)  # fmt: skip
    for on in (date(2026, 10, 1), date(2026, 10, 2)):
        visit(w, on, by="subject_teacher")
    db.session.add(
        SupportLogEntry(
            pairing_id=w.pairing, happened_on=date(2026, 11, 10), kind=HelpKind.STUDY,
            done="每周辅导数学两次", written_by_id=w.other_class_teacher, client_token="log-1",
        )
    )  # fmt: skip
    db.session.add(
        SupportPlanVersion(
            pairing_id=w.pairing, version=1, situation="数学基础弱", goals={"study": "跟上进度"},
            actions=[], review_on=date(2027, 1, 10), written_by_id=w.other_class_teacher,
            written_at=now(),
        )
    )  # fmt: skip
    db.session.commit()
    return w


def states(status, teacher_id):
    return {item.value: s.state for item, s in status[teacher_id].items()}


def test_each_item_against_hand_counts(ctx, scene):
    w = scene
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    # The school's teachers (the teacher role now), and no one of another school.
    assert set(status) == {w.principal, w.head_teacher, w.subject_teacher, w.other_class_teacher}
    head = status[w.head_teacher]
    assert head[I.HANDBOOK].records == 3 and head[I.HANDBOOK].met
    assert head[I.MEETING].records == 1 and head[I.MEETING].met
    assert states(status, w.head_teacher) == {
        "plan": "missing", "handbook": "met", "essay": "missing", "meeting": "met",
        "pairing": "missing", "help": "missing",
    }  # fmt: skip
    subject = status[w.subject_teacher]
    assert subject[I.HANDBOOK].records == 2 and not subject[I.HANDBOOK].met
    assert subject[I.MEETING].met
    paired = status[w.other_class_teacher]
    assert [paired[i].records for i in (I.PAIRING, I.HELP, I.PLAN)] == [1, 1, 1]
    assert states(status, w.other_class_teacher) == {
        "plan": "met", "handbook": "missing", "essay": "missing", "meeting": "missing",
        "pairing": "met", "help": "met",
    }  # fmt: skip
    assert all(s.state == ItemState.MISSING for s in status[w.principal].values())


def test_a_pairing_ended_before_the_year_does_not_count(ctx, world):
    w = make_pairing(world, starts_on=date(2026, 3, 1), today=date(2026, 3, 1))
    from gridapp.pairing.models import Pairing

    pairing = db.session.get(Pairing, w.pairing)
    pairing.ends_on = date(2026, 6, 1)  # before the year's first day (1 July with the summer)
    db.session.commit()
    status = services.obligation_status(w.school_a, year_of(w.school_a).id)
    assert status[w.other_class_teacher][I.PAIRING].records == 0


def test_reviewed_only_counts_reviewed_records(ctx, scene):
    w = scene
    db.session.add(CountingSetting(school_id=w.school_a, figures_count=FiguresCount.REVIEWED_ONLY))
    db.session.commit()
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.head_teacher][I.HANDBOOK].records == 0
    assert not status[w.head_teacher][I.MEETING].met


def test_a_document_waits_then_meets_or_comes_back(ctx, scene):
    w = scene
    principal = db.session.get(User, w.principal)
    essay = upload(w.head_teacher, w.school_a, "essay", "随笔.pdf")
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.head_teacher][I.ESSAY].state == ItemState.PENDING
    services.return_document(principal, essay, "请写满一千字", now())
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.head_teacher][I.ESSAY].state == ItemState.RETURNED
    assert status[w.head_teacher][I.ESSAY].reason == "请写满一千字"
    with pytest.raises(IllegalTransition):
        services.accept(principal, essay, now())  # reviewed already
    again = upload(w.head_teacher, w.school_a, "essay", "随笔（修改）.pdf")
    services.accept(principal, again, now())
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.head_teacher][I.ESSAY].state == ItemState.MET
    assert status[w.head_teacher][I.ESSAY].accepted
    # A handbook accepted meets it too, though subject_teacher has two visits only.
    handbook = upload(w.subject_teacher, w.school_a, "handbook", "手册.pdf")
    services.accept(principal, handbook, now())
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.subject_teacher][I.HANDBOOK].met


def test_the_rules_refuse_bad_input(ctx, world):
    teacher = db.session.get(User, world.head_teacher)
    year = year_of(world.school_a).id
    pdf = services.clean_document(pdf_bytes(), "a.pdf")
    with pytest.raises(RuleViolation) as e:
        services.upload_document(teacher, world.school_a, year, "meeting", pdf)
    assert e.value.field == "item"
    with pytest.raises(RuleViolation) as e:
        services.upload_document(teacher, world.school_a, year_of(world.school_b).id, "plan", pdf)
    assert e.value.field == "year"
    with pytest.raises(RuleViolation) as e:
        services.upload_document(teacher, world.school_a, year, "plan", None)
    assert e.value.field == "file"
    doc = services.upload_document(teacher, world.school_a, year, "plan", pdf)
    with pytest.raises(RuleViolation) as e:
        services.return_document(db.session.get(User, world.principal), doc, "  ", now())
    assert e.value.field == "reason"


def test_the_queries_do_not_grow_with_the_teachers(app, ctx, scene):
    w = scene
    year = year_of(w.school_a).id
    services.obligation_status(w.school_a, year)
    with count_queries(app) as few:
        services.obligation_status(w.school_a, year)
    school = db.session.get(School, w.school_a)
    for n in range(5):
        t = f.UserFactory(username=f"extra{n}", grants=[(Role.TEACHER, school)])
        upload(t.id, w.school_a, "essay", f"e{n}.pdf")
    db.session.commit()
    with count_queries(app) as many:
        status = services.obligation_status(w.school_a, year)
    assert len(status) == 9
    assert len(many) == len(few) == 7


def test_figures_per_school(ctx, scene):
    w = scene
    principal = db.session.get(User, w.principal)
    # Give head_teacher all six: a plan and an essay accepted, a pairing with a log entry.
    for item in ("plan", "essay"):
        services.accept(principal, upload(w.head_teacher, w.school_a, item, f"{item}.pdf"), now())
    from gridapp.pairing import services as pairing

    head = db.session.get(User, w.head_teacher)
    head.is_party_member = True
    [p] = pairing.pair(principal, w.school_a, head.id, [w.other_student], date(2026, 11, 1),
                       date(2026, 11, 23))  # fmt: skip
    db.session.add(SupportLogEntry(pairing_id=p.id, happened_on=date(2026, 11, 12),
                                   kind=HelpKind.LIFE, done="送去冬衣", client_token="log-2",
                                   written_by_id=head.id))  # fmt: skip
    db.session.commit()
    figures = obligation_figures([w.school_a, w.school_b, w.school_c], date(2026, 11, 23))
    a = figures[w.school_a]
    assert (a.teachers, a.complete) == (4, 1)
    assert a.per_item == {I.PLAN: 2, I.HANDBOOK: 1, I.ESSAY: 1, I.MEETING: 2, I.PAIRING: 2,
                          I.HELP: 2}  # fmt: skip
    assert a.school_year_id == year_of(w.school_a).id
    assert figures[w.school_b].teachers == 1 and figures[w.school_b].complete == 0
    assert figures[w.school_c].teachers == 0 and figures[w.school_c].complete_ratio is None


def test_a_plan_written_before_the_year_does_not_count(ctx, scene):
    w = scene
    plan = db.session.scalars(db.select(SupportPlanVersion)).one()
    plan.written_at = datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI)  # the day before the year
    db.session.commit()
    status = services.obligation_status(w.school_a, year_of(w.school_a))
    assert status[w.other_class_teacher][I.PLAN].records == 0


def test_an_upload_and_a_review_move_the_schools_generation(ctx, world):
    from gridapp.core import generations

    before = generations.generation(world.school_a)
    doc = upload(world.head_teacher, world.school_a)
    db.session.commit()
    uploaded = generations.generation(world.school_a)
    assert uploaded > before
    services.accept(db.session.get(User, world.principal), doc, now())
    db.session.commit()
    assert generations.generation(world.school_a) > uploaded


def test_a_review_moves_only_its_schools_generation(ctx, world):
    from gridapp.core import generations

    doc = upload(world.head_teacher, world.school_a)
    db.session.commit()
    a, b = generations.generation(world.school_a), generations.generation(world.school_b)
    services.accept(db.session.get(User, world.principal), doc, now())
    db.session.commit()
    assert generations.generation(world.school_a) == a + 1
    assert generations.generation(world.school_b) == b
    assert db.session.get(type(doc), doc.id).status.value == "accepted"
