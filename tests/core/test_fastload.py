"""core.fastload: rows read with Core become ordinary persistent instances."""

import pytest
from sqlalchemy import event

from gridapp.accounts.models import Role, User
from gridapp.core import fastload
from gridapp.extensions import db
from gridapp.schools.models import SchoolClass


@pytest.fixture
def statements(app):
    """The SQL statements run while the test runs."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(
            ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
        ):  # the test's transaction
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_an_object_with_its_many_to_ones_comes_from_one_query(app, world, statements):
    seen = statements
    with app.app_context():
        klass = fastload.get(SchoolClass, world.class_a1, ("school", "head_teacher"))
        assert len(seen) == 1
        assert klass.school.name == "南湖区实验小学"
        assert klass.head_teacher.id == world.head_teacher
        assert len(seen) == 1  # nothing loaded lazily
        # The same identity as the ORM's, and nothing to write back.
        assert db.session.get(SchoolClass, world.class_a1) is klass
        assert not db.session.dirty and not db.session.new
        db.session.flush()
        assert len(seen) == 1


def test_changes_to_a_fast_loaded_object_are_saved(app, world):
    with app.app_context():
        klass = fastload.get(SchoolClass, world.class_a1)
        klass.enrolment_year = 2019
        assert klass in db.session.dirty
        db.session.commit()
        db.session.remove()
        assert db.session.get(SchoolClass, world.class_a1).enrolment_year == 2019


def test_relationships_not_loaded_here_load_lazily(app, world):
    with app.app_context():
        klass = fastload.get(SchoolClass, world.class_a1)
        assert klass.school.name == "南湖区实验小学"
        assert klass.grade.level == 3


def test_a_missing_row_or_an_empty_relation_is_none(app, world):
    with app.app_context():
        assert fastload.get(SchoolClass, 10**6) is None
        klass = fastload.get(SchoolClass, world.class_a1)
        klass.head_teacher_id = None
        db.session.commit()
        db.session.remove()
        klass = fastload.get(SchoolClass, world.class_a1, ("head_teacher",))
        assert klass.head_teacher is None


def test_a_collection_loads_with_its_owner(app, world, statements):
    seen = statements
    with app.app_context():
        user = fastload.get(User, world.principal, collection="roles")
        assert sorted(r.role for r in user.roles) == sorted([Role.PRINCIPAL, Role.TEACHER])
        assert user.has_role(Role.PRINCIPAL, world.school_a)
        assert len(seen) == 1
        # Without roles, the collection is empty, not missing.
        db.session.remove()
        bare = fastload.get(User, world.parent, collection="roles")
        assert [r.role for r in bare.roles] == [Role.GUARDIAN]


def test_an_object_already_in_the_session_is_returned_as_it_is(app, world):
    with app.app_context():
        klass = db.session.get(SchoolClass, world.class_a1)
        klass.number = 9  # not yet flushed
        again = fastload.get(SchoolClass, world.class_a1, ("school",))
        assert again is klass and again.number == 9


def test_execute_flushes_pending_changes_first(app, world):
    from sqlalchemy import select

    with app.app_context():
        klass = db.session.get(SchoolClass, world.class_a1)
        klass.number = 7
        number = fastload.execute(
            select(SchoolClass.number).where(SchoolClass.id == world.class_a1)
        ).scalar()
        assert number == 7
        db.session.rollback()


def test_an_object_already_in_the_session_keeps_its_own_relations(app, world):
    with app.app_context():
        klass = db.session.get(SchoolClass, world.class_a1)
        klass.head_teacher_id = world.other_class_teacher  # changed, not flushed
        again = fastload.get(SchoolClass, world.class_a1, ("head_teacher",))
        assert again is klass
        assert again.head_teacher.id == world.other_class_teacher
        db.session.rollback()
