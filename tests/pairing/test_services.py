"""1+N pairing's rules (issue 16 items 1 and 2): who is in need, pairing with its cap, the
proposal helper, ending and moving with the history kept, follow-up visits as contacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import NeedDecision, NeedMarkStatus, Pairing
from gridapp.people.models import FocusCategory, Student
from gridapp.schools.models import School

from .. import factories as f
from ..concurrency import race, refusals


def _u(world, key) -> User:
    return db.session.get(User, getattr(world, key))


def _s(world, key) -> Student:
    return db.session.get(Student, getattr(world, key))


def _focus(student, category=FocusCategory.LEFT_BEHIND):
    f.StudentFocusFactory(student=student, category=category, since_on=today() - timedelta(30))
    db.session.flush()


def test_focus_students_are_in_need_and_marks_add_and_remove(ctx, world):
    student, other = _s(world, "student"), _s(world, "other_student")
    assert services.unpaired_in_need(world.school_a) == []
    _focus(student)
    assert [s.id for s in services.unpaired_in_need(world.school_a)] == [student.id]
    head = _u(world, "head_teacher")
    mark = services.mark_need(head, other, NeedDecision.INCLUDE, "父母离异，近期情绪低落")
    assert mark.status is NeedMarkStatus.PROPOSED  # a head teacher's mark waits for a leader
    assert {s.id for s in services.unpaired_in_need(world.school_a)} == {student.id, other.id}
    # Removing a focus student is only proposed until a leader confirms it.
    removal = services.mark_need(head, student, NeedDecision.EXCLUDE, "家庭情况已好转")
    assert student.id in {s.id for s in services.unpaired_in_need(world.school_a)}
    services.decide_mark(_u(world, "principal"), removal, confirm=True)
    assert student.id not in {s.id for s in services.unpaired_in_need(world.school_a)}
    with pytest.raises(IllegalTransition):
        services.decide_mark(_u(world, "principal"), removal, confirm=False)


def test_a_mark_needs_a_reason_and_a_change(ctx, world):
    head, student = _u(world, "head_teacher"), _s(world, "student")
    with pytest.raises(RuleViolation) as e:
        services.mark_need(head, student, NeedDecision.INCLUDE, "  ")
    assert e.value.field == "reason"
    _focus(student)
    with pytest.raises(RuleViolation) as e:
        services.mark_need(head, student, NeedDecision.INCLUDE, "学习困难")
    assert e.value.field == "decision" and "已是帮扶对象" in e.value.message


def test_pairing_refuses_what_the_rules_refuse(ctx, world):
    principal = _u(world, "principal")
    student = _s(world, "student")
    on = today()
    with pytest.raises(RuleViolation) as e:  # no Party-member flag
        services.pair(principal, world.school_a, world.head_teacher, [student.id], on, on)
    assert e.value.field == "teacher_id" and "不是党员教师" in e.value.message
    with pytest.raises(RuleViolation) as e:  # a student of another school
        services.pair(principal, world.school_a, world.subject_teacher, [world.student_c1], on, on)
    assert e.value.field == "student_ids"
    with pytest.raises(RuleViolation) as e:  # a teacher of another school
        services.pair(principal, world.school_a, world.other_school_teacher, [student.id], on, on)
    assert e.value.field == "teacher_id"
    with pytest.raises(RuleViolation) as e:
        services.pair(principal, world.school_a, world.subject_teacher, [student.id],
                      on + timedelta(1), on)  # fmt: skip
    assert e.value.field == "starts_on"
    [p] = services.pair(principal, world.school_a, world.subject_teacher, [student.id], on, on)
    with pytest.raises(RuleViolation) as e:  # already paired
        services.pair(principal, world.school_a, world.subject_teacher, [student.id], on, on)
    assert e.value.field == "student_ids" and "已有结对教师" in e.value.message
    with pytest.raises(RuleViolation) as e:
        services.end_pairing(principal, p, on - timedelta(1), "毕业", on)
    assert e.value.field == "ends_on"


def test_above_n_the_leader_confirms(ctx, world):
    principal = _u(world, "principal")
    services.save_settings(principal, world.school_a, 1, 31, 14)
    on = today()
    services.pair(principal, world.school_a, world.subject_teacher, [world.student], on, on)
    with pytest.raises(services.OverCap) as e:
        services.pair(principal, world.school_a, world.subject_teacher, [world.other_student],
                      on, on)  # fmt: skip
    assert e.value.field == "confirm_over_cap" and "超过本校上限 1 名" in e.value.message
    services.pair(principal, world.school_a, world.subject_teacher, [world.other_student], on, on,
                  over_cap_confirmed=True)  # fmt: skip
    assert services.loads(world.school_a)[world.subject_teacher] == 2


def test_moving_a_student_keeps_the_history(ctx, world):
    principal = _u(world, "principal")
    other = f.teacher(db.session.get(School, world.school_a), is_party_member=True)
    on = today() - timedelta(10)
    [p] = services.pair(principal, world.school_a, world.subject_teacher, [world.student], on,
                        today())  # fmt: skip
    new = services.move_pairing(principal, p, other.id, today(), "原结对教师调岗", today())
    history = services.student_pairings(world.student)
    assert [h.id for h in history] == [new.id, p.id]
    assert p.ends_on == today() and p.end_reason == "原结对教师调岗"
    assert new.previous_id == p.id and services.active_pairing(world.student).id == new.id


def test_the_proposal_prefers_the_own_class_then_the_least_loaded_of_the_grade(ctx, world):
    principal = _u(world, "principal")
    a1, a2 = _s(world, "student"), _s(world, "student_a2")
    for s in (a1, a2):
        _focus(s)
    proposal = {p.student.id: p for p in services.propose(world.school_a)}
    # subject_teacher (a Party member) teaches A1; A2's own teachers are not Party members, so
    # the grade's least loaded Party-member teacher is proposed for A2.
    assert proposal[a1.id].teacher.id == world.subject_teacher
    assert proposal[a2.id].teacher.id == world.subject_teacher
    assert "同年级" in proposal[a2.id].why
    made = services.apply_proposal(
        principal, world.school_a, [(p.student.id, p.teacher.id) for p in proposal.values()],
        today(), today(),
    )  # fmt: skip
    assert made == 2 and services.unpaired_in_need(world.school_a) == []
    # Never a teacher without the Party-member flag: with none, nobody is proposed.
    _u(world, "subject_teacher").is_party_member = False
    _focus(_s(world, "other_student"))
    [line] = services.propose(world.school_a)
    assert line.teacher is None


def test_a_paired_teacher_sees_the_student_and_records_a_follow_up_visit(app, client, login, world):
    from gridapp.contacts.models import Contact

    with app.app_context():
        teacher = f.teacher(
            db.session.get(School, world.school_a), username="party_b", is_party_member=True
        )
        services.pair(_u(world, "principal"), world.school_a, teacher.id, [world.student_a2],
                      today(), today())  # fmt: skip
        db.session.commit()
    login("party_b")
    assert client.get(f"/students/{world.student_a2}").status_code == 200
    assert client.get(f"/students/{world.student}").status_code == 404
    page = client.get(f"/contacts/new?student={world.student_a2}")
    assert page.status_code == 200
    data = {
        "client_token": "follow-up-1",
        "students": [world.student_a2],
        "contact_on": today().isoformat(),
        "form": "home_visit",
        "family_situation": "母亲独自照顾两个孩子。",
        "said_about_school": "介绍了孩子在校的学习情况。",
        "guidance_given": "每周两次视频陪伴作业。",
        "pledge_confirmed": "y",
    }
    r = client.post(f"/contacts/new?student={world.student_a2}", data=data,
                    content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    with app.app_context():
        contact = db.session.scalar(select(Contact).filter_by(client_token="follow-up-1"))
        assert contact.recorded_by.username == "party_b"
        assert contact.family_id == db.session.get(Student, world.student_a2).family_id
    # Pairing ended: the teacher no longer reaches the student.
    with app.app_context():
        p = services.active_pairing(world.student_a2)
        services.end_pairing(_u(world, "principal"), p, today(), "学生情况好转", today())
        db.session.commit()
    assert client.get(f"/students/{world.student_a2}").status_code == 404


@pytest.mark.commits
def test_two_leaders_pairing_one_student_at_once_make_one_pairing(app, world):
    def pair_with(teacher_key):
        def action():
            principal = db.session.get(User, world.principal)
            return services.pair(principal, world.school_a, getattr(world, teacher_key),
                                 [world.student], today(), today())  # fmt: skip

        return action

    with app.app_context():
        other = f.teacher(db.session.get(School, world.school_a), username="party_c",
                          is_party_member=True)  # fmt: skip
        db.session.commit()
        world.party_c = other.id
    results = race(app, pair_with("subject_teacher"), pair_with("party_c"))
    assert refusals(results) == ["王小明 已有结对教师"]
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Pairing.id)).where(
                Pairing.student_id == world.student, Pairing.ends_on.is_(None)
            )
        )
        assert count == 1


def test_the_proposal_goes_to_the_school_before_going_over_n(ctx, world):
    principal = _u(world, "principal")
    services.save_settings(principal, world.school_a, 1, 31, 14)
    a1, other = _s(world, "student"), _s(world, "other_student")
    for s in (a1, other):
        _focus(s)
    # A Party-member teacher who teaches no class of grade 3: the school's least loaded.
    spare = f.teacher(db.session.get(School, world.school_a), is_party_member=True)
    lines = {p.student.id: p for p in services.propose(world.school_a)}
    teachers = {lines[a1.id].teacher.id, lines[other.id].teacher.id}
    assert teachers == {world.subject_teacher, spare.id}
    assert any("全校" in p.why for p in lines.values())
