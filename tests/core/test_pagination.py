"""One paginator for every list: Flask-SQLAlchemy's Pagination over entities, rows or a list."""

from __future__ import annotations

import pytest
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, event, select

from gridapp.core.pagination import Pages, page_of, paginate, paginate_rows, paginate_select
from gridapp.extensions import db
from gridapp.people.models import Student
from tests import factories as f


@pytest.fixture
def seven(app):
    """A class of seven students, numbered 01 to 07."""
    with app.app_context():
        school_class = f.SchoolClassFactory()
        for i in range(1, 8):
            f.StudentFactory(school_class=school_class, student_number=f"S{i:02d}")
        db.session.commit()
        return school_class.id


def _numbers(page):
    return [getattr(item, "student_number", item) for item in page.items]


def test_entities_rows_and_lists_give_the_same_pages(app, seven):
    entities = select(Student).where(Student.class_id == seven).order_by(Student.student_number)
    rows = (
        select(Student.id, Student.student_number)
        .where(Student.class_id == bindparam("class_id"))
        .order_by(Student.student_number)
    )
    for query, expected in (("", ["S01", "S02", "S03"]), ("?page=3", ["S07"])):
        with app.test_request_context("/" + query):
            pages = [
                paginate(entities, per_page=3),
                paginate_rows(rows, {"class_id": seven}, per_page=3),
                paginate_select(rows.params(class_id=seven), per_page=3),
                page_of([f"S{i:02d}" for i in range(1, 8)], per_page=3),
            ]
            for page in pages:
                assert isinstance(page, Pagination)
                assert _numbers(page) == expected
                assert (page.total, page.pages, page.per_page) == (7, 3, 3)
            assert isinstance(pages[0].items[0], Student)
            assert pages[1].items[0]._fields == ("id", "student_number")  # a named tuple


@pytest.mark.parametrize("query", ["?page=9", "?page=x", "?page=0", "?page=-1"])
def test_a_page_out_of_range_shows_the_first_or_last(app, seven, query):
    rows = select(Student.student_number).where(Student.class_id == bindparam("c"))
    rows = rows.order_by(Student.student_number)
    with app.test_request_context("/" + query):
        page = paginate_rows(rows, {"c": seven}, per_page=3)
        listed = page_of(list(range(7)), per_page=3)
    expected = 3 if query == "?page=9" else 1
    assert page.page == listed.page == expected
    assert page.has_prev == (expected > 1) and page.has_next == (expected < 3)


def test_an_empty_list_has_no_pages(app, seven):
    rows = select(Student.id).where(Student.class_id == bindparam("c"))
    with app.test_request_context("/?page=2"):
        for page in (
            paginate_rows(rows, {"c": -1}),
            page_of([]),
            paginate(select(Student).where(Student.id < 0)),
        ):
            assert (page.items, page.total, page.pages) == ([], 0, 0)


def test_rows_and_their_total_come_in_one_query(app, seven):
    rows = select(Student.id).where(Student.class_id == bindparam("c")).order_by(Student.id)
    with app.test_request_context("/"):
        statements = []
        listen = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            page = paginate_rows(rows, {"c": seven}, per_page=5)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert (len(page.items), page.total) == (5, 7)
    # Savepoints are the test's isolation, not the page's work.
    assert len([s for s in statements if s.startswith("SELECT")]) == 1


def test_the_hooks_flask_sqlalchemy_calls_are_still_there():
    """`Pages` fills Flask-SQLAlchemy's documented subclass hooks; if a release renames them,
    this fails before a list page does."""
    assert Pages.__mro__[1] is Pagination
    for hook in ("_query_items", "_query_count", "_query_offset"):
        assert hasattr(Pagination, hook), hook
