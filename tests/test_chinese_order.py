"""Chinese order (issue 22, item 6): grades and classes by level and number, never by their
names' code points (一年级, 三年级, 二年级 …); people's names in pinyin order (阿, 白, 李, 曾, 张),
the same on SQLite and PostgreSQL, from the key stored when the name is written."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.accounts.models import Role, User
from gridapp.core import text
from gridapp.people.models import Guardian, Student
from gridapp.schools.models import School, SchoolClass

from . import factories as f

PINYIN = ["阿依古丽", "白雪", "李芳芳", "曾小贤", "张一山"]  # a, bai, li, zeng, zhang
# Their code points put them in another order: 张 5F20, 李 674E, 曾 66FE, 白 767D, 阿 963F.


def _positions(html: str, names: list[str]) -> list[int]:
    found = [html.find(n) for n in names]
    assert all(i >= 0 for i in found), [n for n, i in zip(names, found, strict=True) if i < 0]
    return found


def _in_order(html: str, names: list[str]) -> bool:
    found = _positions(html, names)
    return found == sorted(found)


def test_name_sort_key_orders_by_pinyin_then_tone_then_character():
    names = ["张伟", "章伟", "张三丰", "张三", "李", "林", "曾小贤", "阿卜杜拉·艾力", "Li Ming"]
    assert sorted(names, key=text.name_sort_key) == [
        "阿卜杜拉·艾力", "Li Ming", "李", "林", "曾小贤", "张三", "张三丰", "张伟", "章伟",
    ]  # fmt: skip
    key = text.name_sort_key("阿卜杜拉・艾力")
    assert key == text.name_sort_key("阿卜杜拉·艾力") and key.isascii() and key.isalnum()


def test_the_key_is_kept_whoever_writes_a_name(ctx, world):
    student = ctx.get(Student, world.student)
    student.name = "曾　小贤"
    guardian = ctx.get(Guardian, world.guardian)
    guardian.name, guardian.mobile = "阿依古丽・买买提", "+86 139 0000 1111"
    ctx.flush()
    assert (student.name, student.name_key) == ("曾小贤", text.name_sort_key("曾小贤"))
    assert guardian.name == "阿依古丽·买买提" and guardian.mobile == "13900001111"
    assert guardian.name_key == text.name_sort_key("阿依古丽·买买提")


def _classes_with_owed_families(ctx, world):
    """Classes 五年级（1）班, 一年级（1）班, 二年级（3）班, 二年级（12）班 in school A (made in
    that order, so neither ids nor names give the right order), each with a student and its
    head teacher."""
    school = ctx.get(School, world.school_a)
    made = []
    for level, number in ((5, 1), (1, 1), (2, 12), (2, 3)):
        grade = next((g for g in school.grades if g.level == level), None)
        grade = grade or f.GradeFactory(school=school, level=level)
        head = f.UserFactory(grants=[(Role.TEACHER, school)], district_id=school.district_id)
        cls = f.SchoolClassFactory(grade=grade, number=number, head_teacher=head)
        f.StudentFactory(school_class=cls, name=f"学生{level}{number}")
        made.append(cls)
    ctx.flush()
    return made


def test_coverage_families_list_classes_by_grade_level_and_number(client, ctx, world, login):
    _classes_with_owed_families(ctx, world)
    login(world.principal_name)
    expected = [
        "一年级（1）班",
        "二年级（3）班",
        "二年级（12）班",
        "三年级（1）班",
        "五年级（1）班",
    ]
    for rule in ("teacher", "remote"):
        url = f"/schools/{world.school_a}/coverage/families?rule={rule}&met=0"
        html = client.get(url).get_data(as_text=True)
        body = html[html.find("<main") :]
        assert _in_order(body, expected), (rule, _positions(body, expected))


def test_owed_students_and_families_in_pinyin_order(client, ctx, world, login):
    cls = ctx.get(SchoolClass, world.class_a1)
    for name in reversed(PINYIN):
        f.StudentFactory(school_class=cls, name=name)
    ctx.flush()
    login(world.principal_name)
    for rule in ("remote", "teacher"):
        url = f"/schools/{world.school_a}/coverage/families?rule={rule}&class_id={cls.id}"
        html = client.get(url).get_data(as_text=True)
        assert _in_order(html, PINYIN), (rule, _positions(html, PINYIN))


def test_lists_of_staff_are_in_pinyin_order(client, ctx, world, login):
    school = ctx.get(School, world.school_a)
    for i, name in enumerate(reversed(PINYIN)):
        f.UserFactory(
            username=f"order{i}", name=f"{name}老师", district_id=school.district_id,
            grants=[(Role.TEACHER, school)],
        )  # fmt: skip
    ctx.flush()
    teachers = [f"{n}老师" for n in PINYIN]
    login(world.school_admin_name)
    html = client.get(f"/admin/users?school={world.school_a}&q=老师").get_data(as_text=True)
    assert _in_order(html, teachers)
    client.post("/logout")
    login(world.principal_name)
    # The staff a case can be assigned to, and the teachers a class can be given.
    html = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert _in_order(html, teachers)
    stored = ctx.scalars(
        select(User.name).where(User.name.in_(teachers)).order_by(User.name_key, User.id)
    ).all()
    assert stored == teachers
