"""Fuzzing the forms with arbitrary text: never a server error, only the statuses a user can meet."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gridapp.extensions import limiter

ALLOWED = {200, 303, 400, 404, 413, 422, 429}

FUZZ = settings(
    max_examples=30,
    database=None,  # nothing written into the working tree
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t",
    "\x1b[31m",
    "\u202e\u200b\ufeff",
    "😀👨‍👩‍👧‍👦🇨🇳",
    "' OR '1'='1' --",
    "Robert'); DROP TABLE students;--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7 * 7 }}{% raw %}",
    "%s%n%x",
    "../../../etc/passwd",
    "王小明",
    "2026-02-30",
    "9999-99-99",
    "-1",
    "0",
    "99999999999999999999",
    "1e308",
    "NaN",
    "null",
]

# Arbitrary text: any code point (control characters, emoji, RTL marks), very long strings, and
# text that looks like SQL, markup or templates.
NUL = "a\x00b"  # PostgreSQL refuses NUL in text: always tried, not left to chance

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from(NASTY),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(50, 3000)),
)


def date_text():
    return st.one_of(st.dates().map(str), text)


def choice(*valid: str):
    return st.one_of(st.sampled_from(valid), text)


def _check(r) -> None:
    assert r.status_code in ALLOWED, r.status_code


def test_login_form(client, world):
    @FUZZ
    @given(username=st.one_of(text, st.just(world.head_teacher_name)), password=text)
    @example(username=NUL, password=NUL)
    def run(username, password):
        limiter.reset()
        _check(client.post("/login", data={"username": username, "password": password}))
        client.post("/logout")

    run()


def test_student_edit_form(client, world, login):
    login(world.head_teacher_name)

    @FUZZ
    @given(
        name=text,
        gender=choice("male", "female"),
        birth_on=date_text(),
        address=text,
        community=text,
    )
    @example(name=NUL, gender=NUL, birth_on=NUL, address=NUL, community=NUL)
    @example(name="王小明", gender="male", birth_on="2017-05-01", address=NUL, community=NUL)
    def run(name, gender, birth_on, address, community):
        data = {
            "name": name,
            "gender": gender,
            "birth_on": birth_on,
            "address": address,
            "community": community,
        }
        _check(client.post(f"/students/{world.student}/edit", data=data))

    run()
    # The student is still readable whatever was saved.
    assert client.get(f"/students/{world.student}").status_code == 200
    assert client.get(f"/classes/{world.class_a1}").status_code == 200


def test_class_creation_form(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(
        level=choice("1", "3", "6", "7"),
        number=st.one_of(st.integers(-5, 120).map(str), text),
        enrolment_year=st.one_of(st.integers(1980, 2110).map(str), text),
        head_teacher_id=choice("", str(world.head_teacher), str(world.other_school_teacher)),
    )
    @example(level=NUL, number=NUL, enrolment_year=NUL, head_teacher_id=NUL)
    def run(level, number, enrolment_year, head_teacher_id):
        data = {
            "level": level,
            "number": number,
            "enrolment_year": enrolment_year,
            "head_teacher_id": head_teacher_id,
        }
        _check(client.post(f"/schools/{world.school_a}/classes/new", data=data))

    run()
    assert client.get(f"/schools/{world.school_a}").status_code == 200


def test_school_year_form(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(
        name=text,
        first_starts_on=date_text(),
        first_ends_on=date_text(),
        second_starts_on=date_text(),
        second_ends_on=date_text(),
    )
    @example(
        name=NUL, first_starts_on=NUL, first_ends_on=NUL, second_starts_on=NUL, second_ends_on=NUL
    )
    @example(
        name=NUL,
        first_starts_on="2030-09-01",
        first_ends_on="2031-01-20",
        second_starts_on="2031-02-20",
        second_ends_on="2031-07-01",
    )
    def run(name, first_starts_on, first_ends_on, second_starts_on, second_ends_on):
        data = {
            "name": name,
            "first_starts_on": first_starts_on,
            "first_ends_on": first_ends_on,
            "second_starts_on": second_starts_on,
            "second_ends_on": second_ends_on,
        }
        _check(client.post(f"/schools/{world.school_a}/calendar", data=data))

    run()
    assert client.get(f"/schools/{world.school_a}/calendar").status_code == 200


def test_user_creation_form(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(
        username=st.one_of(text, st.from_regex(r"[A-Za-z0-9_.\-]{2,64}", fullmatch=True)),
        name=text,
        phone=st.one_of(text, st.from_regex(r"1[3-9]\d{9}", fullmatch=True)),
        title=text,
        party=choice("y", ""),
        roles=st.lists(
            choice("teacher", "principal", "school_admin", "district_admin"), max_size=4
        ),
    )
    @example(username=NUL, name=NUL, phone=NUL, title=NUL, party=NUL, roles=[NUL])
    @example(username="fuzz.nul", name=NUL, phone="", title=NUL, party="", roles=["teacher"])
    def run(username, name, phone, title, party, roles):
        data = {
            "username": username,
            "name": name,
            "phone": phone,
            "title": title,
            "is_party_member": party,
            "active": "y",
            "roles": roles,
        }
        _check(client.post("/admin/users/new", data=data))

    run()
    assert client.get("/admin/users").status_code == 200


def test_search_and_filter_arguments(client, world, login):
    login(world.district_admin_name)

    @FUZZ
    @given(q=text, page=st.one_of(st.integers(-10, 10**12).map(str), text), day=date_text())
    @example(q=NUL, page=NUL, day=NUL)
    def run(q, page, day):
        _check(client.get(f"/classes/{world.class_a1}", query_string={"q": q, "page": page}))
        _check(
            client.get(
                "/admin/audit", query_string={"actor": q, "action": q, "day": day, "page": page}
            )
        )
        _check(
            client.get("/admin/audit", query_string={"actor": q, "action": q, "from": day, "to": q})
        )
        _check(client.get("/admin/users", query_string={"q": q, "role": q, "page": page}))

    run()


def test_contact_record_form(client, world, login):
    login(world.head_teacher_name)

    @FUZZ
    @given(
        token=text,
        students=choice(str(world.student), str(world.student_a2), "0"),
        contact_on=date_text(),
        form=choice("home_visit", "phone", "online"),
        teacher=choice(str(world.subject_teacher), str(world.other_class_teacher), ""),
        place=text,
        situation=text,
        pledge=choice("y", ""),
        letter=choice("y", ""),
    )
    @example(
        token=NUL, students=NUL, contact_on=NUL, form=NUL, teacher=NUL, place=NUL,
        situation=NUL, pledge=NUL, letter=NUL,
    )  # fmt: skip
    @example(
        token="t-nul", students=str(world.student), contact_on="2026-11-20", form="phone",
        teacher="", place=NUL, situation=NUL, pledge="y", letter="y",
    )  # fmt: skip
    def run(token, students, contact_on, form, teacher, place, situation, pledge, letter):
        data = {
            "client_token": token,
            "students": students,
            "contact_on": contact_on,
            "form": form,
            "teacher_ids": teacher,
            "place": place,
            "family_situation": situation,
            "pledge_confirmed": pledge,
            "drowning_letter_delivered": letter,
        }
        _check(client.post(f"/contacts/new?student={world.student}", data=data))

    run()
    assert client.get("/contacts").status_code == 200
    assert client.get("/worklist").status_code == 200


def test_contact_review_and_evaluation_forms(client, world, login):
    login(world.principal_name)

    @FUZZ
    @given(decision=choice("approve", "return"), comment=text)
    @example(decision=NUL, comment=NUL)
    def review(decision, comment):
        data = {"decision": decision, "comment": comment}
        r = client.post(f"/contacts/{world.contact}/review", data=data)
        assert r.status_code in ALLOWED | {409}, r.status_code

    review()
    client.post("/logout")
    login(world.parent_name)

    @FUZZ
    @given(
        rating=choice("1", "2", "5", "6", "-1"), feelings=text, suggestions=text,
        conduct=choice("1", "5", "", "6"), opinion=text,
    )  # fmt: skip
    @example(rating=NUL, feelings=NUL, suggestions=NUL, conduct=NUL, opinion=NUL)
    def evaluate(rating, feelings, suggestions, conduct, opinion):
        data = {
            "rating": rating, "feelings": feelings, "suggestions": suggestions,
            "conduct_rating": conduct, "conduct_opinion": opinion,
        }  # fmt: skip
        _check(client.post(f"/contacts/{world.contact}/evaluation", data=data))

    evaluate()
    assert client.get(f"/contacts/{world.contact}").status_code == 200


def test_hotline_form(client, world, login):
    login(world.principal_name)

    @FUZZ
    @given(phone=choice("0573-82345678", "０５７３－８２３４５６７８", ""), hours=text)
    @example(phone=NUL, hours=NUL)
    @example(phone="0573-82345678", hours=NUL)
    def run(phone, hours):
        _check(
            client.post(f"/schools/{world.school_a}/hotline", data={"phone": phone, "hours": hours})
        )

    run()
    client.post("/logout")
    assert client.get("/mailbox").status_code == 200
    assert client.get("/reception").status_code == 200


def test_quota_form_and_coverage_arguments(client, world, login):
    login(world.school_admin_name)

    @FUZZ
    @given(value=st.one_of(st.integers(-5, 30).map(str), text), sort=text, page=text)
    @example(value=NUL, sort=NUL, page=NUL)
    def run(value, sort, page):
        data = {r: value for r in ("teacher_family", "head_teacher_remote", "focus_home_visit")}
        _check(client.post(f"/schools/{world.school_a}/quotas", data=data))
        _check(client.get(f"/schools/{world.school_a}/coverage", query_string={"sort": sort}))
        _check(
            client.get(
                f"/schools/{world.school_a}/coverage/families",
                query_string={"rule": sort, "page": page, "class_id": page, "met": page},
            )
        )

    run()


def test_mailbox_letter_form(client, ctx, world):
    """The public form: whatever is typed, a Chinese answer, never a 500; with a right captcha a
    letter is stored only when it is valid."""
    from gridapp.cases import mailbox

    @FUZZ
    @given(
        school_id=choice(str(world.school_a), "", "0"),
        category=choice("canteen", "safety"),
        subject=text,
        content=text,
        name=text,
        phone=st.one_of(st.just("13812345678"), text),
        child_class=text,
        anonymous=choice("y", ""),
        captcha=st.one_of(st.just("ABCD"), text),
    )
    @example(school_id=NUL, category=NUL, subject=NUL, content=NUL, name=NUL, phone=NUL,
             child_class=NUL, anonymous=NUL, captcha=NUL)  # fmt: skip
    def run(school_id, category, subject, content, name, phone, child_class, anonymous, captcha):
        limiter.reset()
        token = mailbox.new_captcha()
        if captcha == "ABCD":  # the strategy's "right answer"
            captcha = mailbox.captcha_answer(token)
        data = {
            "school_id": school_id, "category": category, "subject": subject,
            "content": content, "name": name, "phone": phone, "child_class": child_class,
            "anonymous": anonymous, "captcha_token": token, "captcha": captcha,
        }  # fmt: skip
        _check(client.post("/mailbox", data=data))

    run()


def test_tracking_and_rating_forms(client, world):
    @FUZZ
    @given(code=text, rating=text, comment=text)
    @example(code=NUL, rating=NUL, comment=NUL)
    def run(code, rating, comment):
        limiter.reset()
        _check(client.post("/mailbox/track", data={"code": code}))
        _check(
            client.post(
                "/mailbox/track/rating", data={"code": code, "rating": rating, "comment": comment}
            )
        )

    run()


def test_reception_booking_form(client, world, login):
    """A parent's booking form with anything typed: a Chinese answer, never a 500."""
    login(world.parent_name)

    @FUZZ
    @given(student_id=choice(str(world.student), "", "0"), topic=text, description=text,
           token=text, waitlist=choice("y", ""))  # fmt: skip
    @example(student_id=NUL, topic=NUL, description=NUL, token=NUL, waitlist=NUL)
    def run(student_id, topic, description, token, waitlist):
        data = {"student_id": student_id, "topic": topic, "description": description,
                "token": token, "waitlist": waitlist}  # fmt: skip
        r = client.post(f"/reception/slots/{world.slot}", data=data)
        assert r.status_code in ALLOWED | {409}, r.status_code

    run()


@pytest.mark.slow(5)
def test_case_page_and_settings_forms(client, world, login):
    """The case page's forms (note, merge, reply, approval) and the settings page's forms: an
    answer a user can meet (409 when the case has moved on), never a 500."""
    login(world.principal_name)
    case = f"/cases/{world.case}"
    settings_url = f"/schools/{world.school_a}/case-settings"

    @FUZZ
    @given(words=text, number=st.one_of(st.integers(-5, 10**12).map(str), text), day=date_text())
    @example(words=NUL, number=NUL, day=NUL)
    def run(words, number, day):
        _check(client.post(f"{case}/moves/note", data={"note": words}))
        _check(client.post(f"{case}/moves/merge", data={"into": number}))
        for url, data in (
            (f"{case}/approval", {"decision": words, "reply": words, "note": words}),
            (f"{case}/reply", {"reply": words}),
        ):
            r = client.post(url, data=data)
            assert r.status_code in ALLOWED | {409}, r.status_code
        _check(client.post(settings_url, data={"action": "canned", "category": words,
                                               "title": words, "text": words}))  # fmt: skip
        _check(client.post(settings_url, data={"action": "closure", "on": day, "reason": words}))
        _check(client.post(settings_url, data={"action": "deadlines", "canteen": number}))
        _check(client.post(settings_url, data={"action": "remove_canned", "id": number}))

    run()
    assert client.get(case).status_code == 200


@pytest.mark.slow(5)
def test_grid_forms(client, ctx, world, login):
    """The grid page's log and relay forms, moving a family, attendance: never a 500."""
    login(world.head_teacher_name)

    @FUZZ
    @given(words=text, number=st.one_of(st.integers(-5, 10**12).map(str), text), day=date_text())
    @example(words=NUL, number=NUL, day=NUL)
    def run(words, number, day):
        grid = f"/grids/{world.grid}"
        _check(client.post(f"{grid}/logs", data={"family_id": number, "kind": words,
                                                 "happened_on": day, "text": words,
                                                 "focus_student": number, "focus": words}))  # fmt: skip
        _check(client.post(f"{grid}/relays", data={"family_id": number, "category": words,
                                                   "words": words, "wants_answer": words}))  # fmt: skip
        _check(client.post(f"/classes/{world.class_a1}/grids/move",
                           data={"family_id": number, "grid_id": number}))  # fmt: skip
        _check(client.post(f"/activities/{world.activity}/attendance",
                           data={"family_ids": [number, words]}))  # fmt: skip

    run()
    assert client.get(f"/grids/{world.grid}").status_code == 200


def test_sensitive_review_and_dossier_forms(client, world, login):
    """The sensitive record, a review row and the dossier export: never a 500."""
    login(world.head_teacher_name)

    @FUZZ
    @given(words=text, number=st.one_of(st.integers(-5, 10**12).map(str), text))
    @example(words="上课认真", number="99999999999999999999")  # beyond the database's ids
    @example(words=NUL, number=NUL)
    def run(words, number):
        _check(client.post(f"/students/{world.student}/sensitive/edit",
                           data={"health": words, "id_number": words}))  # fmt: skip
        _check(client.post(f"/classes/{world.class_a1}/reviews",
                           data={"student_id": number, "text": words,
                                 "level_attitude": words}))  # fmt: skip
        # No student of the class: no dossier job (PDFs are slow), only the form's answer.
        _check(client.post(f"/classes/{world.class_a1}/dossiers",
                           data={"student_ids": [words, "999999"], "sections": [words],
                                 "format": words, "sensitive": words}))  # fmt: skip

    run()
