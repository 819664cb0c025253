"""The class page: a bounded number of queries, search, pagination and masked phones."""

from __future__ import annotations

import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from gridapp.extensions import db
from gridapp.people.models import Relation
from tests import factories as f

CLASS_SIZE = 45


@pytest.fixture
def big_class(app):
    """A class of 45 students, each with two guardians (the mother is the primary contact)."""
    with app.app_context():
        school = f.SchoolFactory()
        head = f.teacher(school, username="big_head")
        school_class = f.SchoolClassFactory(
            grade=f.GradeFactory(school=school, level=4), number=2, head_teacher=head
        )
        students = []
        for i in range(CLASS_SIZE):
            name = "欧阳娜娜" if i == 30 else f"学生{i:02d}号"
            s = f.StudentFactory(
                school_class=school_class,
                name=name,
                student_number=f"2024{i:04d}",
                community="阳光花园",
            )
            mother = f.GuardianFactory(
                family=s.family, relation=Relation.MOTHER, mobile=f"139{i:04d}5678"
            )
            father = f.GuardianFactory(
                family=s.family, relation=Relation.FATHER, mobile=f"137{i:04d}4321"
            )
            f.StudentGuardianFactory(student=s, guardian=mother, is_primary=True)
            f.StudentGuardianFactory(student=s, guardian=father, is_primary=False)
            students.append(s)
        db.session.commit()
        return SimpleNamespace(
            id=school_class.id,
            head=head.username,
            numbers=[s.student_number for s in students],
            mobiles=[f"139{i:04d}5678" for i in range(CLASS_SIZE)]
            + [f"137{i:04d}4321" for i in range(CLASS_SIZE)],
        )


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(
            ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
        ):  # the test's transaction
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _numbers_shown(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>\s*(2024\d{4})\s*</td>", html)


def test_class_page_runs_at_most_10_queries(app, client, login, big_class):
    login(big_class.head)
    client.get(f"/classes/{big_class.id}")  # warm up: nothing cached should matter
    with count_queries(app) as statements:
        r = client.get(f"/classes/{big_class.id}")
    assert r.status_code == 200
    assert len(_numbers_shown(r.get_data(as_text=True))) == 25
    assert len(statements) <= 10, "\n\n".join(statements)


def test_class_page_is_four_queries_for_its_head_teacher(app, client, login, big_class):
    """The signed-in user with roles and taught classes, the class with its school and head
    teacher, a page of the roster with its total (make bench measures this page), and the
    school's generation, under which the drowning-prevention letter's figure is kept
    (contacts.drowning.current_class_share: computed once per generation and day)."""
    login(big_class.head)
    client.get(f"/classes/{big_class.id}")
    with count_queries(app) as statements:
        assert client.get(f"/classes/{big_class.id}").status_code == 200
    assert len(statements) == 4, "\n\n".join(statements)
    user, school_class, roster, generation = statements
    assert "FROM users" in user and "teaching_assignments" in user
    assert "FROM school_classes" in school_class and "schools" in school_class
    assert "FROM students" in roster and "count(*)" in roster
    assert "FROM school_generations" in generation


def test_class_page_queries_do_not_grow_with_the_page(app, client, login, big_class):
    login(big_class.head)
    with count_queries(app) as first:
        client.get(f"/classes/{big_class.id}")
    with count_queries(app) as second:
        client.get(f"/classes/{big_class.id}?page=2")
    assert len(second) <= len(first) + 1


def test_first_page_shows_25_students_in_order(client, login, big_class):
    login(big_class.head)
    html = client.get(f"/classes/{big_class.id}").get_data(as_text=True)
    assert _numbers_shown(html) == big_class.numbers[:25]


def test_second_page(client, login, big_class):
    login(big_class.head)
    r = client.get(f"/classes/{big_class.id}?page=2")
    assert r.status_code == 200
    assert _numbers_shown(r.get_data(as_text=True)) == big_class.numbers[25:]


def test_page_beyond_the_end_shows_the_last_page(client, login, big_class):
    login(big_class.head)
    for page in ("3", "999", "0", "-1", "abc"):
        r = client.get(f"/classes/{big_class.id}", query_string={"page": page})
        assert r.status_code == 200, page
        assert _numbers_shown(r.get_data(as_text=True)), page


def test_htmx_page_2_is_a_fragment(client, login, big_class):
    login(big_class.head)
    r = client.get(f"/classes/{big_class.id}?page=2", headers={"HX-Request": "true"})
    html = r.get_data(as_text=True)
    assert "<html" not in html
    assert _numbers_shown(html) == big_class.numbers[25:]


def test_search_by_name(client, login, big_class):
    login(big_class.head)
    r = client.get(f"/classes/{big_class.id}", query_string={"q": "欧阳"})
    html = r.get_data(as_text=True)
    assert _numbers_shown(html) == [big_class.numbers[30]]
    assert "欧阳娜娜" in html


def test_search_by_student_number_and_no_match(client, login, big_class):
    login(big_class.head)
    html = client.get(f"/classes/{big_class.id}", query_string={"q": big_class.numbers[7]}).text
    assert _numbers_shown(html) == [big_class.numbers[7]]
    html = client.get(f"/classes/{big_class.id}", query_string={"q": "没有这个人"}).text
    assert _numbers_shown(html) == []
    assert "没有找到" in html


@pytest.mark.parametrize("q", ["%", "_", "'; DROP TABLE students; --", "<b>x</b>"])
def test_search_with_special_characters_is_safe(client, login, big_class, q):
    login(big_class.head)
    r = client.get(f"/classes/{big_class.id}", query_string={"q": q})
    assert r.status_code == 200
    assert "<b>x</b>" not in r.text


def test_phones_are_masked_in_the_list(client, login, big_class):
    login(big_class.head)
    for page in (1, 2):
        html = client.get(f"/classes/{big_class.id}?page={page}").text
        masked = re.findall(r"\b1\d\d\*{4}\d{4}\b", html)
        assert len(masked) == len(_numbers_shown(html))
        assert all(m.startswith("139") and m.endswith("5678") for m in masked)
        for mobile in big_class.mobiles:
            assert mobile not in html
        assert not re.search(r"\b1[3-9]\d{9}\b", html)
