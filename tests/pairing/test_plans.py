"""The support plan (一生一案, issue 16 item 3): each save a new version, earlier ones kept and
shown as a difference; two saves from the same version: one wins, the other is told to reload;
bad input 422 beside the field with everything typed kept; every view audited."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.core.errors import RuleViolation
from gridapp.extensions import db
from gridapp.pairing import plans
from gridapp.pairing.models import HelpKind, Pairing, SupportPlanVersion

from ..concurrency import race, refusals
from ..form_checks import assert_shown_again
from ..test_forms_fuzz import FUZZ, NUL, _check, date_text, text
from .paired import make_pairing


def plan_form(base=0, **over) -> dict:
    data = {
        "base_version": str(base),
        "situation": "父母在外务工，随祖父母生活，数学成绩落后",
        "goal_thought": "",
        "goal_study": "每周辅导数学两次",
        "goal_psychology": "",
        "goal_life": "",
        "actions-0-kind": "study",
        "actions-0-what": "每周二、四放学后辅导数学",
        "actions-0-due_on": "2026-12-31",
        "actions-1-kind": "thought",
        "actions-1-what": "",
        "actions-1-due_on": "",
        "review_on": "2027-01-23",
        "note": "",
    }
    data.update(over)
    return data


@pytest.fixture
def w(ctx, world):
    return make_pairing(world)


def _versions(ctx, pairing_id):
    ctx.expire_all()
    q = select(SupportPlanVersion).where(SupportPlanVersion.pairing_id == pairing_id)
    return sorted(ctx.scalars(q), key=lambda v: v.version)


def test_the_form_starts_with_the_semester_end_as_review_date(client, login, w):
    login(w.paired_teacher_name)
    html = client.get(f"/pairings/{w.pairing}/plan").get_data(as_text=True)
    assert "制定帮扶计划" in html and 'value="2027-01-23"' in html
    assert html.count('name="actions-') >= 3 * 3  # three empty rows, three fields each


def test_each_save_is_a_new_version_and_the_difference_is_shown(client, login, ctx, w):
    login(w.paired_teacher_name)
    r = client.post(f"/pairings/{w.pairing}/plan", data=plan_form())
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/pairings/{w.pairing}#plan")
    [v1] = _versions(ctx, w.pairing)
    assert v1.version == 1 and v1.goals == {"study": "每周辅导数学两次"}
    assert v1.actions == [{"kind": "study", "what": "每周二、四放学后辅导数学",
                           "due_on": "2026-12-31"}]  # fmt: skip
    assert v1.review_on == date(2027, 1, 23) and v1.semester_id == w.semester_a
    # The form opens on the current version, its actions filled in.
    html = client.get(f"/pairings/{w.pairing}/plan").get_data(as_text=True)
    assert (
        "每周二、四放学后辅导数学" in html and 'name="base_version" type="hidden" value="1"' in html
    )
    r = client.post(f"/pairings/{w.pairing}/plan", data=plan_form(
        1, goal_study="每周辅导数学和语文", goal_life="保证午餐", note="加上语文"))  # fmt: skip
    assert r.status_code == 303
    v1, v2 = _versions(ctx, w.pairing)
    assert v2.version == 2 and v2.note == "加上语文" and v1.goals == {"study": "每周辅导数学两次"}
    html = client.get(f"/pairings/{w.pairing}/plan/versions?a=1&b=2").get_data(as_text=True)
    assert "<ins>和语文</ins>" in html and "<ins>保证午餐</ins>" in html
    assert "（未修改）" in html  # the situation
    # The detail page shows the latest version and links to the versions.
    html = client.get(f"/pairings/{w.pairing}").get_data(as_text=True)
    assert "第 2 版" in html and "保证午餐" in html and "历史版本与修改对比" in html


def test_a_save_from_an_old_version_is_told_to_reload(client, login, ctx, w):
    login(w.paired_teacher_name)
    assert client.post(f"/pairings/{w.pairing}/plan", data=plan_form()).status_code == 303
    # A second window opened before that save still says version 0.
    html = assert_shown_again(client, f"/pairings/{w.pairing}/plan",
                              plan_form(0, situation="另一个窗口写的情况"), ["另一个窗口写的情况"])  # fmt: skip
    assert "其他人已保存了新的版本" in html
    assert len(_versions(ctx, w.pairing)) == 1


def test_two_saves_at_once_keep_one_version(ctx, w, monkeypatch):
    """Both passed the check before either wrote (the check is only a courtesy): the unique
    (pairing_id, version) constraint refuses the second, with the same message."""
    teacher = ctx.get(User, w.paired_teacher)
    pairing = ctx.get(Pairing, w.pairing)
    data = plans.PlanData("情况", {HelpKind.STUDY: "目标"}, [], date(2027, 1, 1))
    plans.revise(teacher, pairing, data, date(2026, 11, 23))
    monkeypatch.setattr(plans, "latest", lambda pairing_id: None)
    with pytest.raises(RuleViolation, match="其他人已保存"):
        plans.revise(teacher, pairing, data, date(2026, 11, 23))
    assert [v.version for v in _versions(ctx, w.pairing)] == [1]


@pytest.mark.parametrize(
    "over, field_message, typed",
    [
        ({"review_on": "2026-11-22"}, "下次评估日期不能早于今天", "2026-11-22"),
        ({"review_on": ""}, "请输入有效日期", "父母在外务工"),
        ({"situation": ""}, "请填写学生情况", "每周辅导数学两次"),
        ({"goal_study": ""}, "请至少填写一项帮扶目标", "父母在外务工"),
        ({"actions-0-due_on": "2026-02-30"}, "不是有效的日期值", "2026-02-30"),
        ({"actions-0-due_on": ""}, "请输入有效日期", "每周二、四放学后辅导数学"),
        ({"actions-1-due_on": "２０２６年１２月１日"}, "请填写要做的事", "２０２６年１２月１日"),
        ({"situation": "长" * 2001}, "2000", "每周辅导数学两次"),
        ({"note": "改" * 201}, "200", "父母在外务工"),
    ],
    ids=[
        "review-past",
        "review-missing",
        "no-situation",
        "no-goal",
        "unreal-date",
        "action-no-date",
        "action-no-what",
        "long-text",
        "long-note",
    ],  # fmt: skip
)
def test_bad_input_is_422_beside_the_field_with_input_kept(
    client, login, ctx, w, over, field_message, typed
):
    login(w.paired_teacher_name)
    html = assert_shown_again(client, f"/pairings/{w.pairing}/plan", plan_form(**over), [typed])
    assert field_message in html
    assert _versions(ctx, w.pairing) == []


def test_an_action_row_error_is_beside_its_row(client, login, w):
    login(w.paired_teacher_name)
    html = client.post(f"/pairings/{w.pairing}/plan",
                       data=plan_form(**{"actions-1-due_on": "2026-12-01"})).get_data(as_text=True)  # fmt: skip
    assert 'id="actions-1-what-error"' in html and "请填写要做的事" in html


def test_every_view_of_the_plan_is_audited(client, login, ctx, w):
    login(w.head_teacher_name)
    for url in (f"/pairings/{w.pairing}", f"/pairings/{w.pairing}/plan/versions"):
        assert client.get(url).status_code == 200
    ctx.expire_all()
    views = ctx.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "pairing.view", AuditEntry.object_id == w.pairing
        )  # fmt: skip
    ).all()
    assert len(views) == 2 and {e.actor_id for e in views} == {w.head_teacher}


def test_diff_text_is_by_character():
    assert plans.diff_text("每周辅导数学", "每周辅导数学和语文") == [
        ("same", "每周辅导数学"), ("ins", "和语文")]  # fmt: skip
    assert plans.diff_text("周二辅导", "周四辅导") == [
        ("same", "周"), ("del", "二"), ("ins", "四"), ("same", "辅导")]  # fmt: skip


def test_versions_arguments_of_any_kind_are_never_an_error(client, login, w):
    login(w.paired_teacher_name)
    for query in ("a=1&b=2", "a=x&b=%00", "a=99999999999999&b=-1", "a=2&b=1"):
        assert client.get(f"/pairings/{w.pairing}/plan/versions?{query}").status_code == 200


def test_plan_form_fuzz(client, login, w):
    """Arbitrary text in every field of the plan form: never a server error."""
    login(w.paired_teacher_name)

    @FUZZ
    @given(words=text, day=date_text(), index=st.one_of(st.integers(-3, 10**12).map(str), text))
    @example(words=NUL, day=NUL, index=NUL)
    def run(words, day, index):
        data = plan_form(words, situation=words, goal_life=words, review_on=day, note=words)
        data.update({f"actions-{index}-what": words, f"actions-{index}-due_on": day,
                     f"actions-{index}-kind": words, "actions-0-kind": words})  # fmt: skip
        _check(client.post(f"/pairings/{w.pairing}/plan", data=data))

    run()
    assert client.get(f"/pairings/{w.pairing}/plan").status_code == 200


def test_every_refusal_is_shown_at_once(client, login, w):
    """The writer sees each field's message in one go, not one per try."""
    login(w.paired_teacher_name)
    data = plan_form(situation="", goal_study="", review_on="2026-11-01",
                     **{"actions-1-due_on": "2026-12-01"})  # fmt: skip
    html = assert_shown_again(client, f"/pairings/{w.pairing}/plan", data, ["每周二、四放学后"])
    for message in ("请填写学生情况", "请至少填写一项帮扶目标", "下次评估日期不能早于今天",
                    "请填写要做的事"):  # fmt: skip
        assert message in html, message


@pytest.mark.commits
def test_two_saves_from_one_version_at_once_keep_one(app, world):
    """Two windows save version 1 at the same moment: the database keeps one, the other writer
    is told to reload (tests/concurrency.py holds both until both have checked)."""
    with app.app_context():
        w = make_pairing(world)

    def save(situation):
        def run():
            teacher = db.session.get(User, w.paired_teacher)
            pairing = db.session.get(Pairing, w.pairing)
            data = plans.PlanData(situation, {HelpKind.STUDY: "目标"}, [], date(2027, 1, 1))
            return plans.revise(teacher, pairing, data, date(2026, 11, 23)).version

        return run

    results = race(app, save("甲窗口"), save("乙窗口"))
    assert sorted(r for r in results if isinstance(r, int)) == [1]
    assert len(refusals(results)) == 1 and "其他人已保存" in refusals(results)[0]
    with app.app_context():
        assert len(_versions(db.session, w.pairing)) == 1


def test_a_full_form_of_actions_is_shown_again_without_error(client, login, w):
    """Every row filled, up to the most the form takes, with an error elsewhere: 422, not 500."""
    login(w.paired_teacher_name)
    data = plan_form()
    for i in range(40):
        data.update({f"actions-{i}-kind": "study", f"actions-{i}-what": f"第{i}项",
                     f"actions-{i}-due_on": "2026-12-31"})  # fmt: skip
    r = client.post(f"/pairings/{w.pairing}/plan", data=data)
    assert r.status_code == 422 and "计划措施最多 30 条" in r.get_data(as_text=True)


def test_the_review_date_and_the_actions_differ_by_whole_lines():
    from gridapp.pairing.plans import diff_lines

    assert diff_lines("2026-11-25", "2027-01-20") == [
        ("del", "2026-11-25\n"),
        ("ins", "2027-01-20"),
    ]
    old = "学习帮扶：辅导数学（2026-11-05）\n心理帮扶：谈心（2026-11-20）"
    new = "学习帮扶：辅导数学（2026-11-05）\n生活帮扶：送冬衣（2026-12-10）"
    assert diff_lines(old, new) == [
        ("same", "学习帮扶：辅导数学（2026-11-05）\n"),
        ("del", "心理帮扶：谈心（2026-11-20）\n"),
        ("ins", "生活帮扶：送冬衣（2026-12-10）"),
    ]
