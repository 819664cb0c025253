"""The dashboards with drill-down (issue 18 items 1 and 9): the numbers agree from class to
region on generated data, each against counts made record by record; a city's bureau sees its
subtree and nothing else; the tables export as .xlsx; a class's page shows each share as
"met / total" and leads its school's leaders to the families behind it."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date, datetime

import openpyxl
from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import rules
from gridapp.contacts.models import (
    LOW_RATING,
    Contact,
    ContactEvaluation,
    ContactFamily,
    ContactForm,
    ContactStatus,
)
from gridapp.core.time import SHANGHAI
from gridapp.demo import bulk
from gridapp.extensions import db
from gridapp.people.models import ClassPlacement, Student, StudentStatus
from gridapp.reports import dashboards, snapshots
from gridapp.reports.extras import Extras
from gridapp.reviews.models import AcademicReview
from gridapp.schools.models import (
    District,
    Region,
    RegionLevel,
    School,
    SchoolClass,
    Semester,
)

from .. import factories as f

DAY = date(2026, 11, 23)  # inside the demo calendar's third semester


def _same(a: rules.CoverageRow, b: rules.CoverageRow) -> None:
    assert (a.students, a.home_visits) == (b.students, b.home_visits)
    keys = set(a.shares) | set(b.shares)
    for k in keys:
        sa, sb = a.shares.get(k, rules.Share(0, 0)), b.shares.get(k, rules.Share(0, 0))
        assert (sa.met, sa.total) == (sb.met, sb.total), k


def _add_evaluations_and_reviews(seed: int) -> None:
    """Parents' evaluations of a third of the door visits and phone calls, and published
    reviews for half the students (the bulk demo writes neither)."""
    rng = random.Random(seed)
    parent = db.session.scalar(select(User.id).where(User.username == "parent"))
    contacts = db.session.execute(select(Contact.id, Contact.school_id).order_by(Contact.id)).all()
    for contact_id, school_id in contacts:
        if rng.random() < 0.33:
            db.session.add(
                ContactEvaluation(contact_id=contact_id, guardian_user_id=parent,
                                  school_id=school_id, rating=rng.randint(1, 5))
            )  # fmt: skip
    for school_id in db.session.scalars(select(School.id)):
        period = rules.period_for(school_id, DAY)
        teacher = db.session.scalar(
            select(UserRole.user_id).where(
                UserRole.school_id == school_id, UserRole.role == Role.TEACHER
            )
        )
        students = db.session.execute(
            select(Student.id, Student.class_id).where(Student.school_id == school_id)
        ).all()
        for student_id, class_id in students:
            if rng.random() < 0.5:
                published = datetime(2026, 11, 1, tzinfo=SHANGHAI) if rng.random() < 0.8 else None
                db.session.add(
                    AcademicReview(school_id=school_id, class_id=class_id, student_id=student_id,
                                   teacher_id=teacher, semester_id=period.semester_id, text="述评",
                                   published_at=published)
                )  # fmt: skip
    db.session.commit()


def _counted_by_hand(school_id: int) -> dict[int, Extras]:
    """Each class's `Extras` counted record by record in Python, from the rows themselves."""
    period = rules.period_for(school_id, DAY)
    students = db.session.scalars(
        select(Student).where(
            Student.school_id == school_id, Student.status == StudentStatus.ACTIVE
        )
    ).all()
    classes_of_family: dict[int, set[int]] = defaultdict(set)
    out: dict[int, Extras] = defaultdict(Extras)
    for s in students:
        classes_of_family[s.family_id].add(s.class_id)
        out[s.class_id].review_students += 1
    published = {
        r.student_id
        for r in db.session.scalars(
            select(AcademicReview).where(AcademicReview.semester_id == period.semester_id)
        )
        if r.published_at is not None
    }
    for s in students:
        if s.id in published:
            out[s.class_id].reviewed += 1
    counting = {ContactStatus.REVIEWED} if period.reviewed_only else None
    # The year: the windows of its semesters (a contact in a holiday counts for one of them).
    year_windows = [
        rules.semester_window(school_id, sem.id)
        for sem in db.session.scalars(select(Semester).where(Semester.school_id == school_id))
        if period.year_starts_on <= sem.starts_on <= period.year_ends_on
    ]
    # Every student of the school (also those who left) and their placements.
    children: dict[int, list[Student]] = defaultdict(list)
    for s in db.session.scalars(select(Student).where(Student.school_id == school_id)):
        children[s.family_id].append(s)
    placements: dict[int, list[ClassPlacement]] = defaultdict(list)
    for pl in db.session.scalars(select(ClassPlacement)):
        placements[pl.student_id].append(pl)

    def class_on(student: Student, day: date) -> int | None:
        held = placements[student.id]
        if not held:
            return student.class_id if student.status == StudentStatus.ACTIVE else None
        for pl in held:
            if pl.from_on <= day and (pl.to_on is None or pl.to_on > day):
                return pl.class_id
        return None

    families_of: dict[int, set[int]] = defaultdict(set)
    for cf in db.session.scalars(select(ContactFamily)):
        families_of[cf.contact_id].add(cf.family_id)
    evaluations: dict[int, list[int]] = defaultdict(list)
    for e in db.session.scalars(select(ContactEvaluation)):
        evaluations[e.contact_id].append(e.rating)
    # Any school's door visit to a family counts (as in the engine); evaluations are the school's.
    for c in db.session.scalars(select(Contact)):
        counts = (
            c.status in counting
            if counting
            else c.status not in (ContactStatus.WITHDRAWN, ContactStatus.RETURNED)
        )
        if not counts:
            continue
        classes = set().union(*(classes_of_family[fam] for fam in families_of[c.id]))
        in_year = c.contact_on <= DAY and any(a <= c.contact_on <= b for a, b in year_windows)
        in_semester = period.counts_from <= c.contact_on <= period.counts_until
        if c.form == ContactForm.HOME_VISIT and in_year:
            # In the class each child was in on the day of the visit.
            for class_id in {
                class_on(s, c.contact_on) for fam in families_of[c.id] for s in children[fam]
            } - {None}:
                out[class_id].year_home_visits += 1
        for class_id in classes:
            if in_semester and c.school_id == school_id:
                for rating in evaluations[c.id]:
                    out[class_id].evaluations += 1
                    out[class_id].rating_sum += rating
                    out[class_id].low_ratings += rating <= LOW_RATING
    return out


def test_numbers_agree_from_class_to_province(app):
    """A school's figure is the sum over its classes, a district's over its schools, a city's
    over its districts, a province's over its cities; each class's against the live engine and
    against counts made record by record (issue 18 item 9)."""
    with app.app_context():
        bulk.build(seed=11, schools=3, students_per_school=60, today=DAY)
        city = db.session.scalar(select(Region).where(Region.level == RegionLevel.CITY))
        province = city.parent
        # A second district of the city takes the third school.
        second = District(name="秀洲区教育局", code="XZ", region_id=city.id)
        db.session.add(second)
        db.session.flush()
        schools = db.session.scalars(select(School).order_by(School.id)).all()
        schools[2].district_id = second.id
        db.session.commit()
        _add_evaluations_and_reviews(11)

        school_totals = {}
        for school in schools:
            kept = snapshots.school_figures([school.id], DAY)[school.id]
            period = rules.period_for(school.id, DAY)
            live = rules.class_coverage(period)
            assert set(kept.classes) == set(live)
            for class_id, row in kept.classes.items():
                _same(row, live[class_id])
            _same(kept.row, rules.total(kept.classes.values()))
            by_hand = _counted_by_hand(school.id)
            for class_id in kept.classes:
                assert kept.class_extras[class_id] == by_hand[class_id], class_id
            assert kept.extras == sum((by_hand[c] for c in kept.classes), Extras())
            assert kept.extras.evaluations and kept.extras.reviewed and kept.extras.year_home_visits
            assert kept.extras.year_home_visits >= kept.row.home_visits  # the year holds the term
            school_totals[school.id] = (kept.row, kept.extras)
        db.session.commit()

        districts = db.session.scalars(select(District).order_by(District.id)).all()
        district_rows = {r.key: r for r in dashboards.district_rows(districts, DAY)}
        for d in districts:
            mine = [s.id for s in schools if s.district_id == d.id]
            _same(district_rows[d.id].row, rules.total(school_totals[i][0] for i in mine))
            assert district_rows[d.id].extras == sum((school_totals[i][1] for i in mine), Extras())
            assert district_rows[d.id].schools == len(mine)
        city_rows = dashboards.region_rows(city, DAY)
        assert [r.key for r in city_rows] == sorted(
            (d.id for d in districts), key=lambda i: next(d.name for d in districts if d.id == i)
        )
        province_rows = dashboards.region_rows(province, DAY)
        assert [(r.kind, r.key) for r in province_rows] == [("region", city.id)]
        everything = dashboards.add_up("region", province.id, province.name, province_rows)
        _same(everything.row, rules.total(r.row for r in district_rows.values()))
        _same(everything.row, rules.total(t[0] for t in school_totals.values()))
        assert everything.extras == sum((t[1] for t in school_totals.values()), Extras())
        assert everything.schools == 3


def _bureau(world, region_id: int, username: str) -> str:
    user = f.UserFactory(username=username, district_id=world.district)
    user.roles.append(UserRole(role=Role.DISTRICT_SUPERVISOR, region_id=region_id))
    db.session.commit()
    return username


def test_a_city_bureau_sees_its_subtree_and_nothing_above(app, client, login, world):
    with app.app_context():
        elsewhere = Region(
            name="湖城市", code="W-C2", level=RegionLevel.CITY, parent_id=world.province
        )
        db.session.add(elsewhere)
        db.session.flush()
        elsewhere_id = elsewhere.id
        login(_bureau(world, world.city, "city_bureau"))
    page = client.get(f"/regions/{world.city}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "南湖区教育局" in html and "秀洲区教育局" in html
    assert f"/districts/{world.other_district}" in html
    assert client.get(f"/regions/{world.province}").status_code == 404
    assert client.get(f"/regions/{elsewhere_id}").status_code == 404
    assert client.get(f"/districts/{world.other_district}").status_code == 200
    assert client.get(f"/schools/{world.school_c}/dashboard").status_code == 200
    assert client.get(f"/classes/{world.class_c1}/dashboard").status_code == 200
    # The district pages cover the city's schools; it drills down to the families of its
    # subtree's schools (names and counts), as the district's own bureau does.
    assert "秀洲区实验小学" in client.get("/district/coverage").get_data(as_text=True)
    families = f"/schools/{world.school_a}/coverage/families?rule=teacher"
    assert client.get(families).status_code == 200
    home = client.get("/district")
    assert home.status_code == 302 and home.headers["Location"].endswith(f"/regions/{world.city}")


def test_a_province_bureau_drills_down_to_a_class(app, client, login, world):
    with app.app_context():
        login(_bureau(world, world.province, "province_bureau"))
    html = client.get(f"/regions/{world.province}").get_data(as_text=True)
    assert f"/regions/{world.city}" in html and "嘉禾市" in html
    html = client.get(f"/regions/{world.city}").get_data(as_text=True)
    assert f"/regions/{world.province}" in html  # the way back up
    html = client.get(f"/districts/{world.district}").get_data(as_text=True)
    assert f"/schools/{world.school_a}/dashboard" in html
    html = client.get(f"/schools/{world.school_a}/dashboard").get_data(as_text=True)
    assert f"/classes/{world.class_a1}/dashboard" in html


def test_a_district_sees_its_own_dashboard_linked_from_its_ranking(client, login, world):
    login(world.district_supervisor_name)
    html = client.get("/district").get_data(as_text=True)
    assert "南湖区实验小学" in html and "秀洲区实验小学" not in html
    assert f"/schools/{world.school_a}/dashboard" in html
    assert "/district/coverage" in html
    assert "/district" in client.get("/district/coverage").get_data(as_text=True)
    assert client.get(f"/districts/{world.other_district}").status_code == 404


def test_class_dashboard_shows_counts_and_leads_leaders_to_the_families(client, login, world):
    login(world.principal_name)
    html = client.get(f"/classes/{world.class_a1}/dashboard").get_data(as_text=True)
    assert " / " in html and "王小明" not in html
    assert f"coverage/families?rule=teacher&amp;class_id={world.class_a1}&amp;met=0" in html
    login(world.subject_teacher_name)
    html = client.get(f"/classes/{world.class_a1}/dashboard").get_data(as_text=True)
    assert "coverage/families" not in html


def test_dashboards_export_their_tables_as_xlsx(app, client, login, world):
    with app.app_context():
        login(_bureau(world, world.city, "city_xlsx"))
    r = client.get(f"/regions/{world.city}?format=xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws.cell(row=2, column=1).value == "区县"
    names = [ws.cell(row=i, column=1).value for i in range(3, ws.max_row + 1)]
    assert names == ["南湖区教育局", "秀洲区教育局", "合计"]
    students = [ws.cell(row=i, column=4).value for i in range(3, 6)]
    assert all(isinstance(n, int) for n in students) and students[2] == sum(students[:2])
    login(world.principal_name)
    r = client.get(f"/classes/{world.class_a1}/dashboard?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = {ws.cell(row=i, column=1).value: i for i in range(3, ws.max_row + 1)}
    assert "学业述评" in rows and isinstance(ws.cell(row=rows["学业述评"], column=3).value, int)


def test_a_supervisor_without_a_region_keeps_the_old_constraint(app, world):
    """Only a supervisor names a region (the database refuses it on any other role)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        user = db.session.get(User, world.district_admin)
        user.roles.append(UserRole(role=Role.DISTRICT_ADMIN, region_id=world.city, school_id=None))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(SchoolClass, world.class_a1) is not None


def test_a_school_left_out_of_the_sums_is_said(app, client, login, world):
    """A school without a semester has no figures: the sums say one school is not in them."""
    with app.app_context():
        f.SchoolFactory(district=db.session.get(District, world.district), name="南湖区新建小学")
        db.session.commit()
    login(world.district_supervisor_name)
    html = client.get("/district").get_data(as_text=True)
    assert "另有 1 所学校未计入" in html
    with app.app_context():
        login(_bureau(world, world.city, "city_left_out"))
    assert "另有 1 所学校未计入" in client.get(f"/regions/{world.city}").get_data(as_text=True)


def test_the_school_dashboard_shows_the_years_parent_school_and_obligations(client, login, world):
    """Issue 18 item 1, "parent-school participation (once it exists)", and the teachers'
    六个一 (issue 19): figures of the school year, linked to the pages behind them."""
    login(world.principal_name)
    html = client.get(f"/schools/{world.school_a}/dashboard").get_data(as_text=True)
    assert "家长学校：达到课时要求的家庭" in html and "六个一全部完成的教师" in html
    assert f"/schools/{world.school_a}/parent-school" in html
    assert f"/schools/{world.school_a}/obligations" in html
    login(world.district_supervisor_name)
    html = client.get(f"/schools/{world.school_a}/dashboard").get_data(as_text=True)
    assert "六个一全部完成的教师" in html
    assert f"/schools/{world.school_a}/obligations" not in html  # the leaders' page
