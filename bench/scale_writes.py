"""The writes of `make bench-scale` (issue 17): an anonymous parent's letter to the principal's
mailbox and a parent booking a reception slot, from 50 clients at once, p99 of the server time.

`prepare` runs inside the app (a subprocess of bench/scale.py, on the bench's own database):
it gives parents of the first school accounts (people.services.guardian_account, the demo's
password) and publishes reception days with room for every booking of the run
(reception.services.publish_day). The clients then go through the pages as a browser does: the
letter form (its CSRF token, and the captcha answered from its text alternative, the sum a
screen reader reads out: no test hook, nothing read from the database) and the booking form of
a slot, signed in. Each parent and each letter writer has an address of its own on the loopback
range (127.x.y.z), as parents at home have: the app's rate limits (letters per address, sign-ins
per address) stay as configured and count as in production.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import urllib.parse
from datetime import time as clock
from datetime import timedelta

USER_AGENT = "gridapp-bench"
_ZH = "零一二三四五六七八九"


# ---- inside the app -------------------------------------------------------------------------------


def prepare(parents: int, days: int) -> dict:
    """`parents` guardians of the first school with accounts (password of the demo logins), and
    `days` reception days of that school on coming weekdays, each 14:00-17:00 in 10-minute slots
    for 50 (900 places a day), bookable now. Commits. Returns JSON-ready
    {"parents": [[username, student_id], ...], "days": [[slot id, ...], ...],
    "schools": [school id, ...]}."""
    from sqlalchemy import select

    from gridapp.accounts.models import User
    from gridapp.core.time import today
    from gridapp.extensions import db
    from gridapp.people.models import Guardian, Student, StudentGuardian
    from gridapp.people.services import guardian_account
    from gridapp.reception import services as reception
    from gridapp.reception.models import DayStatus, ReceptionDay
    from gridapp.schools.models import School

    schools = db.session.scalars(select(School.id).order_by(School.id)).all()
    school = db.session.get(School, schools[0])
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    principal = db.session.scalar(select(User).where(User.username == "principal"))
    password_hash = db.session.scalar(select(User.password_hash).where(User.username == "parent"))
    rows = db.session.execute(
        select(Student, Guardian)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(
            Student.school_id == school.id,
            StudentGuardian.is_primary.is_(True),
            Guardian.user_id.is_(None),
        )
        .order_by(Student.id)
    ).all()
    out_parents, seen = [], set()
    for student, guardian in rows:
        if guardian.id in seen:  # siblings: one account a guardian
            continue
        seen.add(guardian.id)
        user, _token = guardian_account(admin, student, guardian)
        user.password_hash = password_hash
        out_parents.append([user.username, student.id])
        if len(out_parents) == parents:
            break
    taken = set(
        db.session.scalars(
            select(ReceptionDay.on).where(
                ReceptionDay.school_id == school.id, ReceptionDay.status == DayStatus.PUBLISHED
            )
        )
    )
    data = reception.DayData(
        starts=clock(14, 0), ends=clock(17, 0), room="接待室（测速）", slot_minutes=10,
        capacity=50, buffer_minutes=0, opens_days_before=60, closes_hours_before=0,
        host_ids=[principal.id],
    )  # fmt: skip
    out_days, on = [], today() + timedelta(days=2)
    while len(out_days) < days:
        if on.weekday() < 5 and on not in taken:
            day = reception.publish_day(principal, school.id, on, data, today())
            db.session.flush()
            out_days.append([s.id for s in day.slots])
        on += timedelta(days=1)
    db.session.commit()
    return {"parents": out_parents, "days": out_days, "schools": list(schools)}


# ---- the clients ----------------------------------------------------------------------------------


class Client:
    """One browser: its own loopback address and cookies; no redirects followed."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body, headers)
            r = conn.getresponse()
            data = r.read().decode()
            for cookie in r.headers.get_all("Set-Cookie") or []:
                name, _eq, rest = cookie.partition("=")
                value = rest.split(";")[0]
                if value and "01 Jan 1970" not in cookie:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
            return r.status, data
        finally:
            conn.close()


def address(n: int, block: int) -> str:
    """The n-th client address of a block (127.<block>.y.z, z in 1..250)."""
    return f"127.{block}.{n // 250}.{n % 250 + 1}"


def hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'name="{name}" value="([^"]*)"', page
    )
    if m is None:
        raise RuntimeError(f"no {name} in the page")
    return m.group(1)


def captcha_answer(page: str) -> str:
    """The sum of the captcha's text alternative ("七 加 五 等于几？" -> "12")."""
    m = re.search(r"回答：\s*(\S) 加 (\S) 等于几", page)
    if m is None:
        raise RuntimeError("no captcha question in the page")
    return str(_ZH.index(m.group(1)) + _ZH.index(m.group(2)))


def run_threads(count: int, work) -> list:
    """`work(i)` in `count` threads started together; their exceptions, if any."""
    errors: list = []
    barrier = threading.Barrier(count)

    def target(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except Exception as e:  # reported by the caller, the run goes on
            errors.append(repr(e))

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def letters(port: int, schools: list[int], first: int, count: int, clients: int) -> dict:
    """`count` anonymous letters from `clients` threads, each letter from a new browser at a new
    address (numbered from `first`): the form, then the letter with the captcha answered.
    Returns {"statuses": {status: n}, "errors": [...]}."""
    left = iter(range(first, first + count))
    lock = threading.Lock()
    statuses: dict[int, int] = {}

    def work(_i: int) -> None:
        while True:
            with lock:
                n = next(left, None)
            if n is None:
                return
            c = Client(port, address(n, 1))
            _s, page = c.request("GET", "/mailbox")
            form = {
                "csrf_token": hidden(page, "csrf_token"),
                "captcha_token": hidden(page, "captcha_token"),
                "captcha": captcha_answer(page),
                "school_id": schools[n % len(schools)],
                "category": "canteen",
                "subject": f"午餐分量（{n}）",
                "content": "孩子说午饭不够吃，希望学校增加米饭的供应，也希望家长能参观食堂。",
                "anonymous": "y",
            }
            status, _page = c.request("POST", "/mailbox", form)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    errors = run_threads(clients, work)
    return {"statuses": statuses, "errors": errors[:5]}


def sign_in(port: int, parents: list) -> tuple[list[Client], list]:
    """A signed-in browser per parent, each at its own address; the sign-ins run 50 at once."""
    clients = [Client(port, address(i, 2)) for i in range(len(parents))]

    def work(i: int) -> None:
        c = clients[i]
        _s, page = c.request("GET", "/login")
        form = {"username": parents[i][0], "password": "gridapp-demo"}
        status, _p = c.request("POST", "/login", {**form, "csrf_token": hidden(page, "csrf_token")})
        if status != 303 and status != 302:
            raise RuntimeError(f"sign-in of {parents[i][0]}: {status}")

    return clients, run_threads(len(parents), work)


def bookings(port: int, clients: list[Client], parents: list, days: list[list[int]]) -> dict:
    """Each parent books one slot of each of `days` (one booking a day, the rule), all parents
    at once: the booking form of a slot, then the booking. Returns statuses and errors."""
    lock = threading.Lock()
    statuses: dict[int, int] = {}

    def work(i: int) -> None:
        c, (_username, student) = clients[i], parents[i]
        for d, slots in enumerate(days):
            slot = slots[(i + d) % len(slots)]
            _s, page = c.request("GET", f"/reception/slots/{slot}")
            form = {
                "csrf_token": hidden(page, "csrf_token"),
                "token": hidden(page, "token"),
                "student_id": student,
                "topic": "孩子的作业量",
                "description": "想和校长谈谈晚上的作业时间。",
            }
            status, _p = c.request("POST", f"/reception/slots/{slot}", form)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    errors = run_threads(len(clients), work)
    return {"statuses": statuses, "errors": errors[:5]}


if __name__ == "__main__":  # python -m bench.scale_writes PARENTS DAYS, inside the bench's env
    import sys

    from gridapp.app import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(prepare(int(sys.argv[1]), int(sys.argv[2]))))
