"""Input from a Chinese input method (issue 22, item 5): full-width digits and letters, the
ideographic space, hyphens and +86 are read as what they mean and stored in one normal form in
every phone, code, number, date and search box; names match across middle-dot variants; a search
for `%` or `_` matches only those characters."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.cases.models import Letter
from gridapp.reception.models import Booking
from tests.cases.test_loop import _captcha, _code, _letter
from tests.factories import TEST_PASSWORD, StudentFactory

FULL = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-+ ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－＋\u3000",
)


def full_width(value: str) -> str:
    return value.translate(FULL)


def test_mailbox_phone_class_captcha_and_tracking_code_typed_full_width(client, ctx, world):
    for phone in (
        "１３８１２３４５６７８",
        "+86 13812345678",
        "＋８６　１３８－１２３４－５６７８",
    ):
        token, answer = _captcha(client, ctx)
        data = _letter(
            world, token, full_width(answer.lower()), anonymous="", phone=phone,
            child_class="3年级1班", name="阿卜杜拉・艾力",
        )  # fmt: skip
        r = client.post("/mailbox", data=data)
        assert r.status_code == 303, (phone, r.get_data(as_text=True)[:3000])
        code = _code(client)
        ctx.expire_all()
        letter = ctx.scalars(select(Letter).order_by(Letter.id.desc())).first()
        assert letter.writer_phone == "13812345678"
        assert letter.child_class == "三年级（1）班" and letter.writer_name == "阿卜杜拉·艾力"
        # The code typed back in full width, lower case, spaced by the ideographic space.
        typed = full_width(code.lower().replace("-", " "))
        page = client.post("/mailbox/track", data={"code": typed}).get_data(as_text=True)
        assert "午餐分量" in page, typed


def test_a_wrong_phone_is_still_refused_and_shown_as_typed(client, ctx, world):
    token, answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox", data=_letter(world, token, answer, anonymous="", phone="１３８１２３")
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "请输入11位手机号码" in html and "１３８１２３" in html


def test_a_guest_books_with_a_full_width_mobile_and_finds_it_by_a_full_width_code(
    client, ctx, world
):
    guest = {
        "guest_name": "赵 ・ 女士", "guest_mobile": "+86 139-0000-3333", "guest_class": "三(1)班",
        "topic": "孩子午餐吃不饱", "description": "", "token": "cjk-guest",
    }  # fmt: skip
    r = client.post(f"/reception/slots/{world.slot}", data=guest)
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    code = page.split('<p class="code">')[1].split("<")[0]
    booking = ctx.scalars(select(Booking).where(Booking.token == "cjk-guest")).one()
    assert (booking.guest_name, booking.guest_mobile, booking.guest_class) == (
        "赵·女士", "13900003333", "三年级（1）班",
    )  # fmt: skip
    page = client.post("/reception/lookup", data={"code": full_width(code.lower())})
    assert page.status_code == 200 and "孩子午餐吃不饱" in page.get_data(as_text=True)


def test_accounts_take_full_width_names_and_phones(client, ctx, world, login):
    login(world.school_admin_name)
    r = client.post(
        "/admin/users/new",
        data={
            "username": "ｗａｎｇ．ｌｉ", "name": "王　丽", "phone": "＋８６ １３９００００１１１１",
            "title": "教师", "active": "y", "roles": ["teacher"],
        },
    )  # fmt: skip
    assert r.status_code == 200 and "设置密码链接" in r.get_data(as_text=True)
    user = ctx.scalars(select(User).where(User.username == "wang.li")).one()
    assert (user.name, user.phone) == ("王丽", "13900001111")
    client.post("/logout")
    # Signing in with the user name typed in full width.
    r = client.post(
        "/login", data={"username": full_width(world.head_teacher_name), "password": TEST_PASSWORD}
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]


def test_dates_and_numbers_typed_full_width(client, ctx, world, login):
    login(world.head_teacher_name)
    for typed in ("２０２６－１１－２０", "2026年11月20日", "2026/11/20"):
        r = client.post(
            f"/classes/{world.class_a1}/activities",
            data={"grid_id": "", "topic": f"家庭教育讲座{typed}", "held_on": typed,
                  "place": "报告厅", "speaker": "王老师"},
        )  # fmt: skip
        assert r.status_code == 303, (typed, r.get_data(as_text=True)[:3000])


def test_searches_match_middle_dots_and_literal_wildcards(client, ctx, world, login):
    StudentFactory(school_class=ctx.merge(_cls(ctx, world)), name="阿卜杜拉·艾力")
    StudentFactory(school_class=ctx.merge(_cls(ctx, world)), name="百分之100%")
    ctx.flush()
    login(world.head_teacher_name)
    url = f"/classes/{world.class_a1}"
    for q in ("阿卜杜拉・艾力", "阿卜杜拉•艾力", "阿卜杜拉‧艾力", "阿卜杜拉 · 艾力"):
        page = client.get(url, query_string={"q": q}).get_data(as_text=True)
        assert "阿卜杜拉·艾力" in page, q
    page = client.get(url, query_string={"q": "%"}).get_data(as_text=True)
    assert "百分之100%" in page and "王小明" not in page
    page = client.get(url, query_string={"q": "_"}).get_data(as_text=True)
    assert "王小明" not in page and "百分之100%" not in page
    # The contact form's student picker and the account list search the same way.
    page = client.get("/contacts/new", query_string={"q": "%"}).get_data(as_text=True)
    assert "百分之100%" in page and "王小明" not in page
    client.post("/logout")
    login(world.school_admin_name)
    page = client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert world.head_teacher_name not in page
    page = client.get("/admin/users", query_string={"q": "ｈｅａｄ＿ｔ"}).get_data(as_text=True)
    assert world.head_teacher_name in page and world.subject_teacher_name not in page
    page = client.get("/admin/audit", query_string={"actor": "%"}).get_data(as_text=True)
    assert "没有" in page or world.head_teacher_name not in page


def _cls(ctx, world):
    from gridapp.schools.models import SchoolClass

    return ctx.get(SchoolClass, world.class_a1)
