"""Contact coverage: the school's ranking and the families behind a figure, the district's ranking
of its schools, and a constant number of queries whatever the school's size."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.schools.models import School

from .. import factories as f

TODAY = date(2026, 11, 23)


def test_coverage_drill_down_lists_the_families_behind_a_number(client, login, world):
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "三年级（1）班" in page and "班级排名" in page
    owed = client.get(
        f"/schools/{world.school_a}/coverage/families?rule=remote&class_id={world.class_a1}"
    ).get_data(as_text=True)
    assert "张伟" in owed and "王小明" not in owed
    done = client.get(
        f"/schools/{world.school_a}/coverage/families?rule=remote&met=1&class_id={world.class_a1}"
    ).get_data(as_text=True)
    assert "王小明" in done
    # Another school's class or an unknown rule is 404, never a 500.
    for bad in (f"class_id={world.class_b1}", "rule=nope", "teacher_id=999999", "semester=77"):
        url = f"/schools/{world.school_a}/coverage/families?{bad}"
        assert client.get(url).status_code == 404, bad


def test_district_ranking_lists_its_schools(client, login, world):
    login(world.district_supervisor_name)
    page = client.get("/district/coverage").get_data(as_text=True)
    assert "南湖区实验小学" in page and "南湖区第一初级中学" in page
    assert "秀洲区实验小学" not in page  # another district
    # Supervisors drill down from the figures to the families behind them (names and counts,
    # tests/reports/test_charts_and_excel.py), never into the records themselves.
    assert client.get(f"/schools/{world.school_a}/coverage").status_code == 200
    drill = client.get(f"/schools/{world.school_a}/coverage/families?rule=remote")
    assert drill.status_code == 200
    # Not the families behind the focus figure: they are the focus students (a hardship).
    drill = client.get(f"/schools/{world.school_a}/coverage/families?rule=focus")
    assert drill.status_code == 404
    assert "/coverage/families" in client.get(f"/schools/{world.school_a}/coverage").get_data(
        as_text=True
    )
    assert client.get(f"/contacts/{world.contact}").status_code == 404


@pytest.mark.slow(5)
def test_school_coverage_runs_a_constant_number_of_queries(app, client, login):
    """The same number of queries for a school of a dozen students and one of hundreds."""
    from gridapp import demo as demo_module

    with app.app_context():  # no app context is held during the requests (conftest)
        demo_module.build(seed=7, schools=1, today=TODAY)
        big = db.session.scalars(select(School)).one()
        tiny = f.SchoolFactory(district=big.district, name="南湖区小学分校")
        f.SemesterFactory(school_year=f.SchoolYearFactory(school=tiny))
        cls = f.SchoolClassFactory(grade=f.GradeFactory(school=tiny, level=2), number=1)
        for _ in range(12):
            f.StudentFactory(school_class=cls)
        db.session.commit()
        big_id, tiny_id = big.id, tiny.id
        n_students = db.session.scalar(
            select(db.func.count(Student.id)).where(Student.school_id == big_id)
        )
    assert n_students > 600

    def count_queries(school_id: int) -> int:
        n = [0]

        def bump(_conn, _cursor, statement, *_a, **_k):
            # The test's own transaction sends savepoints around the request's commits.
            n[0] += not statement.startswith(
                ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
            )

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", bump)
        try:
            r = client.get(f"/schools/{school_id}/coverage")
        finally:
            event.remove(engine, "before_cursor_execute", bump)
        assert r.status_code == 200
        return n[0]

    login("bureau", "gridapp-demo")
    # The first view computes the school's figures and keeps them (reports.snapshots)…
    big_n = count_queries(big_id)
    assert count_queries(tiny_id) == big_n
    # 31: the snapshot also keeps each class's year of door visits, evaluations and reviews (the
    # dashboards, issue 18), the page shows the drowning letter's reach (issue 21) and the trend
    # by week's grouped count (reports/trends.py), and reads when its snapshot was computed (the
    # key of the page kept on it, before and after).
    assert big_n <= 31, big_n
    # …the next ones read what was kept.
    kept_n = count_queries(big_id)
    assert count_queries(tiny_id) == kept_n
    assert kept_n <= 14, kept_n
