"""Each role's home page shows its work (issue 18 item 7): the principal's new and overdue cases,
today's and tomorrow's bookings, low ratings, unpaired students in need and the school's figures;
the district's schools below target and overdue cases per school, in a number of queries that
does not grow with the schools; the school admin's import and account tasks; a leader who
teaches no class is not told "您还没有任教的班级"; shares show their counts, and the on-time rate
counts open cases past their deadline as late (item 2)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from gridapp.accounts.models import Invitation, Role, User
from gridapp.cases import services as case_services
from gridapp.cases.models import CaseCategory, CaseSource
from gridapp.core.time import now, today
from gridapp.extensions import db
from gridapp.people.activation import ActivationCode
from gridapp.people.models import Student
from gridapp.reception import services as reception
from gridapp.reports import snapshots
from gridapp.roster.models import ImportJob
from gridapp.schools.models import School, StaffMember

from .. import factories as f
from ..world import reception_day

NO_CLASS = "您还没有任教的班级"


def _case(school_id: int, words: str, *, days_ago: int = 0, register: bool = True):
    """A case received `days_ago` days ago: registered (open, its deadline counted from then)
    or left collected (a new letter)."""
    return case_services.new_case(
        None, school_id, CaseSource.MAILBOX, CaseCategory.OTHER, words, subject=words,
        register=register, received_at=now() - timedelta(days=days_ago),
    )  # fmt: skip


def _tomorrows_booking(world) -> None:
    principal = db.session.get(User, world.principal)
    school = db.session.get(School, world.school_a)
    day = reception_day(principal, school, days_ahead=1)
    reception.book(
        day.slots[0],
        reception.Request(topic="想谈谈作业量", description="", token="", student_id=world.student),
        db.session.get(User, world.parent), now(),
    )  # fmt: skip


def _text(page: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_principal_who_teaches_no_class_sees_the_schools_work(client, ctx, world, login):
    _case(world.school_a, "操场灯坏了", register=False)
    overdue = _case(world.school_a, "校车总是迟到", days_ago=30)
    _case(world.school_b, "别校的逾期意见", days_ago=30)  # another school: not shown
    _tomorrows_booking(world)
    db.session.commit()
    login(world.principal_name)
    page = client.get("/").get_data(as_text=True)
    assert NO_CLASS not in page
    # New and overdue cases, each linked, with the desk behind them.
    assert "操场灯坏了" in page and "校车总是迟到" in page and "别校的逾期意见" not in page
    assert f'href="/cases/{overdue.id}"' in page
    school = world.school_a
    assert f"/schools/{school}/cases?status=collected" in page
    assert f"/schools/{school}/cases?view=overdue" in page
    # Tomorrow's booking, linked to the host's list of the day.
    assert "想谈谈作业量" in page and "明天 14:00–14:20" in page
    assert 'href="/reception/days/' in page and f"/schools/{school}/reception" in page
    # Links to the ratings, pairing and figures behind the tiles.
    for url in (
        f"/schools/{school}/contacts?low=1",
        f"/schools/{school}/pairing",
        f"/schools/{school}/coverage",
        f"/schools/{school}/pairing/coverage",
    ):
        assert url in page, url
    # Every page behind a link answers the principal.
    for url in (f"/schools/{school}/cases?view=overdue", f"/schools/{school}/reception"):
        assert client.get(url).status_code == 200, url


def test_the_on_time_rate_counts_open_cases_past_their_deadline_as_late(client, ctx, world, login):
    answered = _case(world.school_a, "食堂菜太咸")
    principal = db.session.get(User, world.principal)
    case_services.reply(principal, answered, "已经和食堂沟通，减少用盐。")
    _case(world.school_a, "校车总是迟到", days_ago=30)
    db.session.commit()
    login(world.principal_name)
    page = _text(client.get("/").get_data(as_text=True))
    # One answered on time, one open and overdue (the world's relayed case is open, not late).
    assert "按期答复率 50%（1 / 2，办理中已超期的计为逾期）" in page


def test_the_principal_sees_kept_figures_with_their_counts(client, ctx, world, login):
    snapshots.refresh_all(today())
    db.session.commit()
    login(world.principal_name)
    page = _text(client.get("/").get_data(as_text=True))
    assert "家访统计正在计算" not in page
    # The world's school A: 3 students in two classes, none visited yet; each share with its count.
    assert "任课教师每学期联系 0 / " in page
    assert "已结对 0 / 0" in page
    # Each share drills down to the families behind it.
    raw = client.get("/").get_data(as_text=True)
    behind = f"/schools/{world.school_a}/coverage/families?rule=teacher&amp;met=0"
    assert behind in raw
    assert client.get(behind.replace("&amp;", "&")).status_code == 200


def test_a_teacher_without_a_class_still_sees_the_empty_state(client, ctx, world, login):
    school = db.session.get(School, world.school_a)
    f.UserFactory(username="new_teacher", district_id=school.district_id,
                  grants=[(Role.TEACHER, school)])  # fmt: skip
    db.session.commit()
    login("new_teacher")
    page = client.get("/").get_data(as_text=True)
    assert NO_CLASS in page and "今日工作" not in page


def test_the_district_sees_schools_below_target_and_overdue_cases(client, ctx, world, login):
    _case(world.school_b, "校车总是迟到", days_ago=30)
    _case(world.school_b, "作业太多", days_ago=30)
    _case(world.school_c, "别区的逾期意见", days_ago=30)  # another district
    snapshots.refresh_all(today())
    db.session.commit()
    login(world.district_supervisor_name)
    page = client.get("/").get_data(as_text=True)
    text = _text(page)
    assert "家访未达标学校" in page and "南湖区实验小学" in page
    assert f'href="/schools/{world.school_a}/coverage"' in page
    assert "任课教师每学期联系 0 / " in text  # the weakest rule with its count
    assert "南湖区第一初级中学 2 条" in text and "别区的逾期意见" not in page
    assert "秀洲区实验小学" not in page
    assert 'href="/district/cases"' in page and 'href="/district/coverage"' in page
    assert NO_CLASS not in page
    assert client.get(f"/schools/{world.school_a}/coverage").status_code == 200
    assert client.get("/district/cases").status_code == 200
    # The district's admin holds the same section.
    login(world.district_admin_name)
    assert "家访未达标学校" in client.get("/").get_data(as_text=True)


def _count_home_queries(client) -> int:
    counted = [0]

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            counted[0] += 1

    engine = db.engine
    client.get("/")  # the first request warms the process's caches
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counted[0]


def _schools_with_work(district, n: int) -> None:
    """`n` more schools of `district`, each with a semester, a class, a student and an
    overdue case, their coverage kept."""
    for _i in range(n):
        school = f.SchoolFactory(district=district)
        f.SemesterFactory(school_year=f.SchoolYearFactory(school=school))
        school_class = f.SchoolClassFactory(grade=f.GradeFactory(school=school, level=3))
        f.StudentFactory(school_class=school_class)
        _case(school.id, "逾期意见", days_ago=30)
    snapshots.refresh_all(today())
    db.session.commit()


def test_the_district_home_queries_do_not_grow_with_the_schools(client, ctx, world, login):
    district = db.session.get(School, world.school_a).district
    _schools_with_work(district, 2)
    login(world.district_supervisor_name)
    few = _count_home_queries(client)
    assert "逾期未办意见" in client.get("/").get_data(as_text=True)
    _schools_with_work(district, 5)
    many = _count_home_queries(client)
    assert many == few, (few, many)
    assert few <= 25


def test_the_principal_home_queries_are_few(client, ctx, world, login):
    _case(world.school_a, "校车总是迟到", days_ago=30)
    _tomorrows_booking(world)
    snapshots.refresh_all(today())
    db.session.commit()
    login(world.principal_name)
    assert _count_home_queries(client) <= 35


def test_the_school_admin_sees_import_and_account_tasks(client, ctx, world, login):
    school = db.session.get(School, world.school_a)
    newcomer = f.UserFactory(username="newcomer", district_id=school.district_id,
                             password_hash=None, grants=[(Role.TEACHER, school)])  # fmt: skip
    db.session.add(StaffMember(school_id=school.id, user_id=newcomer.id, staff_number="T900"))
    db.session.add(Invitation(user_id=newcomer.id, token_hash="x" * 64,
                              expires_at=now() + timedelta(days=7)))  # fmt: skip
    db.session.add(ImportJob(requester_id=world.school_admin, school_id=school.id,
                             kind="students", filename="三年级名单.xlsx", status="failed",
                             message="第 3 行：缺少学号"))  # fmt: skip
    db.session.add(ActivationCode(guardian_id=world.other_guardian, code_hash="y" * 64,
                                  school_id=school.id, issued_at=now() - timedelta(days=40),
                                  expires_at=now() - timedelta(days=10)))  # fmt: skip
    db.session.commit()
    login(world.school_admin_name)
    page = _text(client.get("/").get_data(as_text=True))
    assert NO_CLASS not in page
    assert "1 位教职工还没有设置密码" in page and "其中 1 位的链接仍有效" in page
    assert "最近一次名单导入（三年级名单.xlsx）失败：第 3 行：缺少学号" in page
    assert "1 位家长的激活码还没有使用" in page and "其中 1 个已过期" in page
    raw = client.get("/").get_data(as_text=True)
    assert f'href="/schools/{school.id}/staff/import"' in raw
    assert 'href="/roster/import-jobs/' in raw
    # Another school's admin sees none of it.
    login("other_school_admin")
    assert "三年级名单" not in client.get("/").get_data(as_text=True)


def test_the_parent_still_sees_what_waits_and_no_school_work(client, ctx, world, login):
    login(world.parent_name)
    page = client.get("/").get_data(as_text=True)
    assert "我的接待日预约" in page and "等您评价" in page
    assert 'href="/reception"' in page  # every booking, beyond the next few listed
    assert "今日工作" not in page and "督查工作" not in page and NO_CLASS not in page
    assert db.session.get(Student, world.student) is not None
