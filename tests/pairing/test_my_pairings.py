"""What a paired teacher owes, where they see it (issue 16 item 5): /my/pairings (overdue first,
then the soonest), the home page's "结对帮扶" box and the worklist's section; nothing and no query
more for a teacher who holds no pairing."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.pairing import reminders, services
from gridapp.people.models import Student

from .. import factories as f
from .paired import make_pairing

TODAY = date(2026, 11, 23)


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _two_pairings(ctx, world):
    """`student` paired on 1 November (its plan is due 15 November: overdue) and a second
    student, 阿明 (first in pinyin order), paired on 20 November (plan due 4 December)."""
    w = make_pairing(world)
    teacher = ctx.get(User, w.paired_teacher)
    second = f.StudentFactory(school_class=ctx.get(Student, w.student).school_class, name="阿明")
    [p2] = services.pair(ctx.get(User, w.principal), w.school_a, teacher.id, [second.id],
                         date(2026, 11, 20), TODAY)  # fmt: skip
    ctx.commit()
    return w, p2.id


def test_a_teacher_without_pairings_sees_the_empty_state(client, login, world):
    login(world.subject_teacher_name)
    html = client.get("/my/pairings").get_data(as_text=True)
    assert "您目前没有结对学生" in html


def test_my_pairings_lists_overdue_first_then_the_soonest(client, login, ctx, world):
    w, second = _two_pairings(ctx, world)
    login(w.paired_teacher_name)
    html = client.get("/my/pairings").get_data(as_text=True)
    assert html.index("王小明") < html.index("阿明")  # overdue before pinyin order
    assert "已逾期（2026-11-15）" in html and "截止 2026-12-04" in html
    assert f'href="/pairings/{w.pairing}"' in html and f'href="/pairings/{second}"' in html
    assert f'href="/pairings/{second}/plan"' in html


def test_the_home_page_box_and_the_worklist_section(client, login, ctx, world):
    w, _second = _two_pairings(ctx, world)
    login(w.paired_teacher_name)
    home = client.get("/").get_data(as_text=True)
    assert "结对帮扶" in home and "王小明：制定帮扶计划" in home and "阿明：制定帮扶计划" in home
    assert home.index("王小明：制定帮扶计划") < home.index("阿明：制定帮扶计划")
    worklist = client.get("/worklist").get_data(as_text=True)
    assert "王小明：制定帮扶计划" in worklist and "已逾期（2026-11-15）" in worklist
    # Due beyond two weeks (the log entries, 1 and 20 December) are on /my/pairings only.
    assert "王小明：帮扶记录" in home and "阿明：帮扶记录" not in home


def test_nothing_and_no_query_for_a_teacher_without_the_party_flag(app, client, login, ctx, world):
    teacher = ctx.get(User, world.head_teacher)
    with count_queries(app) as statements:
        assert reminders.soon_due(teacher, TODAY) == []
    assert statements == []
    login(world.head_teacher_name)
    assert "结对帮扶" not in client.get("/").get_data(as_text=True)
    assert "结对帮扶" not in client.get("/worklist").get_data(as_text=True)


def test_the_home_page_queries_do_not_grow_with_the_pairings(app, client, login, ctx, world):
    w = make_pairing(world)
    login(w.paired_teacher_name)
    client.get("/")
    with count_queries(app) as one:
        client.get("/")
    teacher = ctx.get(User, w.paired_teacher)
    for name in ("甲", "乙", "丙"):
        s = f.StudentFactory(school_class=ctx.get(Student, w.student).school_class, name=name)
        services.pair(ctx.get(User, w.principal), w.school_a, teacher.id, [s.id],
                      date(2026, 11, 2), TODAY, over_cap_confirmed=True)  # fmt: skip
    ctx.commit()
    client.get("/")  # the signed-in user loaded again after the commit, as before `one`
    with count_queries(app) as four:
        html = client.get("/").get_data(as_text=True)
    assert "丙：制定帮扶计划" in html
    assert len(four) == len(one), "\n".join(
        s[:150].replace("\n", " ") for s in one + ["----"] + four
    )
