"""A contact's private notes on the family (issue 21 item 6, seed 002 §7 保护家庭隐私): shown to
the record's authors, the head teacher, the student's paired teacher and the school's leaders;
every other teacher of the family sees that the contact happened, never the notes, whether they
ask for the page, its htmx fragment, a photo or the archive's timeline. Every view of the notes
is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts.models import ContactRevision
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db

from .. import factories as f
from ..pairing.paired import make_pairing
from ..world import _photo

SITUATION = "父母离异，母亲身患重病，家庭收入很低。"
OPINION = "希望学校不要在班里提家里的事。"
HABITS = "在家沉迷手机游戏。"
SHOWN = "建议每天陪伴阅读。"  # the guidance: what the parent sees, and every teacher


@pytest.fixture
def private(ctx, world):
    """A door visit recorded by the head teacher alone (so the subject teacher of the class was
    not there), with notes, a photo and an earlier version in its history."""
    head = ctx.get(User, world.head_teacher)
    contact = f.ContactFactory(
        recorded_by=head, school_id=world.school_a, family_id=_family(ctx, world),
        teachers=[head], students=[], family_situation=SITUATION,
        parents_opinions=OPINION, habits_at_home=HABITS, guidance_given=SHOWN,
    )  # fmt: skip
    photo = _photo(contact, head)
    ctx.add(
        ContactRevision(
            contact_id=contact.id,
            version=1,
            action="edit",
            changed_by_id=head.id,
            snapshot={"contact_on": "2026-10-10", "family_situation": "旧版：" + SITUATION},
        )  # fmt: skip
    )
    contact.version = 2
    ctx.commit()
    return contact.id, photo.id


def _family(ctx, world):
    from gridapp.people.models import Student

    return ctx.get(Student, world.student).family_id


def _page(client, contact_id, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(f"/contacts/{contact_id}", headers=headers)


def _audits(ctx, user_id, action):
    ctx.expire_all()
    return ctx.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user_id, AuditEntry.action == action)
    ).all()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_subject_teacher_who_was_not_there_sees_the_contact_but_not_the_notes(
    client, login, world, ctx, private, htmx
):
    contact_id, photo_id = private
    login(world.subject_teacher_name)
    r = _page(client, contact_id, htmx)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert SHOWN in page and "2026-10-10" in page  # that it happened, and what the parent sees
    for secret in (SITUATION, OPINION, HABITS, "旧版"):
        assert secret not in page
    assert "属于家庭隐私" in page
    assert f"/photos/{photo_id}" not in page
    assert client.get(f"/contacts/{contact_id}/photos/{photo_id}").status_code == 404
    [entry] = _audits(ctx, world.subject_teacher, "contact.view")
    assert "notes" not in entry.detail


@pytest.mark.parametrize("who", ["head_teacher", "principal", "school_admin", "paired_teacher"])
def test_the_authors_head_teacher_paired_teacher_and_leaders_see_the_notes_audited(
    client, login, world, ctx, private, who
):
    contact_id, photo_id = private
    if who == "paired_teacher":
        world = make_pairing(world)
    login(getattr(world, f"{who}_name"))
    page = _page(client, contact_id).get_data(as_text=True)
    assert SITUATION in page and OPINION in page and HABITS in page and "旧版" in page
    assert client.get(f"/contacts/{contact_id}/photos/{photo_id}").status_code == 200
    [entry] = _audits(ctx, getattr(world, who), "contact.view")
    assert "family_situation" in entry.detail["notes"]
    assert SITUATION not in str(entry.detail)  # fields, never contents


def test_the_head_teacher_sees_the_notes_of_a_contact_by_a_subject_teacher(
    client, login, world, ctx
):
    teacher = ctx.get(User, world.subject_teacher)
    contact = f.ContactFactory(
        recorded_by=teacher, school_id=world.school_a, family_id=_family(ctx, world),
        teachers=[teacher], family_situation=SITUATION,
    )  # fmt: skip
    ctx.commit()
    login(world.head_teacher_name)
    assert SITUATION in _page(client, contact.id).get_data(as_text=True)
    login(world.principal_name)
    assert SITUATION in _page(client, contact.id).get_data(as_text=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_the_archive_timeline_shows_a_subject_teacher_no_note(
    client, login, world, ctx, private, htmx
):
    headers = {"HX-Request": "true"} if htmx else {}
    url = f"/students/{world.student}/archive?tab=timeline&kind=contact"
    login(world.subject_teacher_name)
    r = client.get(url, headers=headers)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert SHOWN in page and SITUATION not in page
    # The world's contact, where the subject teacher was, is theirs to read; this one is not.
    seen = _audits(ctx, world.subject_teacher, "student.archive.view")
    assert all(private[0] not in e.detail.get("contact_notes", []) for e in seen)
    login(world.head_teacher_name)
    page = client.get(url, headers=headers).get_data(as_text=True)
    assert SITUATION in page
    [entry] = _audits(ctx, world.head_teacher, "student.archive.view")
    assert private[0] in entry.detail["contact_notes"]


def test_a_paired_teacher_who_does_not_teach_the_class_reads_the_record(
    client, login, world, ctx, private
):
    login(world.other_class_teacher_name)
    assert _page(client, private[0]).status_code == 404  # not paired yet: not their family
    paired = make_pairing(world)
    login(paired.paired_teacher_name)
    assert SITUATION in _page(client, private[0]).get_data(as_text=True)


def test_notes_visible_ids_costs_two_queries_whatever_the_number_of_contacts(ctx, world):
    from sqlalchemy import event

    from gridapp.contacts.models import Contact
    from gridapp.contacts.permissions import notes_visible_ids

    head = ctx.get(User, world.head_teacher)
    for _ in range(5):
        f.ContactFactory(recorded_by=head, school_id=world.school_a, family_id=_family(ctx, world))
    ctx.flush()
    contacts = ctx.scalars(select(Contact)).all()
    user = ctx.get(User, world.subject_teacher)
    notes_visible_ids(user, contacts[:1])  # the user's families, kept for the request
    statements = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        visible = notes_visible_ids(user, contacts)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 2
    assert world.contact in visible  # the subject teacher was there


def test_the_dossier_leaves_the_notes_out_for_a_subject_teacher_and_audits_them(
    app, client, login, world, ctx, private
):
    from gridapp.dossiers.exports import dossier_html
    from gridapp.people.models import Student

    student = ctx.get(Student, world.student)
    with app.test_request_context():
        html, _s, _p, notes = dossier_html(
            student, ctx.get(User, world.subject_teacher), ["timeline"], False
        )
        assert SITUATION not in html and private[0] not in notes
        html, _s, _p, notes = dossier_html(
            student, ctx.get(User, world.head_teacher), ["timeline"], False
        )
        assert SITUATION in html and private[0] in notes
    login(world.head_teacher_name)
    r = client.get(f"/students/{world.student}/dossier.pdf?sections=timeline")
    assert r.status_code == 200
    [entry] = _audits(ctx, world.head_teacher, "student.dossier.export")
    assert private[0] in entry.detail["contact_notes"]
