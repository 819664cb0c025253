"""The parent-school forms with anything typed: a Chinese answer, never a 500 (as
tests/test_forms_fuzz.py does for the other forms)."""

from __future__ import annotations

from hypothesis import example, given

from ..test_forms_fuzz import ALLOWED, FUZZ, NUL, choice, date_text, text


def test_the_course_form(client, world, login):
    login(world.principal_name)

    @FUZZ
    @given(title=text, held_on=date_text(), starts=choice("19:00", "１９：００", "25:00"),
           ends=choice("20:30", "18:00", ""), hours=choice("2", "1.5", "１．５", "0", "NaN", "1e9"),
           audience=choice("school", "grades"), grade=choice("1", "abc", "99999999999"),
           delivery=choice("in_person", "online"), place=text, link=text)  # fmt: skip
    @example(title=NUL, held_on=NUL, starts=NUL, ends=NUL, hours=NUL, audience=NUL, grade=NUL,
             delivery=NUL, place=NUL, link=NUL)  # fmt: skip
    def run(title, held_on, starts, ends, hours, audience, grade, delivery, place, link):
        data = {
            "title": title, "speaker": "王老师", "held_on": held_on, "starts_at": starts,
            "ends_at": ends, "hours": hours, "audience": audience, "grade_ids": grade,
            "delivery": delivery, "place": place, "link": link,
        }  # fmt: skip
        r = client.post(f"/schools/{world.school_a}/parent-school/courses/new", data=data)
        assert r.status_code in ALLOWED, r.status_code

    run()


def test_the_code_target_and_sheet_forms(client, world, login):
    login(world.parent_name)

    @FUZZ
    @given(code=text)
    @example(code=NUL)
    def codes(code):
        r = client.post("/my/parent-school", data={"code": code})
        assert r.status_code in ALLOWED, r.status_code

    codes()
    login(world.principal_name)

    @FUZZ
    @given(sessions=choice("4", "０", "-1", "99999999999", "x"), hours=text, family=text)
    @example(sessions=NUL, hours=NUL, family=NUL)
    def others(sessions, hours, family):
        r = client.post(
            f"/schools/{world.school_a}/parent-school/target",
            data={"target_sessions": sessions, "target_hours": hours},
        )
        assert r.status_code in ALLOWED, r.status_code
        r = client.post(
            f"/parent-school/courses/{world.course}/classes/{world.class_a1}/attendance",
            data={"family_ids": family},
        )
        assert r.status_code in ALLOWED, r.status_code

    others()
