"""Fuzzing the forms for one person (issue 15 item 6): a new student with guardians, a guardian,
linking by mobile, moving, the status: never a server error (tests/test_forms_fuzz.py)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from ..test_forms_fuzz import FUZZ, NUL, _check, choice, date_text, text

PHONE = st.one_of(
    text, st.sampled_from(["13912345678", "１３９ １２３４ ５６７８", "+86-139-1234-5678"])
)


def test_new_student_form(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(
        number=text, name=text, gender=choice("male", "female"), birth_on=date_text(),
        from_on=date_text(), g1_name=text, g1_relation=choice("mother", "father"), g1_mobile=PHONE,
        g2_name=text, g2_mobile=PHONE,
    )  # fmt: skip
    @example(
        number=NUL, name=NUL, gender=NUL, birth_on=NUL, from_on=NUL, g1_name=NUL,
        g1_relation=NUL, g1_mobile=NUL, g2_name=NUL, g2_mobile=NUL,
    )  # fmt: skip
    @example(
        number="２０２６０１", name="新同学", gender="male", birth_on="2018-03-01",
        from_on="2026-11-01", g1_name="新家长", g1_relation="mother", g1_mobile="13912345678",
        g2_name="", g2_mobile="",
    )  # fmt: skip
    def run(number, name, gender, birth_on, from_on, g1_name, g1_relation, g1_mobile, g2_name,
            g2_mobile):  # fmt: skip
        data = {
            "student_number": number, "name": name, "gender": gender, "birth_on": birth_on,
            "from_on": from_on, "address": "", "community": "", "g1_name": g1_name,
            "g1_relation": g1_relation, "g1_mobile": g1_mobile, "g2_name": g2_name,
            "g2_relation": "father", "g2_mobile": g2_mobile,
        }  # fmt: skip
        _check(client.post(f"/classes/{world.class_a1}/students/new", data=data))

    run()
    assert client.get(f"/classes/{world.class_a1}").status_code == 200


def test_guardian_forms(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(
        name=text, relation=choice("mother", "father"), mobile=PHONE, other=text, work=text,
        primary=choice("y", ""),
    )  # fmt: skip
    @example(name=NUL, relation=NUL, mobile=NUL, other=NUL, work=NUL, primary=NUL)
    def run(name, relation, mobile, other, work, primary):
        data = {
            "name": name, "relation": relation, "mobile": mobile, "other_phone": other,
            "workplace": work, "is_primary": primary,
        }  # fmt: skip
        _check(client.post(f"/students/{world.student}/guardians/new", data=data))
        _check(client.post(f"/students/{world.student}/guardians/{world.guardian}/edit", data=data))
        _check(client.post(f"/students/{world.student}/guardians/link", data={"mobile": mobile}))

    run()
    assert client.get(f"/students/{world.student}").status_code == 200


def test_move_and_status_forms(client, world, login):
    login(world.principal_name)

    @FUZZ
    @given(class_id=choice(str(world.class_a2), "0", "-1"), on=date_text(), status=text)
    @example(class_id=NUL, on=NUL, status=NUL)
    @example(class_id="99999999999999999999", on="2026-11-01", status="left")
    def run(class_id, on, status):
        _check(
            client.post(
                f"/students/{world.other_student}/move", data={"class_id": class_id, "on": on}
            )
        )
        _check(
            client.post(
                f"/students/{world.student_a2}/status",
                data={"to_status": status, "on": on, "reason": status},
            )
        )

    run()


def test_focus_mark_and_end_forms(client, world, login):
    """Issue 21 item 5: marking and ending a focus category from the student page."""
    login(world.head_teacher_name)
    categories = ("left_behind", "thinking_or_study_change", "psychological")

    @FUZZ
    @given(category=choice(*categories), on=date_text(), reason=text, end=st.booleans())
    @example(category=NUL, on=NUL, reason=NUL, end=False)
    @example(category="left_behind", on="２０２６年１１月２０日", reason="留守", end=False)
    @example(category="left_behind", on="2026-11-21", reason=NUL, end=True)
    def run(category, on, reason, end):
        action = "end" if end else "mark"
        data = {f"{action}-category": category, f"{action}-on": on, f"{action}-reason": reason}
        _check(client.post(f"/students/{world.student}/focus/{action}", data=data))

    run()
    assert client.get(f"/students/{world.student}").status_code == 200
    assert client.get(f"/classes/{world.class_a1}/focus").status_code == 200
