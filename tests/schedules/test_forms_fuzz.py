"""The schedule's and the trip planner's forms with anything typed: a Chinese answer, never a
500 (as tests/test_forms_fuzz.py does for the other forms)."""

from __future__ import annotations

from hypothesis import example, given

from gridapp.schedules.trip_views import trip_prefix

from ..test_forms_fuzz import ALLOWED, FUZZ, NUL, choice, date_text, text


def test_the_add_item_and_move_forms(client, world, login):
    login(world.head_teacher_name)

    @FUZZ
    @given(teacher=choice(str(world.subject_teacher), "0", "-1", "99999999999"),
           student=choice(str(world.student), str(world.student_c1), "x"),
           form=choice("phone", "home_visit", "fax"), week=choice("14", "0", "5", "22", "１４"))  # fmt: skip
    @example(teacher=NUL, student=NUL, form=NUL, week=NUL)
    def run(teacher, student, form, week):
        data = {"teacher_id": teacher, "student_id": student, "form": form, "week": week}
        r = client.post(f"/classes/{world.class_a1}/schedule", data=data)
        assert r.status_code in ALLOWED, r.status_code
        r = client.post(f"/schedule-items/{world.schedule_item}/move", data=data)
        assert r.status_code in ALLOWED, r.status_code

    run()


def test_the_trip_form_and_the_chain(client, world, login):
    login(world.head_teacher_name)
    p = trip_prefix("阳光花园")

    @FUZZ
    @given(group=text, on=date_text(), teachers=text, skip=text)
    @example(group=NUL, on=NUL, teachers=NUL, skip=NUL)
    def run(group, on, teachers, skip):
        r = client.post("/my/trips", data={"group": group, f"{p}contact_on": on,
                                           f"{p}teacher_ids": teachers})  # fmt: skip
        assert r.status_code in ALLOWED, r.status_code
        r = client.get("/my/trips/next", query_string={"group": group, "on": on,
                                                       "teachers": teachers, "skip": skip})  # fmt: skip
        assert r.status_code in ALLOWED, r.status_code
        r = client.get("/contacts/new", query_string={"student": world.student, "on": on,
                                                      "kind": group, "teachers": teachers,
                                                      "next": skip})  # fmt: skip
        assert r.status_code in ALLOWED, r.status_code

    run()
